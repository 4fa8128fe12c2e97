#!/usr/bin/env bash
# Acceptance: builds every directory with a kustomization under a corpus (default
# ../../../shared/corpus/opencenter-gitops-base relative to this crate) with kubectl kustomize
# and with rflux-kustomize, and compares the outputs (byte-identical, else compare-manifests).
# Prints one line per directory and a summary "N/M identical".
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$here/../../../shared/corpus/opencenter-gitops-base}"
corpus="$(cd "$corpus" && pwd)"
compare="${COMPARE_MANIFESTS:-$(cd "$here/../../../shared/tools" 2>/dev/null && pwd)/compare-manifests}"
(cd "$here" && CARGO_BUILD_JOBS=1 cargo build -q --release --example kbuild) || exit 2
bin="$here/target/release/examples/kbuild"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
total=0; same=0; both_fail=0; kfail_only=0
while IFS= read -r f; do
  d="$(dirname "$f")"; rel="${d#$corpus/}"
  total=$((total+1))
  kubectl kustomize --load-restrictor LoadRestrictionsNone "$d" >"$tmp/k.yaml" 2>"$tmp/k.err"; krc=$?
  "$bin" "$d" "$corpus" >"$tmp/r.yaml" 2>"$tmp/r.err"; rrc=$?
  if [ $krc -ne 0 ] && [ $rrc -ne 0 ]; then
    both_fail=$((both_fail+1)); same=$((same+1)); echo "BOTH-FAIL $rel: $(head -c 160 "$tmp/r.err")"
  elif [ $krc -ne 0 ]; then
    kfail_only=$((kfail_only+1)); echo "KUSTOMIZE-FAILS-ONLY $rel: $(head -c 160 "$tmp/k.err")"
  elif [ $rrc -ne 0 ]; then
    echo "RFLUX-FAILS $rel: $(head -c 300 "$tmp/r.err")"
  elif cmp -s "$tmp/k.yaml" "$tmp/r.yaml"; then
    same=$((same+1)); echo "IDENTICAL $rel"
  elif [ -x "$compare" ] && "$compare" "$tmp/k.yaml" "$tmp/r.yaml" --quiet >/dev/null 2>&1; then
    same=$((same+1)); echo "EQUAL-OBJECTS $rel"
  else
    echo "DIFFERENT $rel"; diff "$tmp/k.yaml" "$tmp/r.yaml" | head -10
  fi
done < <(find "$corpus" \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) | sort)
echo "$same/$total match (both failing: $both_fail, kustomize-only failures: $kfail_only)"
[ "$same" -eq "$total" ]
