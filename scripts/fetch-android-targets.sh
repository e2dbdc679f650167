#!/usr/bin/env bash
# Fetches the real-world Android (bionic) targets LibBridge is tested and
# benchmarked against from the npm registry, checks each tarball against a
# pinned version and sha256, and unpacks the x86_64 (and arm64) objects into
# a cache outside the source tree:
#
#   <dest>/jsc/libjsc.so            jsc-android@294992.0.0 (intl), x86_64
#   <dest>/jsc/arm64/libjsc.so      the same, arm64-v8a
#   <dest>/hermes/libc++_shared.so  hermes-engine@0.11.0 cppruntime, x86_64
#   <dest>/hermes/arm64/libc++_shared.so  the same, arm64-v8a
#   <dest>/minitouch/minitouch      @devicefarmer/minitouch-prebuilt@1.3.2, x86_64 PIE
#   <dest>/sodium/libsodium.so      react-native-libsodium@1.7.0 (libsodium 1.0.21), x86_64
#   <dest>/sodium/arm64/libsodium.so  the same, arm64-v8a
#   <dest>/sqlite/sqlite-ndk-native-driver.jar  cordova-sqlite-storage-dependencies@5.0.0:
#                                   SQLite 3.40.0 with a JNI interface, lib/<abi>/ in the jar
#   <dest>/onnx/sherpa-onnx-1.10.35.aar  react-native-sherpa-onnx-offline-tts@0.2.6: ONNX Runtime
#                                   1.17.1 (libonnxruntime.so) and sherpa-onnx, jni/<abi>/ in the AAR
#   <dest>/onnx/hello_deepa.onnx    openwakeword-js@0.1.27: a trained wake-word classifier (PyTorch
#                                   export: Gemm, LayerNorm, Relu, Sigmoid), 316 KB
#   <dest>/sass/android/{dart,sass.snapshot}  sass-embedded-android-x64@1.105.0: the Dart VM (AOT
#                                   runtime) as a bionic x86_64 PIE, and Dart Sass compiled for it
#   <dest>/sass/android/arm64/{dart,sass.snapshot}  sass-embedded-android-arm64@1.105.0, arm64-v8a
#   <dest>/opus/libopus.so          expo-opus@1.4.0: libopus 1.5.2 (an audio codec), x86_64
#   <dest>/opus/arm64/libopus.so    the same, arm64-v8a
#   <dest>/sass/linux/{dart,sass.snapshot}    sass-embedded-linux-x64@1.105.0: the same release
#                                   built for glibc, the host build the Android one is checked against
#
# Usage: scripts/fetch-android-targets.sh [dest]
#        scripts/fetch-android-targets.sh --dir   (prints the default dest)
# The default dest is outside the source tree, so that every clone and
# worktree shares one copy: $VMI_ANDROID_TARGETS, else
# /var/cache/vmi/android-targets when /var/cache/vmi can be written, else
# ${XDG_CACHE_HOME:-~/.cache}/vmi/android-targets.
# Idempotent: does nothing when <dest>/.complete matches this script's pins.
set -euo pipefail

default_dest() {
  if [ -n "${VMI_ANDROID_TARGETS:-}" ]; then
    echo "$VMI_ANDROID_TARGETS"
  elif mkdir -p /var/cache/vmi 2>/dev/null && [ -w /var/cache/vmi ]; then
    echo /var/cache/vmi/android-targets
  else
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/vmi/android-targets"
  fi
}
if [ "${1:-}" = "--dir" ]; then
  default_dest
  exit 0
fi
dest="${1:-$(default_dest)}"

# name@version  sha256 of the npm tarball
pins=(
  "jsc-android@294992.0.0 2571ee361cd3700d86cc31686431b89cafac0540aa3fb320eb3015be1aa05dd2"
  "hermes-engine@0.11.0 be46cc8cfcdd8376472f4ecf0e4a2548bb3986525559b1580494afc40e20ec2c"
  "@devicefarmer/minitouch-prebuilt@1.3.2 f0e0a75e18a401c35588f0cb49f374d904e7db6942977059256e91bf18ec6623"
  "react-native-libsodium@1.7.0 b0abc7c815d907220a0142fab11b51d9637fe762b5f602741f65ba73919a5261"
  "cordova-sqlite-storage-dependencies@5.0.0 dc00bae050c8350f434201094277b172029e833adf7030991fe6055982813174"
  "react-native-sherpa-onnx-offline-tts@0.2.6 8eaf0069a46462bdb853cb9aee2be283e8f48b4ab8213f51184413cef947b34c"
  "openwakeword-js@0.1.27 452a550fbaff4e1f8d13390205c3b5102c059220d3abf95d73083eb16f7e97d1"
  "sass-embedded-android-x64@1.105.0 b5c5acdbbbf622bf69c93ad22b85350c72a575d6d7f6c58305ae937289518e10"
  "sass-embedded-linux-x64@1.105.0 858341adb82c20099e6401b8b230b69c3df124a6dc396be001d2fa1895ddb943"
  "sass-embedded-android-arm64@1.105.0 24d6f2edea9074ca1679a76812a0e29cf2dcfba32288cdc4d0910025e5f68031"
  "expo-opus@1.4.0 2b1be5f68286672ac49939a081e4f7dc23f7f28d4971551b22c25fd6dcec3bdb"
)
# The stamp covers what is unpacked too: bump the layout when a file is
# added to the cache from an already pinned package.
layout=2
stamp="$(printf '%s\n' "layout $layout" "${pins[@]}" | sha256sum | cut -d' ' -f1)"
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
sodium_tgz=$(check 'react-native-libsodium-1.7.0.tgz' "${pins[3]#* }")
sqlite_tgz=$(check 'cordova-sqlite-storage-dependencies-5.0.0.tgz' "${pins[4]#* }")
onnx_tgz=$(check 'react-native-sherpa-onnx-offline-tts-0.2.6.tgz' "${pins[5]#* }")
wake_tgz=$(check 'openwakeword-js-0.1.27.tgz' "${pins[6]#* }")
sass_android_tgz=$(check 'sass-embedded-android-x64-1.105.0.tgz' "${pins[7]#* }")
sass_linux_tgz=$(check 'sass-embedded-linux-x64-1.105.0.tgz' "${pins[8]#* }")
sass_arm64_tgz=$(check 'sass-embedded-android-arm64-1.105.0.tgz' "${pins[9]#* }")
opus_tgz=$(check 'expo-opus-1.4.0.tgz' "${pins[10]#* }")

