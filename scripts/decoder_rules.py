"""What each span rule of the decoder is worth on one model: every rule switched off in turn.

    python scripts/decoder_rules.py --model models/offline --gold G1.jsonl [G2.jsonl ...] [--rules one_introduction]

The span rules run after the BIO Viterbi in `windows.decode` (`line_breaks`, `punctuation_edges`,
`same_name_same_span`, `one_introduction`). For each gold file this scores the model with the shipped
decoder and once per rule with that rule made a no-op, and counts the spans the rule changes: how
many of the spans it removed or altered matched the gold exactly before (it broke them) and how many
of the spans it produced match the gold exactly (it mended them). Counts and F1 only, no text, so it
may be run on the dev set once a rule is decided; rules are decided on data we generate or write.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import military_ner.windows as windows  # noqa: E402
from military_ner.evaluation import score  # noqa: E402
from military_ner.predict import load_model  # noqa: E402
from military_ner.schema import TYPES, read_span_jsonl  # noqa: E402


def predict_without(rec, texts: list[str], rule: str | None):
    """The model's spans with `rule` (a function name in windows) made a no-op, or as shipped."""
    if rule is None:
        return rec.predict(texts)
    shipped = getattr(windows, rule)
    setattr(windows, rule, lambda text, words, tags: list(tags))
    try:
        return rec.predict(texts)
    finally:
        setattr(windows, rule, shipped)


def changes(gold, with_rule, without_rule) -> dict:
    """Spans only one decoder produced, each side split into exact gold matches and the rest."""
    out = {"mended": 0, "new, not gold": 0, "broke": 0, "dropped, not gold": 0}
    for d, a, b in zip(gold, with_rule, without_rule):
        exact = {(s.start, s.end, s.label) for s in d.entities}
        after, before = ({(s.start, s.end, s.label) for s in x} for x in (a, b))
        for s in after - before:
            out["mended" if s in exact else "new, not gold"] += 1
        for s in before - after:
            out["broke" if s in exact else "dropped, not gold"] += 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="a training run directory or an exported bundle")
    ap.add_argument("--gold", required=True, nargs="+", help="span JSONL files with gold entities")
    ap.add_argument("--rules", nargs="+", default=list(windows.SPAN_RULES), choices=windows.SPAN_RULES)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    rec, what = load_model(args.model, None, 16, args.threads)
    print(f"{what}. Strict F1 with the shipped decoder, then with each rule off; the rule's changes: spans it "
          "produced that are exact gold (mended) or not, spans it removed that were exact gold (broke) or not.\n")
    for path in args.gold:
        gold = read_span_jsonl(path)
        texts = [d.text for d in gold]
        shipped = predict_without(rec, texts, None)
        base = score(gold, {d.id: p for d, p in zip(gold, shipped)})["strict"]
        print(f"{path}, {len(gold)} documents\n")
        print("| decoder | micro | " + " | ".join(TYPES) + " | mended | new, not gold | broke | dropped, not gold |")
        print("| --- | ---: | " + " | ".join("---:" for _ in TYPES) + " | ---: | ---: | ---: | ---: |")
        print(f"| shipped | {base['micro']['f1']:.3f} | " + " | ".join(f"{base[t]['f1']:.3f}" for t in TYPES)
              + " | | | | |")
        for rule in args.rules:
            off = predict_without(rec, texts, rule)
            m = score(gold, {d.id: p for d, p in zip(gold, off)})["strict"]
            c = changes(gold, shipped, off)
            print(f"| without {rule} | {m['micro']['f1']:.3f} | " + " | ".join(f"{m[t]['f1']:.3f}" for t in TYPES)
                  + f" | {c['mended']} | {c['new, not gold']} | {c['broke']} | {c['dropped, not gold']} |")
        print()


if __name__ == "__main__":
    main()
