#!/usr/bin/env bash
# Starts the node daemon in the foreground on its embedded defaults:
# data in /var/lib/vmi (SQLite), API on /run/vmi/api.sock and
# http://127.0.0.1:8080 (console), default image built from the host tree.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
exec "$build/bin/vmi" serve --data-dir "${VMI_DATA_DIR:-/var/lib/vmi}" --port "${VMI_PORT:-8080}"
