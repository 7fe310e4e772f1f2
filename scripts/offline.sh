#!/usr/bin/env bash
# The main job, offline, on a fresh machine: set up, build the small base model from our own
# text, fine-tune it, evaluate it (held-out gold article + real-news dev set, next to the
# gazetteer baseline), export the gated ONNX bundle and predict on the seed articles.
# 26.4 to 29.5 minutes on 2 CPU cores from a fresh clone with the packages cached: ~2 setting up, 2.1-2.3 building
# the base, 21.5-24.5 training the two members side by side, ~1 exporting (members=1: about 19.5 minutes).
# Extra arguments go to train.py (e.g. epochs=1, or epochs=3 with more time: CV 0.880 against 0.839 at 2.5).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/military-ner annotations check
.venv/bin/python train.py --config configs/offline.yaml "$@"
.venv/bin/military-ner export --model models/offline --output models/offline-bundle
.venv/bin/military-ner evaluate --model models/offline-bundle --gold ../shared/dev/real-dev.jsonl --against-baseline --out eval/offline/real-dev-bundle.json
.venv/bin/military-ner predict --model models/offline-bundle --input seeds --output eval/offline/seed-predictions.jsonl --overwrite
echo "model: models/offline, bundle: models/offline-bundle; reports: eval/offline/report.md, eval/offline/real-dev-bundle.json"
