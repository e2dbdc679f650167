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
# Measured on the 2-core build machine (nice 10, make -j2, shared with other
# builds): see docs/win32.md for the time it took.
set -euo pipefail
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
cd "$cache"
if [ ! -d src ]; then
  rm -rf unpack && mkdir unpack
  (cd unpack && apt source -q --download-only wine >/dev/null && dpkg-source -x wine_*.dsc tree >/dev/null)
  mv unpack/tree src
  rm -rf unpack
fi
cd src
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
nice -n 10 make -C include >../make.log 2>&1
nice -n 10 make -j"$jobs" >>../make.log 2>&1
nice -n 10 make install >../install.log 2>&1
end=$(date +%s)
echo "$((end - start))" >"$cache/prefix/.build-seconds"
touch "$cache/prefix/.complete"
echo "wine-wow64: built in $((end - start)) s into $cache/prefix"
