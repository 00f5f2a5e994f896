#!/usr/bin/env bash
# Property-based fuzzing of the whole API with schemathesis: every operation in
# infra/openapi.yaml is called with generated inputs (valid and invalid) against the local server
# over a fresh copy of the demo data, signed in for the authenticated routes. Fails on any 5xx
# and on any response that does not conform to the document (status code, content type, headers,
# body schema). Part of `make test`; `FUZZ_EXAMPLES` sets the examples per operation.
set -euo pipefail
cd "$(dirname "$0")/.."

# schemathesis pins libraries aws-sam-cli cannot share, so it gets its own venv; the version is
# the commented `# schemathesis==X.Y.Z` pin in requirements-dev.txt.
pin=$(sed -n 's/^# *\(schemathesis==[0-9][0-9.]*\) *$/\1/p' requirements-dev.txt)
if [[ -z $pin ]]; then
  echo "requirements-dev.txt has no '# schemathesis==<version>' line" >&2
  exit 1
fi
if [[ "$(.venv/schemathesis/bin/st --version 2>/dev/null | awk '{print $NF}')" != "${pin#schemathesis==}" ]]; then
  echo "==> installing $pin into .venv/schemathesis"
  "${PYTHON:-python3}" -m venv .venv/schemathesis
  .venv/schemathesis/bin/python -m pip install --quiet --disable-pip-version-check "$pin"
fi

cargo build --locked -q -p local-server -p xtask
data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CRAFTBEAN_DATA_DIR=$data PORT=$port CRAFTBEAN_JWT_SECRET=fuzz-jwt-secret-0123456789abcdef0123
target/debug/local-server >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do
  if curl -sf "http://127.0.0.1:$port/brewing-methods" >/dev/null; then break; fi
  if ! kill -0 $server 2>/dev/null; then cat "$data/server.log" >&2; exit 1; fi
  sleep 0.2
done
token=$(target/debug/xtask token --sub fuzz-user)
echo "==> schemathesis ($pin) over every operation at http://127.0.0.1:$port"
.venv/schemathesis/bin/st run infra/openapi.yaml \
  --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-20}" \
  --seed 2026 \
  --generation-deterministic \
  --request-timeout 10 \
  --warnings off
