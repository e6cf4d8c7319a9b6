#!/usr/bin/env bash
# Rebuild static/vendor/plotly-diary.min.js: plotly.js with only the traces diary draws
# (scatter, bar, heatmap; see entry.js and diary/charts.py), from the npm packages locked in
# package-lock.json. The same lock gives the same bytes: the script prints the sha256 to
# compare with static/vendor/README.md. Also writes the precompressed copies (.br, .gz) the
# app serves to browsers that accept them, plotly's licence and the bundled packages' notices.
#
#   tools/plotly-bundle/build.sh            (needs node and npm; node_modules/ is not kept in git)
set -euo pipefail
cd "$(dirname "$0")"
vendor=../../static/vendor
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
rm -rf build
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --define:global=window --define:define.amd=false --target=es2016 \
  --legal-comments=external --log-level=warning --outfile=build/plotly-diary.min.js
# esbuild also writes the MapLibre stylesheet plotly's core imports; no chart here uses it.
cp build/plotly-diary.min.js "$vendor/plotly-diary.min.js"
cp build/plotly-diary.min.js.LEGAL.txt "$vendor/plotly-diary.LEGAL.txt"
cp node_modules/plotly.js/LICENSE "$vendor/plotly.LICENSE.txt"
node precompress.js "$vendor/plotly-diary.min.js"
sha256sum "$vendor/plotly-diary.min.js"
