"""Would a minimum span score help? Strict F1 per type when spans under a threshold are dropped.

    military-ner data generate --n 300 --seed 777 --filler 2 --name-noise 0.15 --person-noise 0.3 \
        --given-noise 0.3 --out /tmp/gen777.jsonl
    python scripts/score_thresholds.py --model models/offline --gold /tmp/gen777.jsonl

A span's score is the mean probability of its words' tags (`windows.decode`). For each type and
threshold: the F1 of exact spans when predictions scoring under it are dropped, and how many were.
Meant for our own data (generated articles, gold we may tune on), never the dev set.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.schema import TYPES, read_span_jsonl  # noqa: E402

THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)


def table(docs, predicted) -> list[str]:
    lines = ["| type | " + " | ".join(f"≥ {t}" for t in THRESHOLDS) + " |",
             "| --- | " + " | ".join("---:" for _ in THRESHOLDS) + " |"]
    for label in TYPES:
        gold = sum(s.label == label for d in docs for s in d.entities)
        scored = []
        for d, pred in zip(docs, predicted):
            spans = {(g.start, g.end) for g in d.entities if g.label == label}
            scored += [(s.score, (s.start, s.end) in spans) for s in pred if s.label == label]
        cells = []
        for t in THRESHOLDS:
            kept = [ok for score, ok in scored if score >= t]
            p, r = sum(kept) / max(1, len(kept)), sum(kept) / max(1, gold)
            cells.append(f"{2 * p * r / (p + r) if p + r else 0:.3f} (-{len(scored) - len(kept)})")
        lines.append(f"| {label} ({gold}) | " + " | ".join(cells) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="models/offline", help="a training run directory or an exported bundle")
    ap.add_argument("--gold", nargs="+", required=True, help="span JSONL files with gold entities (not the dev set)")
    args = ap.parse_args()
    from military_ner.predict import load_model
    rec, what = load_model(args.model, None, 32, None)
    print(f"{what}. Strict F1 per type (spans dropped) when predictions scoring under the threshold are dropped.")
    for path in args.gold:
        docs = read_span_jsonl(path)
        print(f"\n{path}, {len(docs)} documents:\n")
        print("\n".join(table(docs, rec.predict([d.text for d in docs]))))


if __name__ == "__main__":
    main()
