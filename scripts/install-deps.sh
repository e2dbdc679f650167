#!/usr/bin/env bash
# Installs what the build, the platform and the tests need and is missing:
# Debian packages listed in scripts/deps/apt*.txt and npm packages of web/.
# Idempotent and quiet when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(cat scripts/deps/apt*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $want; do
  # Node.js may come from elsewhere than Debian (then Debian's npm conflicts
  # with it): a working command is enough.
  case "$p" in
    npm|nodejs) if command -v "${p/nodejs/node}" >/dev/null 2>&1; then continue; fi ;;
    # kubectl may come from elsewhere too (a cloud SDK's package owns
    # /usr/bin/kubectl and conflicts with Debian's).
    kubernetes-client) if command -v kubectl >/dev/null 2>&1; then continue; fi ;;
  esac
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
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
    # Say exactly which package cannot be installed.
    failed=()
    for p in "${missing[@]}"; do
      apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 || failed+=("$p")
    done
    if [ ${#failed[@]} -gt 0 ]; then
      echo "cannot install Debian packages: ${failed[*]}" >&2
      exit 1
    fi
  fi
fi

# ModemManager in linux-mobile instances (whose /usr is the host's) applies
# udev rules itself; the rules for vmi's guest modem go beside its own. They
# match only the driver name vmi-modem, which no host device has.
rules=images/linux-mobile/udev/77-mm-vmi-modem.rules
if [ -d /usr/lib/udev/rules.d ] && ! cmp -s "$rules" /usr/lib/udev/rules.d/77-mm-vmi-modem.rules; then
  if [ "$(id -u)" = 0 ]; then
    install -m 0644 "$rules" /usr/lib/udev/rules.d/77-mm-vmi-modem.rules
  else
    echo "run as root to install $rules into /usr/lib/udev/rules.d" >&2
  fi
fi

for dir in web tests/e2e tests/kubernetes; do
  if [ -f "$dir/package.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules/.stamp" ] \
        || { [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules/.stamp" ]; }; then
      echo "installing npm packages in $dir"
      # `npm install` honours the lock file and, unlike `npm ci`, tolerates a
      # lock written by another npm version (optional platform packages).
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
      touch "$dir/node_modules/.stamp"
    fi
  fi
done
