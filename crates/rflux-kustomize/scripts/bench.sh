#!/usr/bin/env bash
# Benchmark: rflux-kustomize vs kubectl kustomize on the same inputs in the same run.
#  1. the generated large tree (scripts/gen-large-tree.py: 2,000+ objects, 50 bases,
#     three overlay levels, patches of both kinds, generators, prefixes);
#  2. every kustomization directory of the openCenter corpus (if present).
# Prints wall time and peak RSS (GNU time) and checks the outputs are identical.
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$here/../../../shared/corpus/opencenter-gitops-base}"
(cd "$here" && CARGO_BUILD_JOBS=1 cargo build -q --release --example kbuild)
bin="$here/target/release/examples/kbuild"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
python3 "$here/scripts/gen-large-tree.py" "$tmp/tree"
measure() { /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >"$tmp/out" 2>/dev/null || true; cat "$tmp/t" | tail -1; }
read -r kt km < <(measure kubectl kustomize --load-restrictor LoadRestrictionsNone "$tmp/tree/overlays/l3"); cp "$tmp/out" "$tmp/k.yaml"
read -r rt rm < <(measure "$bin" "$tmp/tree/overlays/l3" "$tmp/tree"); cp "$tmp/out" "$tmp/r.yaml"
same=no; cmp -s "$tmp/k.yaml" "$tmp/r.yaml" && same=yes
objs=$(grep -c '^kind:' "$tmp/k.yaml" || true)
echo "| large tree ($objs objects) | kubectl kustomize | ${kt} s | ${km} KB |"
echo "| large tree ($objs objects) | rflux-kustomize | ${rt} s | ${rm} KB | identical: $same |"
if [ -d "$corpus" ]; then
  dirs=$(find "$corpus" \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) -exec dirname {} \; | sort)
  n=$(echo "$dirs" | wc -l)
  cat >"$tmp/k.sh" <<EOS
for d in $(echo $dirs); do kubectl kustomize --load-restrictor LoadRestrictionsNone "\$d" >/dev/null 2>&1 || true; done
EOS
  cat >"$tmp/r.sh" <<EOS
for d in $(echo $dirs); do "$bin" "\$d" "$corpus" >/dev/null 2>&1 || true; done
EOS
  read -r kt km < <(measure bash "$tmp/k.sh")
  read -r rt rm < <(measure bash "$tmp/r.sh")
  echo "| openCenter corpus ($n dirs) | kubectl kustomize | ${kt} s | ${km} KB |"
  echo "| openCenter corpus ($n dirs) | rflux-kustomize | ${rt} s | ${rm} KB |"
fi
