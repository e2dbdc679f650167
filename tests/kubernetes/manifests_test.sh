#!/usr/bin/env bash
# deploy/kubernetes: every overlay renders with `kubectl kustomize` and every
# object validates (tests/kubernetes/validate.mjs: the official schemas, the
# CRD's structural rules, the Phone schema, restricted Pod Security), the
# example Phone's Pod and claim as the controller renders them too; and the
# validator rejects each known-bad file in bad/.
#   manifests_test.sh SOURCE_DIR PHONE_RENDER
set -euo pipefail
src=$1 render=$2
here=$src/tests/kubernetes
t=$(mktemp -d "${TMPDIR:-/tmp}/vmi-manifests.XXXXXX")
trap 'rm -rf "$t"' EXIT
fail=0
for overlay in "$src"/deploy/kubernetes/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" > "$t/$name.yaml" 2> "$t/$name.err" || { cat "$t/$name.err"; exit 1; }
  echo "== overlay $name: $(grep -c '^kind:' "$t/$name.yaml") objects"
  node "$here/validate.mjs" --phone-render "$render" "$t/$name.yaml" \
    "$src"/deploy/kubernetes/examples/*.yaml || fail=1
done
expect_rejected() {
  local file=$1 message=$2 out
  shift 2
  if out=$(node "$here/validate.mjs" "$file" "$@" 2>&1); then
    echo "FAIL: bad/$(basename "$file") was accepted"; fail=1
  elif ! grep -q -- "$message" <<<"$out"; then
    echo "FAIL: bad/$(basename "$file") rejected without '$message':"; echo "$out"; fail=1
  else
    echo "ok   bad/$(basename "$file") rejected: $message"
  fi
}
crd=$src/deploy/kubernetes/base/crd-phones.yaml
expect_rejected "$here/bad/typeless-crd.yaml" "v1.spec.size: no type"
expect_rejected "$here/bad/typeless-crd.yaml" "v1.spec.color: default does not validate"
expect_rejected "$here/bad/typeless-crd.yaml" "column Color: .spec.colour is not in the schema"
expect_rejected "$here/bad/typeless-crd.yaml" "no status subresource"
expect_rejected "$here/bad/privileged-pod.yaml" "restricted: container c: privileged"
expect_rejected "$here/bad/privileged-pod.yaml" "restricted: container c: runAsNonRoot must be true"
expect_rejected "$here/bad/wrong-type.yaml" "replicas must be integer"
expect_rejected "$here/bad/bad-phone.yaml" "/spec/display/width must be <= 4096" "$crd"
[ $fail = 0 ] && echo "1 passed, 0 failed" || { echo "0 passed, 1 failed"; exit 1; }
