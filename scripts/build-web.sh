#!/usr/bin/env bash
# Builds the browser client (web/) with Vite when its sources changed.
set -euo pipefail
cd "$(dirname "$0")/../web" 2>/dev/null || exit 0
[ -f package.json ] || exit 0
if [ -d dist ] && [ -z "$(find src index.html package.json vite.config.* -newer dist -print -quit 2>/dev/null)" ]; then
  exit 0
fi
npm run --silent build
touch dist
