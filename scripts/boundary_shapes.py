"""How a model's spans miss the gold edges, and where its stray spans sit: counts per type, no text
(safe on the dev set).

    python scripts/boundary_shapes.py --model models/offline --gold ../shared/dev/real-dev.jsonl

The `boundary` column of the evaluation's error breakdown, split into spans that end early,
end late, start late or early, are split in two, or miss both edges; then the `spurious`
column, split by what lies next to the stray span (`evaluation.spurious_shapes`).
"""
import argparse

from military_ner.evaluation import boundary_shapes, errors_md, spurious_shapes
from military_ner.predict import load_model
from military_ner.schema import read_span_jsonl


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="a training run directory or an exported bundle")
    ap.add_argument("--gold", required=True, help="span JSONL with gold entities")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    gold = read_span_jsonl(args.gold)
    rec, what = load_model(args.model, None, 16, args.threads)
    predicted = {d.id: spans for d, spans in zip(gold, rec.predict([d.text for d in gold]))}
    print(f"{what}; {args.gold}, {len(gold)} documents\n")
    print(errors_md(boundary_shapes(gold, predicted)))
    print()
    print(errors_md(spurious_shapes(gold, predicted), first="predicted type"))


if __name__ == "__main__":
    main()
