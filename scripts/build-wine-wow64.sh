#!/usr/bin/env bash
# Builds Wine with the new WoW64 mode (32-bit Windows code inside the 64-bit
# Unix process, so no i386 ELF binary runs) from Debian's own wine source
# package and Debian's mingw-w64 cross compilers, once, into a cache outside
# the clone. Hosts whose kernel runs i386 ELF binaries do not need it (they
# use Debian's wine32); `vmi info` says which path a host takes.
#
#   scripts/build-wine-wow64.sh [CACHE_DIR]     (default /var/cache/vmi/wine-wow64)
#
# Reuses a finished build (CACHE_DIR/prefix/.complete) and exits at once.
# An interrupted build resumes: the unpacked source, a finished configure
# (its Makefile) and make's objects are kept, so a second run goes on with
# `make` where the first stopped. Each run appends its wall and CPU seconds
# to CACHE_DIR/build-times.log (the CPU of all runs is the build's cost);
# docs/win32.md says how far it got on the 2-core build machine.
#
# The whole script is one function, so bash has read all of it before it
# runs anything: a checkout that changes this file during an hours-long
# build does not change what the running build does.
set -euo pipefail
main() {
cache=${1:-/var/cache/vmi/wine-wow64}
jobs=${JOBS:-2}
if [ -f "$cache/prefix/.complete" ]; then
  echo "wine-wow64: cached build in $cache/prefix"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "wine-wow64: run as root (installs build dependencies)" >&2
  exit 1
fi
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive
# Other set-up may hold apt's locks (install-deps.sh of a parallel build).
apt() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }

# Source entries for the same suites as the binary ones, in a file of our own.
src_list=/etc/apt/sources.list.d/vmi-deb-src.sources
if [ ! -f "$src_list" ]; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src_list"
  else
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
      >/etc/apt/sources.list.d/vmi-deb-src.list
  fi
fi
if ! apt-cache showsrc wine 2>/dev/null | grep -q '^Package: wine'; then
  apt update -q >/dev/null
fi
apt build-dep -y -q wine >/dev/null
apt install -y -q --no-install-recommends dpkg-dev gcc-mingw-w64-i686 gcc-mingw-w64-x86-64 >/dev/null

start=$(date +%s)
# Wall and CPU seconds of this run (finished or not) for build-times.log.
trap 'record_times "$cache" "$start"' EXIT
trap 'exit 143' TERM INT HUP
cd "$cache"
if [ ! -d src ]; then
  rm -rf unpack && mkdir unpack
  (cd unpack && apt source -q --download-only wine >/dev/null && dpkg-source -x wine_*.dsc tree >/dev/null)
  mv unpack/tree src
  rm -rf unpack
fi
cd src
# configure writes Makefile last: without it, configure did not finish.
if [ ! -f Makefile ]; then
  # Debian's own preparation (generated sources, autotools), then Wine's
  # configure with the new WoW64 mode: PE code for i386 and x86_64, Unix
  # code for x86_64 only. Tests and the optional multimedia/printing back
  # ends are left out: the phone image needs the Win32 API, GDI, X11, fonts
  # and ALSA.
  nice -n 10 dh_autoreconf >../autoreconf.log 2>&1
  nice -n 10 debian/rules override_dh_auto_configure CONFLAGS="--prefix=$cache/prefix \
    --enable-archs=i386,x86_64 --with-mingw ZLIB_PE_LIBS=z --disable-tests \
    --without-gstreamer --without-cups --without-sane --without-gphoto --without-v4l2 \
    --without-pcap --without-capi --without-netapi --without-krb5 --without-gssapi \
    --without-opencl --without-oss --without-pulse --without-udev --without-usb" \
    >../configure.log 2>&1
fi
echo "=== $(date -u +%FT%TZ) make" >>../make.log
nice -n 10 make -C include >>../make.log 2>&1
nice -n 10 make -j"$jobs" >>../make.log 2>&1
nice -n 10 make install >../install.log 2>&1
# Debian's source package leaves out Wine's Tahoma and the other fonts of
# Debian's fonts-wine (/usr/share/wine/fonts, also in every instance, which
# binds the host's /usr): link those this build did not make.
mkdir -p "$cache/prefix/share/wine/fonts"
for f in /usr/share/wine/fonts/*; do
  [ -e "$f" ] && [ ! -e "$cache/prefix/share/wine/fonts/${f##*/}" ] &&
    ln -s "$f" "$cache/prefix/share/wine/fonts/"
done
end=$(date +%s)
record_times "$cache" "$start"
trap - EXIT
# The build's cost over every run, resumed or not.
awk -F'[ =]' '{ w += $3; c += $5 + $7 } END { printf "wall=%d cpu=%d\n", w, c }' \
  "$cache/build-times.log" >"$cache/prefix/.build-seconds"
touch "$cache/prefix/.complete"
echo "wine-wow64: built into $cache/prefix ($(cat "$cache/prefix/.build-seconds"))"
}

# Appends "date wall_s user_s sys_s" of this run's children (configure,
# make, the compilers) to the cache's log.
record_times() {
  local cache=$1 start=$2 line
  # `times` in a command substitution would time the subshell: write it out.
  times >"$cache/.times"
  line=$(tail -1 "$cache/.times")
  awk -v d="$(date -u +%FT%TZ)" -v w="$(($(date +%s) - start))" -v t="$line" 'BEGIN {
    split(t, f, " "); u = f[1]; s = f[2]
    sub(/s$/, "", u); sub(/s$/, "", s); split(u, a, "m"); split(s, b, "m")
    printf "%s wall=%d user=%.0f sys=%.0f\n", d, w, a[1] * 60 + a[2], b[1] * 60 + b[2] }' \
    >>"$cache/build-times.log"
}

main "$@"
