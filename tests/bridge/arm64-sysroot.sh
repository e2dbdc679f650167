#!/usr/bin/env bash
# The arm64 sysroot the bridge is cross-built against: Debian's arm64
# packages of the bridge's build dependencies (FFmpeg, ALSA, minizip, zlib,
# Android's JNI headers, GoogleTest, and the host builds the real-world tests
# compare with: libsodium, SQLite, libopus, JavaScriptCore), unpacked by mmdebstrap's
# "extract" variant (no maintainer scripts run, so no emulation is needed),
# once, into a cache outside the source tree (345 MB, 36 s here). qemu-aarch64 runs the cross-built programs with
# this directory as QEMU_LD_PREFIX.
#
# Usage: arm64-sysroot.sh [dest]    (default /var/cache/vmi/bridge-arm64-sysroot,
#                                    else ~/.cache/vmi/bridge-arm64-sysroot)
# Prints the sysroot's path. Idempotent: does nothing when dest/.complete
# matches this package list.
set -euo pipefail
default_dest() {
  if mkdir -p /var/cache/vmi 2>/dev/null && [ -w /var/cache/vmi ]; then
    echo /var/cache/vmi/bridge-arm64-sysroot
  else
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/vmi/bridge-arm64-sysroot"
  fi
}
dest="${1:-$(default_dest)}"
packages="libc6-dev,libstdc++-12-dev,libavcodec-dev,libavformat-dev,libavutil-dev,libasound2-dev,libminizip-dev,zlib1g-dev,android-libnativehelper-dev,libgtest-dev,libsodium-dev,libsqlite3-dev,libopus-dev,libjavascriptcoregtk-4.1-0"
stamp="$(echo "$packages" | sha256sum | cut -d' ' -f1)"
if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$stamp" ]; then
  echo "$dest"
  exit 0
fi
command -v mmdebstrap >/dev/null || { echo "arm64-sysroot: mmdebstrap is required (apt-get install mmdebstrap)" >&2; exit 1; }
rm -rf "$dest.tmp"
mmdebstrap --quiet --variant=extract --arch=arm64 --include="$packages" bookworm "$dest.tmp" \
  "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" >&2
# Absolute symbolic links inside the sysroot (libfoo.so -> /lib/...) must
# point into it for the cross linker: make them relative.
find "$dest.tmp" -type l -lname '/*' | while read -r link; do
  target="$(readlink "$link")"
  ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dest.tmp$target")" "$link"
done
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$stamp" > "$dest/.complete"
echo "$dest"
