#!/usr/bin/env bash
# The widget's size budgets (gzipped, as the server sends them) and the time from sdk.js
# arriving to the bubble being drawn, in headless chromium against a local debug server.
# Needs the committed frontend/dist, target/debug/switchboard and frontend/e2e's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
gz() { gzip -6 -c "$1" | wc -c; }
sdk=frontend/dist/packs/js/sdk.js
entry=frontend/dist/widget/index.html
js=0
for f in $(grep -o '/assets/widget/[^"]*\.js' "$entry"); do js=$((js + $(gz "frontend/dist$f"))); done
css=0
for f in $(grep -o '/assets/widget/[^"]*\.css' "$entry"); do css=$((css + $(gz "frontend/dist$f"))); done
printf 'sdk.js: %d bytes, %d gzipped\n' "$(wc -c <"$sdk")" "$(gz "$sdk")"
printf 'widget app first load: %d bytes of gzipped JavaScript, %d of gzipped CSS\n' "$js" "$css"
node bench/widget-bubble.mjs
