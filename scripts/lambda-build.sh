#!/usr/bin/env bash
# make build / make sizes (docs/build-size.md): the arm64 Lambda zips as `sam build` makes them.
# sam build runs cargo-lambda once per function, in the function's CodeUri directory and by its
# binary name, so cargo resolves features for that one package: a feature another function (or
# xtask, or the tests) enables on `shared` or an SDK crate does not reach it. Building the whole
# workspace in one `cargo lambda build` unifies features across every member and reports sizes
# nobody deploys. This script builds each function alone the same way.
# FUNCTIONS="get-cafe create-review" limits the set (default: every Binary in template.yaml).
# Zips land in $CARGO_TARGET_DIR/lambda/<function>/bootstrap.zip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"
functions=${FUNCTIONS:-$(sed -n 's/^ *Binary: *\([a-z0-9-]*\) *$/\1/p' template.yaml)}
for f in $functions; do
  echo "==> cargo lambda build --release --arm64 --bin $f (in functions/$f)"
  (cd "functions/$f" && cargo lambda build --release --arm64 --output-format zip --locked --bin "$f")
done
