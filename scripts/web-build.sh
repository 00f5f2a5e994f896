#!/usr/bin/env bash
# Builds the web app into web/dist (what `make run` serves and the browser tests load):
# `npm ci` when web/node_modules is missing or older than package-lock.json, then `npm run build`
# (types generated from infra/openapi.yaml, tsc --noEmit, vite build). Needs Node.js 20.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "The web app needs Node.js 20 with npm (node and npm are not on PATH): install it, e.g. \`apt-get install -y nodejs npm\`, then run this again." >&2
  exit 1
fi
# npm ci records the tree it installed in node_modules/.package-lock.json; a lockfile newer than
# that record means the dependencies changed since.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "==> npm ci (web/)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
echo "==> npm run build (web/)"
npm run build --silent
