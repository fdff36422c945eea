#!/bin/sh
# Rebuilds ../static/js/echarts.min.js from entry.js with the exact versions
# pinned in package-lock.json. Needs node >= 18 and the npm registry; the
# site build itself never runs this (the bundle is checked in).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../static/js/echarts.min.js
npx --no-install esbuild entry.js \
  --bundle --minify --format=iife --global-name=echarts \
  --target=es2017 --legal-comments=none \
  --define:process.env.NODE_ENV='"production"' \
  --define:__DEV__=false \
  --banner:js="/*! ECharts $(node -p "require('echarts/package.json').version") (Apache-2.0, https://echarts.apache.org), trimmed to the charts Stellar Budget uses: see site-templates/echarts/ */" \
  --outfile="$out"
raw=$(wc -c <"$out")
gz=$(gzip -9 -c "$out" | wc -c)
echo "$out: $raw bytes, $gz gzip -9"
