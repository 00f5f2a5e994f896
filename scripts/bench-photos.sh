#!/usr/bin/env bash
# The photo benchmark: resize-image against sharp (libvips) on the same photos, same renditions,
# one thread each. Fetches ~9 MP JPEGs from Debian's ukui-wallpapers package (apt-get download,
# no root needed), makes a 50 MP JPEG from one of them, installs sharp with npm, and prints a
# Markdown table (figures are written down in docs/photos.md).
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/bench-photos
mkdir -p "$work"
if [ ! -d "$work/ukui" ]; then
  (cd "$work" && apt-get download ukui-wallpapers >/dev/null && dpkg-deb -x ukui-wallpapers_*.deb ukui)
fi
photos=("$work"/ukui/usr/share/backgrounds/*.jpg)
(cd bench/sharp && npm install --no-audit --no-fund --silent)
cargo build --locked --profile tools -p xtask
xtask=target/tools/xtask
[ -f "$work/large-50mp.jpg" ] || "$xtask" enlarge "${photos[2]}" "$work/large-50mp.jpg" 49.9
"$xtask" bench-photos "${photos[@]}" "$work/large-50mp.jpg"
