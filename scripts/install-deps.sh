#!/usr/bin/env bash
# Installs what the build, the platform and the tests need and is missing:
# Debian packages listed in scripts/deps/apt*.txt and npm packages of web/.
# Idempotent and quiet when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(cat scripts/deps/apt*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

for dir in web tests/e2e; do
  if [ -f "$dir/package.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules/.stamp" ] \
        || { [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules/.stamp" ]; }; then
      echo "installing npm packages in $dir"
      if [ -f "$dir/package-lock.json" ]; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      else
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
      fi
      touch "$dir/node_modules/.stamp"
    fi
  fi
done
