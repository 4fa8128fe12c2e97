#!/usr/bin/env bash
# Regenerates the expected outputs of the fidelity cases with the real Helm v4 engine
# (../shared/tools/helm-reference-render). Run from anywhere; commit the results.
# Each case directory holds chart/, optionally values.yaml and args (extra flags);
# the output goes to expected.yaml, or expected.err when Helm fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ref="${HELM_REFERENCE_RENDER:-$here/../../../../../shared/tools/helm-reference-render}"
for case in "$here"/*/; do
  case="${case%/}"
  args=()
  [ -f "$case/values.yaml" ] && args+=(--values "$case/values.yaml")
  [ -f "$case/args" ] && read -r -a extra < "$case/args" && args+=("${extra[@]}")
  rm -f "$case/expected.yaml" "$case/expected.err"
  if "$ref" "$case/chart" "${args[@]}" > "$case/expected.yaml" 2> "$case/expected.err"; then
    rm -f "$case/expected.err"
  else
    rm -f "$case/expected.yaml"
  fi
  echo "$(basename "$case"): $(ls "$case" | grep expected)"
done
