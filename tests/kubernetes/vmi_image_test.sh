#!/usr/bin/env bash
# The OCI image of vmi (deploy/oci/build-vmi-image.sh) from this build: umoci
# unpacks it (checking every digest), its programs run in a chroot of the
# unpacked rootfs with nothing from the host (so every library they load is
# inside), and its config says what the manifests rely on.
#   vmi_image_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
t=$(mktemp -d "${TMPDIR:-/tmp}/vmi-image-test.XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$src/deploy/oci/build-vmi-image.sh" "$build" "$t/layout" test
umoci unpack --image "$t/layout:test" "$t/bundle" >/dev/null
root=$t/bundle/rootfs

chroot "$root" /opt/vmi/bin/vmi --help | grep -q "serve" || fail "vmi --help in the image"
chroot "$root" /opt/vmi/bin/vmi-node --help | grep -q -- "--kubernetes" || fail "vmi-node --help"
# vmi-devhost without arguments says what it needs (and exits non-zero).
out=$(chroot "$root" /opt/vmi/bin/vmi-devhost 2>&1 || true)
echo "$out" | grep -qi "usage\|--id\|missing" || fail "vmi-devhost in the image: $out"
# vmi-gate likewise (the phone Pod's third container).
out=$(chroot "$root" /opt/vmi/bin/vmi-gate 2>&1 || true)
echo "$out" | grep -qi "usage" || fail "vmi-gate in the image: $out"
chroot "$root" /usr/bin/sha256sum /opt/vmi/bin/vmi >/dev/null || fail "sha256sum in the image"
[ -x "$root/opt/vmi/guest-kit/bin/vmi-init" ] || fail "guest kit"
[ -f "$root/opt/vmi/share/vmi/openapi.json" ] || fail "openapi.json"
grep -qx "libstdc++6" "$root/opt/vmi/share/vmi/packages.txt" \
  || fail "packages.txt lacks libstdc++6: $(cat "$root/opt/vmi/share/vmi/packages.txt")"

cfg=$(skopeo inspect --config "oci:$t/layout:test")
echo "$cfg" | grep -q '"User": "65532:65532"' || fail "user: $cfg"
echo "$cfg" | grep -q '"/opt/vmi/bin/vmi"' || fail "entrypoint: $cfg"
echo "$cfg" | grep -q 'VMI_SHARE_DIR=/opt/vmi/share/vmi' || fail "env: $cfg"
echo "1 passed, 0 failed"
