#!/usr/bin/env bash
# Runs every test: unit tests, integration tests with real containers, and the
# browser end-to-end tests, all registered with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cd "$build"
ctest --output-on-failure --timeout 900 -j1
