#!/usr/bin/env bash
# Stretch check: builds LibBridge for aarch64 with Debian's cross compiler and
# runs the arm64-v8a libjsc.so from jsc-android under qemu-aarch64 user mode,
# JIT off then on. Usage: arm64_qemu_test.sh SOURCE_DIR WORK_DIR TARGETS_DIR
set -euo pipefail
src="$1"; work="$2"; targets="$3"
# GTest is only needed to configure (tests are not cross-built).
cmake -S "$src" -B "$work" -DVMI_SUBSYSTEMS="base;bridge" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_TOOLCHAIN_FILE="$src/tests/bridge/aarch64-toolchain.cmake" \
  -DGTEST_LIBRARY=/usr/lib/x86_64-linux-gnu/libgtest.a -DGTEST_MAIN_LIBRARY=/usr/lib/x86_64-linux-gnu/libgtest_main.a \
  -DGTEST_INCLUDE_DIR=/usr/include >/dev/null
cmake --build "$work" -j2 --target vmi-bridge-jsc-eval vmi-bridge >/dev/null
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
lib="$targets/jsc/arm64/libjsc.so"
qemu-aarch64 "$work/src/bridge/vmi-bridge" needs "$lib"
for jit in false true; do
  out=$(JSC_useJIT=$jit qemu-aarch64 "$work/src/bridge/vmi-bridge-jsc-eval" "$lib" '6*7' \
        '"héllo ✓".toUpperCase()' 'new Intl.NumberFormat("de-DE").format(1234567.891)' \
        'try { throw new Error("boom") } catch (e) { "caught " + e.message }' \
        'var s = 0; for (var i = 0; i < 2000000; i++) s = (s + i * 7) % 1000003; s')
  echo "JSC_useJIT=$jit"
  echo "$out"
  for want in '6*7 => 42' 'HÉLLO ✓' '1.234.567,891' 'caught boom' '=> 147'; do
    grep -qF -- "$want" <<<"$out" || { echo "missing: $want" >&2; exit 1; }
  done
done
echo "arm64 libjsc.so through the bridge under qemu-aarch64: ok"
