#!/usr/bin/env bash
# `make test`: the whole suite on a fresh machine. Installs the Python tools into .venv, starts
# moto's server for the DynamoDB contract tests (over HTTP, never skipped), runs every Rust test,
# then checks infra/openapi.yaml and template.yaml (sam validate --lint, cfn-lint).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh
eval "$(scripts/moto.sh)"
trap 'kill "$(cat "$MOTO_PID_FILE")" 2>/dev/null || true' EXIT
echo "==> moto protocol server (DynamoDB, SQS, S3) listening at $CRAFTBEAN_TEST_AWS_ENDPOINT"

echo "==> cargo test (unit, handler, contract suites on SQLite and on DynamoDB via moto, end-to-end)"
cargo test --workspace --locked --all-targets --no-fail-fast
cargo test --workspace --locked --doc

echo "==> openapi-spec-validator infra/openapi.yaml"
.venv/bin/openapi-spec-validator infra/openapi.yaml
echo "==> sam validate --lint"
.venv/bin/sam validate --lint --template template.yaml --region us-east-1
echo "==> cfn-lint"
.venv/bin/cfn-lint template.yaml
echo "==> all checks passed"
