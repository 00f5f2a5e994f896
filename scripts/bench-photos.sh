#!/usr/bin/env bash
# The photo benchmark: resize-image against sharp (libvips) on the same photos, same renditions,
# one thread each, timed on the release profile Lambda runs (opt-level "s", fat LTO, unwinding
# as the worker's Lambda build does), then compared at equal SSIMULACRA2 across sharp's quality
# range. Fetches ~9 MP JPEGs from Debian's ukui-wallpapers package (apt-get download, no root
# needed), makes a 50 MP JPEG from one of them (memory check), installs sharp with npm, and
# prints Markdown tables, the last a stage profile (figures are written down in docs/photos.md).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
# The photos, the sweep and its scores live under the target directory.
work="$target/bench-photos"
mkdir -p "$work"
if [ ! -d "$work/ukui" ]; then
  (cd "$work" && apt-get download ukui-wallpapers >/dev/null && dpkg-deb -x ukui-wallpapers_*.deb ukui)
fi
photos=("$work"/ukui/usr/share/backgrounds/*.jpg)
(cd bench/sharp && npm install --no-audit --no-fund --silent)
# The worker's Lambda build sets this through cargo-lambda (functions/resize-image/Cargo.toml).
CARGO_PROFILE_RELEASE_PANIC=unwind cargo build --locked --release -p bench-photos
bench="$target/release/bench-photos"
[ -f "$work/large-50mp.jpg" ] || "$bench" enlarge "${photos[2]}" "$work/large-50mp.jpg" 49.9
"$bench" run "$work" "${photos[@]}" --memory-only "$work/large-50mp.jpg"
# Where the time goes: each stage of ours beside each of sharp's outputs.
"$bench" profile "${photos[@]}" "$work/large-50mp.jpg"
