#!/usr/bin/env bash
# Runs one of web/'s browser scripts (`budgets` or `screenshots`) against a local server on fresh
# demo data: builds the app and the server, starts the server on a free port with a temporary
# data directory, waits for it, runs `npm run <script>`, stops the server.
# `make web-budgets`, `make web-screenshots`.
set -euo pipefail
cd "$(dirname "$0")/.."
script=${1:?usage: scripts/web-local.sh budgets|screenshots}

scripts/web-build.sh
cargo build --locked -q -p local-server
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
data_dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$port CRAFTBEAN_DATA_DIR=$data_dir CRAFTBEAN_WEB_DIR=web/dist "$target_dir/debug/local-server" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data_dir"' EXIT
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$port/app-config.json" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$data_dir/server.log" >&2; exit 1; }
  sleep 0.5
done
echo "==> npm run $script against http://127.0.0.1:$port"
(cd web && CRAFTBEAN_WEB_URL="http://127.0.0.1:$port" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm run --silent "$script")
