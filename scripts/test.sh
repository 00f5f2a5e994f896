#!/usr/bin/env bash
# `make test`: the whole suite on a fresh machine. Installs the Python tools into .venv, starts
# moto's server for the DynamoDB contract tests (over HTTP, never skipped), runs every Rust test,
# fuzzes every API operation with schemathesis (no 5xx, every response as documented), then
# checks infra/openapi.yaml, infra/partner-openapi.yaml and template.yaml (sam validate --lint, cfn-lint, checkov).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh
eval "$(scripts/moto.sh)"
trap 'kill "$(cat "$MOTO_PID_FILE")" 2>/dev/null || true' EXIT
echo "==> moto protocol server (DynamoDB, SQS, S3) listening at $CRAFTBEAN_TEST_AWS_ENDPOINT"

# schemathesis lives in its own venv too (its pins clash with aws-sam-cli's); the version is the
# commented `# schemathesis==X.Y.Z` pin in requirements-dev.txt. The `fuzz` suite runs it against
# the local server inside `cargo test` (tests/tests/it/fuzz.rs), so nothing is built twice.
st_pin=$(sed -n 's/^# *\(schemathesis==[0-9][0-9.]*\) *$/\1/p' requirements-dev.txt)
if [[ -z $st_pin ]]; then
  echo "requirements-dev.txt has no '# schemathesis==<version>' line" >&2
  exit 1
fi
if [[ "$(.venv/schemathesis/bin/st --version 2>/dev/null | awk '{print $NF}')" != "${st_pin#schemathesis==}" ]]; then
  echo "==> installing $st_pin into .venv/schemathesis"
  "${PYTHON:-python3}" -m venv .venv/schemathesis
  .venv/schemathesis/bin/python -m pip install --quiet --disable-pip-version-check "$st_pin"
fi

# The web app: built before cargo test, whose `web` suite drives it in headless Chromium
# (Debian's chromium package: .ci/run installs it when missing).
scripts/web-build.sh
echo "==> web unit tests (PKCE, callback parsing, errors in words, idempotency keys, formatting)"
(cd web && npm run --silent test:unit)

echo "==> cargo test (unit, handler, contract suites on SQLite and on DynamoDB via moto, end-to-end, schemathesis)"
cargo test --workspace --locked --all-targets --no-fail-fast
cargo test --workspace --locked --doc

# Speed budgets are timed on a quiet machine, after the parallel test suite rather than beside
# it: a fresh local server, the median of three loads (docs/web.md, Budgets).
echo "==> web budgets (first-load JS, home transfer, LCP, CLS, LCP at 4x CPU throttling)"
scripts/web-local.sh budgets

echo "==> openapi-spec-validator infra/openapi.yaml infra/partner-openapi.yaml"
.venv/bin/openapi-spec-validator infra/openapi.yaml
.venv/bin/openapi-spec-validator infra/partner-openapi.yaml
echo "==> sam validate --lint"
.venv/bin/sam validate --lint --template template.yaml --region us-east-1
echo "==> cfn-lint"
.venv/bin/cfn-lint template.yaml
# checkov lives in its own venv (its boto3 pin conflicts with aws-sam-cli's); the version is the
# commented `# checkov==X.Y.Z` pin in requirements-dev.txt. Any failed check fails the run; a check
# that does not apply is skipped in the resource's Metadata with its reason. --skip-download: no
# calls to the vendor's API (guidelines, severities), the scan itself is offline.
checkov_pin=$(sed -n 's/^# *\(checkov==[0-9][0-9.]*\) *$/\1/p' requirements-dev.txt)
if [[ -z $checkov_pin ]]; then
  echo "requirements-dev.txt has no '# checkov==<version>' line" >&2
  exit 1
fi
if [[ "$(.venv/checkov/bin/checkov --version 2>/dev/null)" != "${checkov_pin#checkov==}" ]]; then
  echo "==> installing $checkov_pin into .venv/checkov"
  "${PYTHON:-python3}" -m venv .venv/checkov
  .venv/checkov/bin/python -m pip install --quiet --disable-pip-version-check "$checkov_pin"
fi
echo "==> checkov ($checkov_pin) template.yaml"
.venv/checkov/bin/checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download
# The same three checks with the optional multi-region routing parameters set (they are empty by
# default, so the checks above see routing off).
echo "==> template.yaml with routing parameters set (sam validate --lint, cfn-lint, checkov)"
.venv/bin/python scripts/template-routed.py target/template-routed.yaml
.venv/bin/sam validate --lint --template target/template-routed.yaml --region us-east-1
.venv/bin/cfn-lint target/template-routed.yaml
.venv/checkov/bin/checkov -f target/template-routed.yaml --framework cloudformation --quiet --compact --skip-download
echo "==> all checks passed"
