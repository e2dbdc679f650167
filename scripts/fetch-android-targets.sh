#!/usr/bin/env bash
# Fetches the real-world Android (bionic) targets LibBridge is tested and
# benchmarked against from the npm registry, checks each tarball against a
# pinned version and sha256, and unpacks the x86_64 (and arm64) objects into
# the git-ignored cache:
#
#   <dest>/jsc/libjsc.so            jsc-android@294992.0.0 (intl), x86_64
#   <dest>/jsc/arm64/libjsc.so      the same, arm64-v8a
#   <dest>/hermes/libc++_shared.so  hermes-engine@0.11.0 cppruntime, x86_64
#   <dest>/minitouch/minitouch      @devicefarmer/minitouch-prebuilt@1.3.2, x86_64 PIE
#
# Usage: scripts/fetch-android-targets.sh [dest]   (default: .cache/android)
# Idempotent: does nothing when <dest>/.complete matches this script's pins.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/.cache/android}"

# name@version  sha256 of the npm tarball
pins=(
  "jsc-android@294992.0.0 2571ee361cd3700d86cc31686431b89cafac0540aa3fb320eb3015be1aa05dd2"
  "hermes-engine@0.11.0 be46cc8cfcdd8376472f4ecf0e4a2548bb3986525559b1580494afc40e20ec2c"
  "@devicefarmer/minitouch-prebuilt@1.3.2 f0e0a75e18a401c35588f0cb49f374d904e7db6942977059256e91bf18ec6623"
)
stamp="$(printf '%s\n' "${pins[@]}" | sha256sum | cut -d' ' -f1)"
if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$stamp" ]; then
  exit 0
fi

for tool in npm sha256sum tar unzip; do
  command -v "$tool" >/dev/null || { echo "fetch-android-targets: $tool is required" >&2; exit 1; }
done
mkdir -p "$dest"
work="$(mktemp -d "$dest/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

for pin in "${pins[@]}"; do
  spec="${pin% *}"
  want="${pin#* }"
  (cd "$work" && npm pack --silent --loglevel=error "$spec" >/dev/null 2>"$work/npm.err") || {
    echo "fetch-android-targets: npm pack $spec failed:" >&2
    cat "$work/npm.err" >&2
    exit 1
  }
done

check() {  # tarball-glob sha256
  local f
  f=$(ls "$work"/$1)
  local got
  got=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then
    echo "fetch-android-targets: $f has sha256 $got, expected $2" >&2
    exit 1
  fi
  echo "$f"
}

jsc_tgz=$(check 'jsc-android-294992.0.0.tgz' "${pins[0]#* }")
hermes_tgz=$(check 'hermes-engine-0.11.0.tgz' "${pins[1]#* }")
mt_tgz=$(check 'devicefarmer-minitouch-prebuilt-1.3.2.tgz' "${pins[2]#* }")

mkdir -p "$work/jsc" "$work/hermes" "$work/mt"
tar -xzf "$jsc_tgz" -C "$work/jsc" package/dist/org/webkit/android-jsc-intl/r294992/android-jsc-intl-r294992.aar
tar -xzf "$hermes_tgz" -C "$work/hermes" package/android/hermes-cppruntime-release.aar
tar -xzf "$mt_tgz" -C "$work/mt" package/prebuilt/x86_64/bin/minitouch

rm -rf "$dest/jsc" "$dest/hermes" "$dest/minitouch"
mkdir -p "$dest/jsc/arm64" "$dest/hermes" "$dest/minitouch"
unzip -q -o -j "$work/jsc/package/dist/org/webkit/android-jsc-intl/r294992/android-jsc-intl-r294992.aar" \
  jni/x86_64/libjsc.so -d "$dest/jsc"
unzip -q -o -j "$work/jsc/package/dist/org/webkit/android-jsc-intl/r294992/android-jsc-intl-r294992.aar" \
  jni/arm64-v8a/libjsc.so -d "$dest/jsc/arm64"
unzip -q -o -j "$work/hermes/package/android/hermes-cppruntime-release.aar" \
  jni/x86_64/libc++_shared.so -d "$dest/hermes"
cp "$work/mt/package/prebuilt/x86_64/bin/minitouch" "$dest/minitouch/minitouch"
chmod 0755 "$dest/minitouch/minitouch"
echo "$stamp" > "$dest/.complete"
echo "fetch-android-targets: unpacked into $dest"
