#!/usr/bin/env bash
# make bench-coldstart (docs/coldstart.md): builds every API function and the hello-world floor
# (bench/hello-lambda) with the release profile Lambda runs, each binary alone as `sam build`
# builds it (so features do not unify across functions), for this machine's architecture
# (x86_64 here: arm64 binaries cannot run on it). Then starts moto, seeds a table with the demo
# data, and runs `xtask bench-coldstart` (built with the `tools` profile, so the emulator's own
# overhead stays small) over every binary. FUNCTIONS="get-cafe list-cafes" limits the set;
# STARTS (default 5) and INVOCATIONS (default 1000) size the run. Report: target/coldstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}

cargo build --locked --profile tools -p xtask
xtask="$target_dir/tools/xtask"
functions=${FUNCTIONS:-$("$xtask" http-functions)}

for f in hello-lambda $functions; do
  echo "==> cargo build --release -p $f"
  cargo build --locked --release -p "$f"
done

eval "$(scripts/moto.sh)"
trap 'kill "$(cat "$MOTO_PID_FILE")" 2>/dev/null || true' EXIT
table=craftbean-coldstart
echo "==> seeding $table at $AWS_ENDPOINT_URL"
"$xtask" seed --store dynamodb --table "$table" --create-table >/dev/null

echo "==> $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
"$xtask" bench-coldstart --bins "$target_dir/release" --table "$table" \
  --functions "${functions// /,}" --starts "${STARTS:-5}" --invocations "${INVOCATIONS:-1000}" \
  --report "$target_dir/coldstart"
