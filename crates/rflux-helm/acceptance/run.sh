#!/usr/bin/env bash
# Acceptance: renders the corpus charts in ../shared/corpus/charts with rflux-helm and with
# the real Helm v4 engine (../shared/tools/helm-reference-render), compares them object by
# object (../shared/tools/compare-manifests) and prints N/M per chart and values set.
# Not part of `cargo test`. Usage: crates/rflux-helm/acceptance/run.sh [SHARED_DIR]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
crate="$here/.."
shared="${1:-$crate/../../../shared}"
charts="$shared/corpus/charts"
tools="$shared/tools"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$crate" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build -q --release --example template) || exit 1
tpl="${CARGO_TARGET_DIR:-$crate/../../target}/release/examples/template"
total_ok=0 total_all=0 failed=0
run() { # label chart [values files]
  local label="$1" chart="$2"; shift 2
  local args=()
  for v in "$@"; do args+=(--values "$here/values/$v"); done
  "$tools/helm-reference-render" "$charts/$chart" --name rel --namespace ns "${args[@]}" > "$out/want" 2> "$out/want.err"
  local ref_rc=$?
  "$tpl" "$charts/$chart" --name rel --namespace ns "${args[@]}" --reference > "$out/got" 2> "$out/got.err"
  local rc=$?
  if [ $ref_rc -ne 0 ] || [ $rc -ne 0 ]; then
    if [ $ref_rc -ne 0 ] && [ $rc -ne 0 ] && diff -q <(sed 's/^Error: //' "$out/got.err") "$out/want.err" >/dev/null; then
      echo "$label: both fail with the same error"
    else
      echo "$label: FAIL (reference rc=$ref_rc, rflux rc=$rc)"; head -c 400 "$out/got.err"; failed=1
    fi
    return
  fi
  local line; line="$("$tools/compare-manifests" "$out/want" "$out/got" --quiet | tail -1)"
  local ok="${line%% passed*}" bad; bad="$(echo "$line" | sed 's/.*, \([0-9]*\) failed/\1/')"
  total_ok=$((total_ok + ok)); total_all=$((total_all + ok + bad))
  local bytes="bytes differ"
  cmp -s "$out/want" "$out/got" && bytes="byte-identical stream"
  echo "$label: $ok/$((ok + bad)) objects identical ($bytes)"
  [ "$bad" = 0 ] || { "$tools/compare-manifests" "$out/want" "$out/got" --quiet | grep -v '^OK' | head -5; failed=1; }
}
run "cert-manager (defaults)" cert-manager
run "cert-manager (features on)" cert-manager cert-manager-on.yaml
run "metallb (defaults)" metallb
run "metallb (features on)" metallb metallb-on.yaml
run "prometheus (defaults)" prometheus
run "prometheus (features on)" prometheus prometheus-on.yaml
run "kube-prometheus-stack (grafana password)" kube-prometheus-stack kps-password.yaml
run "kube-prometheus-stack (present subcharts only)" kube-prometheus-stack kps-off.yaml
run "kube-prometheus-stack (features on)" kube-prometheus-stack kps-off.yaml kps-on.yaml
echo "total: $total_ok/$total_all objects identical"
exit $failed
