"""Counts per entity type in the gold and in generated data -> eval/data.md.

    python scripts/data_report.py [--config configs/offline.yaml] [key=value ...]

The generated articles are the ones a training run with that config draws
(`training.generated_documents`: its count, seed, filler and name/person noise); `key=value`
overrides the config as on train.py's command line (`generated_docs=300 generated_seed=7`).
"""
import argparse
from collections import Counter
from pathlib import Path

from military_ner.annotations import load_gold
from military_ner.schema import TYPES
from military_ner.text import split_words
from military_ner.config import command_line, load_config, parse_overrides
from military_ner.training import generated_documents

ROOT = Path(__file__).resolve().parent.parent


def counts(docs):
    c = Counter(s.label for d in docs for s in d.entities)
    words = sum(len(split_words(d.text)) for d in docs)
    distinct = {t: len({s.text for d in docs for s in d.entities if s.label == t}) for t in TYPES}
    return c, words, distinct


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, as for train.py")
    args = ap.parse_args()
    cfg = load_config(args.config, parse_overrides(args.overrides))
    gold = load_gold(ROOT / "annotations", ROOT / "seeds")
    gen = generated_documents(cfg)
    rows = ["# Data report", "", "Produced by:", "", "    " + command_line(), "",
            "| data | documents | words (incl. punctuation) | " + " | ".join(TYPES) + " |",
            "| --- | ---: | ---: | " + " | ".join("---:" for _ in TYPES) + " |"]
    drawn = (f"generated (seed {cfg.generated_seed}, filler {cfg.generated_filler:g}, noise: names "
             f"{cfg.generated_name_noise:g}, family {cfg.generated_person_noise:g}, given {cfg.generated_given_noise:g})")
    for name, docs in (("gold (annotations/)", gold), (drawn, gen)):
        c, words, distinct = counts(docs)
        rows.append(f"| {name} | {len(docs)} | {words:,} | " + " | ".join(f"{c[t]:,} ({distinct[t]:,} distinct)" for t in TYPES) + " |")
    rows += ["", "Distinct = distinct surface strings of that type.", ""]
    out = ROOT / "eval" / "data.md"
    out.write_text("\n".join(rows), encoding="utf-8")
    print("\n".join(rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
