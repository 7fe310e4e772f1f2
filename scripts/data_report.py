"""Counts per entity type in the gold and in generated data -> eval/data.md.

    python scripts/data_report.py [--config configs/offline.yaml] [--generated N] [--seed S] [--filler F]

Uses the same generator call as training: `generated_docs`, `generated_seed` and
`generated_filler` from the config unless given.
"""
import argparse
import sys
from collections import Counter
from pathlib import Path

from military_ner.annotations import load_gold
from military_ner.data.generate import generate_documents
from military_ner.schema import TYPES
from military_ner.text import split_words
from military_ner.training import load_config

ROOT = Path(__file__).resolve().parent.parent


def counts(docs):
    c = Counter(s.label for d in docs for s in d.entities)
    words = sum(len(split_words(d.text)) for d in docs)
    distinct = {t: len({s.text for d in docs for s in d.entities if s.label == t}) for t in TYPES}
    return c, words, distinct


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--generated", type=int, help="generated articles (default: the config's generated_docs)")
    ap.add_argument("--seed", type=int, help="generator seed (default: the config's generated_seed)")
    ap.add_argument("--filler", type=float, help="filler sentences per article (default: the config's generated_filler)")
    args = ap.parse_args()
    cfg = load_config(args.config)
    n = cfg.generated_docs if args.generated is None else args.generated
    seed = cfg.generated_seed if args.seed is None else args.seed
    filler = cfg.generated_filler if args.filler is None else args.filler
    gold = load_gold(ROOT / "annotations", ROOT / "seeds")
    gen = generate_documents(n, seed, filler=filler)
    rows = ["# Data report", "", "Produced by:", "", "    python " + " ".join(["scripts/data_report.py"] + sys.argv[1:]), "",
            "| data | documents | words (incl. punctuation) | " + " | ".join(TYPES) + " |",
            "| --- | ---: | ---: | " + " | ".join("---:" for _ in TYPES) + " |"]
    for name, docs in (("gold (annotations/)", gold), (f"generated (seed {seed}, filler {filler:g})", gen)):
        c, words, distinct = counts(docs)
        rows.append(f"| {name} | {len(docs)} | {words:,} | " + " | ".join(f"{c[t]:,} ({distinct[t]:,} distinct)" for t in TYPES) + " |")
    rows += ["", "Distinct = distinct surface strings of that type.", ""]
    out = ROOT / "eval" / "data.md"
    out.write_text("\n".join(rows), encoding="utf-8")
    print("\n".join(rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
