#!/usr/bin/env bash
# The measures a training option is kept or dropped by (eval/offline/*/README.md), for one model:
# strict F1 on two sets of generated articles, gazetteer entities among random words and the
# errors on the sentences we wrote (scripts/out_of_template.py), then the real-news dev set, which
# is reported and decides nothing. Writes OUT/{gen777,long4242,real-dev}.json and OUT/out-of-template/;
# relative paths are taken from the repository root.
#
#     bash scripts/keep_measures.sh models/offline eval/offline/some-run
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bash scripts/keep_measures.sh MODEL_DIR OUT_DIR" >&2; exit 2; }
model=$1 out=$2
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
export HF_HUB_OFFLINE=1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli() { "$py" -m military_ner.cli "$@"; }
cli data generate --n 300 --seed 777 --filler 2 --name-noise 0.15 --person-noise 0.3 --given-noise 0.3 --out "$tmp/gen777.jsonl"
cli data generate --n 300 --seed 4242 --filler 8 --out "$tmp/long4242.jsonl"
cli evaluate --model "$model" --gold "$tmp/gen777.jsonl" --out "$out/gen777.json"
cli evaluate --model "$model" --gold "$tmp/long4242.jsonl" --out "$out/long4242.json"
"$py" scripts/out_of_template.py --model "$model" --out "$out/out-of-template" | tail -1
cli evaluate --model "$model" --gold ../shared/dev/real-dev.jsonl --against-baseline --out "$out/real-dev.json"
"$py" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
f1 = {k: json.loads((out / f"{k}.json").read_text())["strict"]["micro"]["f1"] for k in ("gen777", "long4242", "real-dev")}
oot = json.loads((out / "out-of-template" / "metrics.json").read_text())
print(f"generated 777 {f1['gen777']:.3f}, long 4242 {f1['long4242']:.3f}, out of template "
      f"{oot['strict']['micro']['f1']:.3f}, written errors {oot['written_errors']['total']}; dev {f1['real-dev']:.3f}")
PY
