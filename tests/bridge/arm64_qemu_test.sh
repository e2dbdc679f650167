#!/usr/bin/env bash
# Stretch check: LibBridge on arm64. Cross-builds the bridge and its
# real-world test with Debian's g++-aarch64-linux-gnu against an arm64 Debian
# sysroot (arm64-sysroot.sh, cached outside the tree) and runs them under
# qemu-aarch64 user mode with the arm64-v8a objects from npm:
#   * `vmi-bridge abi`: NDK ABI coverage on arm64; every symbol of
#     src/bridge/abi/covered-arm64.txt must still resolve;
#   * jsc-android's libjsc.so, JIT off and on, also against Debian's arm64
#     JavaScriptCore; hermes-engine's libc++_shared.so (__cxa_demangle);
#     react-native-libsodium's libsodium.so against Debian's
#     arm64 libsodium; SQLite through JNI from the jar's lib/arm64-v8a/
#     against Debian's arm64 SQLite; ONNX Runtime from the AAR's
#     jni/arm64-v8a/ running the trained model; expo-opus' libopus.so
#     against Debian's arm64 libopus; the Dart VM of
#     sass-embedded-android-arm64 compiling the stylesheet to the bytes of
#     the glibc x86_64 build (which runs natively).
# Not run here: the tests that build bionic-style objects with the host's gcc
# (HermesCxxTest's exception test, and the unit tests of vmi_bridge_test).
# Usage: arm64_qemu_test.sh SOURCE_DIR WORK_DIR TARGETS_DIR
set -euo pipefail
src="$1"; work="$2"; targets="$3"
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static) || {
  echo "arm64_qemu_test: qemu-aarch64 is required (apt-get install qemu-user-static)" >&2; exit 1; }
sysroot=$("$src/tests/bridge/arm64-sysroot.sh")
cmake -S "$src" -B "$work" -DVMI_SUBSYSTEMS="base;bridge" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_TOOLCHAIN_FILE="$src/tests/bridge/aarch64-toolchain.cmake" -DVMI_ARM64_SYSROOT="$sysroot" \
  -DVMI_ANDROID_TARGETS_DIR="$targets" >/dev/null
cmake --build "$work" -j2 --target vmi-bridge vmi-bridge-jsc-eval vmi_bridge_realworld_test >/dev/null
export QEMU_LD_PREFIX="$sysroot"
bin="$work/src/bridge"

"$qemu" "$bin/vmi-bridge" abi
"$qemu" "$bin/vmi-bridge" abi --covered | sort >"$work/covered-arm64.now"
lost=$(sort "$src/src/bridge/abi/covered-arm64.txt" | comm -23 - "$work/covered-arm64.now")
if [ -n "$lost" ]; then
  echo "arm64: symbols covered before are missing now:" >&2
  echo "$lost" >&2
  exit 1
fi

"$qemu" "$bin/vmi-bridge" needs "$targets/jsc/arm64/libjsc.so"
# The real-world test spawns vmi-bridge-jsc-eval (for Debian's
# JavaScriptCore) and vmi-bridge (for the Dart VM), arm64 programs: wrappers
# keep those children under qemu too, with or without a binfmt_misc
# registration on the host.
cat >"$work/jsc-eval-qemu" <<EOF
#!/bin/sh
exec "$qemu" "$bin/vmi-bridge-jsc-eval" "\$@"
EOF
chmod +x "$work/jsc-eval-qemu"
export VMI_JSC_EVAL="$work/jsc-eval-qemu"
cat >"$work/vmi-bridge-qemu" <<WRAPPER
#!/bin/sh
exec "$qemu" "$bin/vmi-bridge" "\$@"
WRAPPER
chmod +x "$work/vmi-bridge-qemu"
export VMI_BRIDGE_CLI="$work/vmi-bridge-qemu"
filter='JscTest.*:HermesCxxTest.CxaDemangle:SodiumTest.*:SqliteJniTest.*:OnnxRuntimeTest.*:OpusTest.*:DartSassTest.*'
JSC_useJIT=false "$qemu" "$bin/vmi_bridge_realworld_test" --gtest_filter="$filter"
"$qemu" "$bin/vmi_bridge_realworld_test" --gtest_filter='JscTest.*'
echo "arm64 through the bridge under qemu-aarch64: ok"
