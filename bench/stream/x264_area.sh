#!/usr/bin/env bash
# bench/stream/x264_area.sh [RUNS]: x264's CPU per frame for a small change on
# a 720x1280 screen, encoded whole or by region (x264_area.c). Prints JSON
# lines, RUNS times (default 4; take the least of each variant on a busy
# machine) with the load average before each run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/vmi-bench-x264.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -Wall -o "$tmp/x264_area" "$here/x264_area.c" -lx264
for _ in $(seq "${1:-4}"); do
  echo "{\"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  "$tmp/x264_area"
done
