#!/usr/bin/env bash
# Starts moto's server (DynamoDB, SQS, S3 and API Gateway protocols) on a free loopback port in the
# background. Prints `export` lines for the caller to eval; writes the pid to $MOTO_PID_FILE.
#   eval "$(scripts/moto.sh)"   ...   kill "$(cat "$MOTO_PID_FILE")"
set -euo pipefail
cd "$(dirname "$0")/.."
port=${MOTO_PORT:-$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
mkdir -p target
log=target/moto.log
pid_file=target/moto.pid
.venv/bin/python scripts/moto_server.py "$port" >"$log" 2>&1 &
echo $! >"$pid_file"
for _ in $(seq 1 100); do
  if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
    cat <<EOT
export MOTO_PID_FILE=$pid_file
export CRAFTBEAN_TEST_AWS_ENDPOINT=http://127.0.0.1:$port
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
EOT
    exit 0
  fi
  sleep 0.2
done
echo "moto_server did not start; see $log" >&2
cat "$log" >&2
exit 1
