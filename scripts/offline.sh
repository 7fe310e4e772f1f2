#!/usr/bin/env bash
# The main job, offline, on a fresh machine: set up, build the small base model from our own
# text, fine-tune it, evaluate it (held-out gold article + real-news dev set), then export the
# ONNX bundle and predict on the seed articles. About 20-30 minutes on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/military-ner annotations check
.venv/bin/python train.py --config configs/offline.yaml "$@"
.venv/bin/military-ner evaluate --model models/offline --gold ../shared/dev/real-dev.jsonl --out eval/offline/real-dev.json
if .venv/bin/military-ner export --help >/dev/null 2>&1; then
  .venv/bin/military-ner export --model models/offline --output models/offline-bundle
  .venv/bin/military-ner predict --model models/offline-bundle --input seeds --output eval/offline/seed-predictions.jsonl
fi
echo "model: models/offline (report: eval/offline/report.md)"
