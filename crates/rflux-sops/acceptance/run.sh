#!/usr/bin/env bash
# Decrypt every encrypted file of the shared sops corpus with its keys and re-emit each file
# to compare with what sops wrote. Prints N/M at the end.
# Usage: crates/rflux-sops/acceptance/run.sh [CORPUS_DIR]   (default: ../shared/corpus/sops)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -ge 1 ]; then
    export RFLUX_SOPS_CORPUS="$(cd "$1" && pwd)"
fi
cd "$here"
RFLUX_ACCEPTANCE=1 cargo test --test acceptance -- --nocapture 2>&1 | grep -E '^(ok|FAIL|plain|     |corpus:)|test result'
