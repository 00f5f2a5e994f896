#!/usr/bin/env bash
# make load (docs/load.md): builds the local server and the goose load generator with the
# `tools` profile, starts the server on a fresh data directory (it seeds the demo data), waits
# until it answers, runs one fixed-rate load of the realistic mix, checks every acknowledged
# write through the API, stops the server and fails on any 5xx or lost/duplicated write.
#
# RATE (req/s, default 200), DURATION (s, default 60), USERS (writers, default 1000), CLIENTS
# (concurrent goose users, default 64), LOAD_PORT (default 3900), RUST_LOG for the server
# (default warn), KEEP_DATA=1 keeps the data directory. Reports go to target/load/<run>/.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${RATE:-200}
duration=${DURATION:-60}
users=${USERS:-1000}
clients=${CLIENTS:-64}
port=${LOAD_PORT:-3900}
target_dir=${CARGO_TARGET_DIR:-target}

# Two builds: the server exactly as `cargo build --profile tools -p local-server` makes it (the
# load generator's dependencies would otherwise change its features).
cargo build --locked --profile tools -p local-server
cargo build --locked --profile tools -p load
bin="$target_dir/tools"

run="$(date -u +%Y%m%dT%H%M%SZ)-${rate}rps"
report="${REPORT_DIR:-$target_dir/load/$run}"
mkdir -p "$report"
data=$(mktemp -d "${TMPDIR:-/tmp}/craftbean-load.XXXXXX")

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${KEEP_DATA:-0}" = 1 ]; then
    echo "data directory kept: $data"
  else
    rm -rf "$data"
  fi
}
trap cleanup EXIT

PORT=$port CRAFTBEAN_DATA_DIR=$data RUST_LOG=${RUST_LOG:-warn} "$bin/local-server" \
  >"$report/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
  if curl -sf -o /dev/null "http://127.0.0.1:$port/cities"; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the local server exited; see $report/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -sf -o /dev/null "http://127.0.0.1:$port/cities" || {
  echo "the local server did not answer on port $port within 60 s" >&2
  exit 1
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' (uncommitted changes)')"
  echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GiB", $2/1048576}')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$report/machine.txt"

status=0
"$bin/load" --host "http://127.0.0.1:$port" --data-dir "$data" --rate "$rate" \
  --duration "$duration" --users "$users" --clients "$clients" --report-dir "$report" || status=$?

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$report/machine.txt"
cat "$report/machine.txt"
echo "reports: $report (summary.md, goose-report.html, goose-report.json)"
exit "$status"
