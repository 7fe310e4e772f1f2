#!/usr/bin/env bash
# What the int8 gate's documents change, for one training run: the run exported twice, its int8
# scored against fp32 on the gold alone (--int8-generated 0, the gate before 2026-12-03) and on the
# gold plus the default generated articles; then each bundle's fp32 and int8 graphs tag the
# real-news dev set, which is reported and decides nothing. Writes OUT/export-{gold,generated}.txt,
# OUT/bundle-{gold,generated}.json and OUT/dev-{gold,generated}-{fp32,int8}.json.
#
#     bash scripts/int8_gate.sh models/offline eval/int8-gate
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bash scripts/int8_gate.sh MODEL_DIR OUT_DIR" >&2; exit 2; }
model=$1 out=$2
cd "$(dirname "$0")/.."
cli() { "${PYTHON:-.venv/bin/python}" -m military_ner.cli "$@"; }
export HF_HUB_OFFLINE=1
dev=../shared/dev/real-dev.jsonl
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for gate in gold generated; do
  n=(--int8-generated 0); [ "$gate" = generated ] && n=()  # the default number of generated articles
  cli export --model "$model" --output "$tmp/$gate" "${n[@]}" | tee "$out/export-$gate.txt" | tail -4
  cp "$tmp/$gate/bundle.json" "$out/bundle-$gate.json"
  for p in fp32 int8; do
    cli predict --model "$tmp/$gate" --input "$dev" --output "$tmp/$gate-$p.jsonl" --precision $p > /dev/null
    cli evaluate --predictions "$tmp/$gate-$p.jsonl" --gold "$dev" --out "$out/dev-$gate-$p.json" > /dev/null
  done
done
"${PYTHON:-.venv/bin/python}" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
for gate in ("gold", "generated"):
    i8 = json.loads((out / f"bundle-{gate}.json").read_text())["gate"]["int8"]
    dev = {p: json.loads((out / f"dev-{gate}-{p}.json").read_text())["strict"]["micro"]["f1"] for p in ("fp32", "int8")}
    print(f"gate on the {gate}: int8 {i8['f1']:.4f} vs fp32 {i8['fp32_f1']:.4f} (try {i8['chosen_try']}, "
          f"default {'int8' if i8['met'] else 'fp32'}); dev fp32 {dev['fp32']:.3f}, int8 {dev['int8']:.3f}")
PY
