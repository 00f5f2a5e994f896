# CraftBean developer commands. Everything a newcomer needs: `make run` and `make test`.
.PHONY: run web test web-budgets web-screenshots token lint fmt seed-embedded seed-dynamodb migrate-authors watch build sizes events venv bench-nearby bench-photos bench-coldstart load deploy-web reco-eval reco-refresh

# Whole API on http://127.0.0.1:$(PORT) over the embedded store in $(CRAFTBEAN_DATA_DIR), and the
# web app beside it at http://127.0.0.1:$(PORT)/ (built first: needs Node.js 20).
run: web
	cargo run --locked -p local-server

# Build the web app into web/dist (npm ci when its lockfile changed, then npm run build).
web:
	scripts/web-build.sh

# Web budgets in headless Chromium on fresh demo data (first-load JS, home transfer, LCP, CLS,
# LCP at 4x CPU throttling); `make test` asserts the same. Figures in docs/web.md.
web-budgets:
	scripts/web-local.sh budgets

# Regenerate docs/screenshots/ (main pages at 390 px and 1280 px).
web-screenshots:
	scripts/web-local.sh screenshots

# Full suite: installs its Python tools, starts/stops moto, runs every test and template check.
test:
	scripts/test.sh

# A bearer token for the local server (demo user; SUB=someone-else for another).
token:
	@cargo run --locked -q -p xtask -- token --sub $(or $(SUB),demo-user)

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

venv:
	scripts/venv.sh

# (Re)load the demo data into the embedded store (the local server also does this on first start).
seed-embedded:
	cargo run --locked -p xtask -- seed --store embedded

# Create the table in the DynamoDB endpoint at AWS_ENDPOINT_URL and load the demo data into it.
seed-dynamodb:
	cargo run --locked -p xtask -- seed --store dynamodb --create-table

# Convert a store from before public user ids (idempotent). STORE=dynamodb [TABLE=name] for
# DynamoDB (needs CRAFTBEAN_USER_ID_SECRET); the embedded store in $(CRAFTBEAN_DATA_DIR) otherwise
# (the local server also does this once on start).
migrate-authors:
	cargo run --locked -p xtask -- migrate-authors --store $(or $(STORE),embedded) $(if $(TABLE),--table $(TABLE))

# Serve every function with cargo lambda watch against DynamoDB at AWS_ENDPOINT_URL.
watch: venv
	.venv/bin/cargo-lambda lambda watch

# Release builds for Lambda (arm64 zips in $CARGO_TARGET_DIR/lambda/), each function built alone
# in its directory by its binary name, as `sam build` builds it: features do not unify across
# functions, and resize-image gets its Cargo.toml's panic = "unwind" (docs/build-size.md).
# FUNCTIONS="a b" limits the set.
build: venv
	scripts/lambda-build.sh

# The zips' sizes; fails when an API function's zip is over 3 MB (docs/build-size.md).
sizes: build
	cargo run --locked -q -p xtask -- sizes

# Regenerate events/ fixtures from the demo dataset.
events:
	cargo run --locked -p xtask -- events

# Nearby-search benchmark: 100,000 cafés, 2 km latency on the embedded store, DynamoDB read
# costs per radius (figures in docs/nearby.md).
bench-nearby:
	cargo run --locked --profile tools -p xtask -- bench-nearby

# The recommender's offline evaluation on the demo data (figures in docs/partners.md).
reco-eval:
	cargo run --locked --profile tools -p xtask -- reco-eval

# The recommender's job against the local store (CRAFTBEAN_DATA_DIR, default .craftbean).
reco-refresh:
	cargo run --locked -p xtask -- reco-refresh --store embedded

# Photo benchmark: resize-image against sharp on the same photos (figures in docs/photos.md).
bench-photos:
	bash scripts/bench-photos.sh

# Cold starts (docs/coldstart.md): each API function built alone with the release profile, under
# a Lambda Runtime API emulator, beside a hello-world floor. FUNCTIONS="a b" limits the set.
bench-coldstart:
	scripts/bench-coldstart.sh

# Load proof, not part of `make test`: the local server built optimised on fresh demo data, one
# fixed-rate goose run of the realistic mix (70 % browse, 20 % nearby, 10 % writes), then every
# acknowledged write checked. RATE=req/s DURATION=s; figures in docs/load.md.
load:
	scripts/load.sh

# Build the web app and publish it to a deployed stack: STACK=name (the `sam deploy` stack in
# AWS_REGION), optional BASEMAP_TILE_URL and, in a secondary region, AUTH_DOMAIN (the primary
# stack's AuthDomain output). Writes app-config.json, uploads web/dist with its Cache-Control,
# deletes stale files, invalidates /index.html and /app-config.json (docs/deploy.md, "Web app").
deploy-web:
	@test -n "$(STACK)" || { echo "STACK=<stack name> is required, e.g. make deploy-web STACK=craftbean"; exit 1; }
	npm --prefix web ci
	npm --prefix web run build
	cargo run --locked -p xtask -- deploy-web --stack $(STACK) --dist web/dist $(if $(AUTH_DOMAIN),--auth-domain $(AUTH_DOMAIN)) $(if $(BASEMAP_TILE_URL),--basemap-tile-url '$(BASEMAP_TILE_URL)')