mkdir -p "$work/jsc" "$work/hermes" "$work/mt" "$work/sodium" "$work/sqlite" "$work/onnx"
tar -xzf "$jsc_tgz" -C "$work/jsc" package/dist/org/webkit/android-jsc-intl/r294992/android-jsc-intl-r294992.aar
tar -xzf "$hermes_tgz" -C "$work/hermes" package/android/hermes-cppruntime-release.aar
tar -xzf "$mt_tgz" -C "$work/mt" package/prebuilt/x86_64/bin/minitouch
# The package keeps its prebuilt libsodium for each Android ABI in an inner
# tarball (made on macOS: its extended headers are not GNU tar's).
tar -xzf "$sodium_tgz" -C "$work/sodium" package/libsodium/build.tgz
tar --warning=no-unknown-keyword -xzf "$work/sodium/package/libsodium/build.tgz" -C "$work/sodium" \
  build/libsodium-android-westmere/lib/libsodium.so "build/libsodium-android-armv8-a+crypto/lib/libsodium.so"
# The jar is kept whole: the tests load lib/<abi>/ straight from it, as
# from an APK.
tar -xzf "$sqlite_tgz" -C "$work/sqlite" package/libs/sqlite-ndk-native-driver.jar
tar -xzf "$onnx_tgz" -C "$work/onnx" package/android/libs/sherpa-onnx-1.10.35.aar
tar -xzf "$wake_tgz" -C "$work/onnx" package/models/hello_deepa.onnx
mkdir -p "$work/sass/android" "$work/sass/linux" "$work/sass/android/arm64" "$work/opus"
tar -xzf "$sass_android_tgz" -C "$work/sass/android" package/dart-sass/src/dart package/dart-sass/src/sass.snapshot
tar -xzf "$sass_linux_tgz" -C "$work/sass/linux" package/dart-sass/src/dart package/dart-sass/src/sass.snapshot
tar -xzf "$sass_arm64_tgz" -C "$work/sass/android/arm64" package/dart-sass/src/dart package/dart-sass/src/sass.snapshot
tar -xzf "$opus_tgz" -C "$work/opus" package/android/src/main/cpp/lib/x86_64/libopus.so \
  package/android/src/main/cpp/lib/arm64-v8a/libopus.so

rm -rf "$dest/jsc" "$dest/hermes" "$dest/minitouch" "$dest/sodium" "$dest/sqlite" "$dest/onnx" "$dest/sass" \
  "$dest/opus"
mkdir -p "$dest/jsc/arm64" "$dest/hermes/arm64" "$dest/minitouch" "$dest/sodium/arm64" "$dest/sqlite" "$dest/onnx" \
  "$dest/sass/android/arm64" "$dest/sass/linux" "$dest/opus/arm64"
unzip -q -o -j "$work/jsc/package/dist/org/webkit/android-jsc-intl/r294992/android-jsc-intl-r294992.aar" \
  jni/x86_64/libjsc.so -d "$dest/jsc"
unzip -q -o -j "$work/jsc/package/dist/org/webkit/android-jsc-intl/r294992/android-jsc-intl-r294992.aar" \
  jni/arm64-v8a/libjsc.so -d "$dest/jsc/arm64"
unzip -q -o -j "$work/hermes/package/android/hermes-cppruntime-release.aar" \
  jni/x86_64/libc++_shared.so -d "$dest/hermes"
unzip -q -o -j "$work/hermes/package/android/hermes-cppruntime-release.aar" \
  jni/arm64-v8a/libc++_shared.so -d "$dest/hermes/arm64"
cp "$work/mt/package/prebuilt/x86_64/bin/minitouch" "$dest/minitouch/minitouch"
chmod 0755 "$dest/minitouch/minitouch"
cp "$work/sodium/build/libsodium-android-westmere/lib/libsodium.so" "$dest/sodium/libsodium.so"
cp "$work/sodium/build/libsodium-android-armv8-a+crypto/lib/libsodium.so" "$dest/sodium/arm64/libsodium.so"
cp "$work/sqlite/package/libs/sqlite-ndk-native-driver.jar" "$dest/sqlite/"
cp "$work/onnx/package/android/libs/sherpa-onnx-1.10.35.aar" "$work/onnx/package/models/hello_deepa.onnx" "$dest/onnx/"
for os in android android/arm64 linux; do
  cp "$work/sass/$os/package/dart-sass/src/dart" "$work/sass/$os/package/dart-sass/src/sass.snapshot" "$dest/sass/$os/"
  chmod 0755 "$dest/sass/$os/dart"
done
cp "$work/opus/package/android/src/main/cpp/lib/x86_64/libopus.so" "$dest/opus/libopus.so"
cp "$work/opus/package/android/src/main/cpp/lib/arm64-v8a/libopus.so" "$dest/opus/arm64/libopus.so"
echo "$stamp" > "$dest/.complete"
echo "fetch-android-targets: unpacked into $dest"
