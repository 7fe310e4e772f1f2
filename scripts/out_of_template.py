"""Entities of our gazetteers outside our templates: does a model span them whole among words it
was never shown around them?

    python scripts/out_of_template.py --model models/offline

Every probe is one sentence: 4-9 real Arabic words (data/filler.py's wordfreq vocabulary, no
gazetteer word among them), one entity, 4-9 more such words. The entities are what the generator
draws: units of every country (long names, formations and composed names included), ranks, and
exercise introductions (descriptor and quoted name). A model that only learned our templates'
wording around entities fails here; one that learned the entities' own form does not. It says
nothing about names the gazetteers lack, which is what real news adds. Generated text only:
safe to read, and no dev data is involved. Writes eval/out-of-template/{report.md,metrics.json}.
"""
import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.evaluation import boundary_shapes, errors_md, evaluate, summary_line, write_json  # noqa: E402
from military_ner.schema import Document, Span  # noqa: E402

UNIT_KINDS = ("forces", "service", "special", "staff", "staff_body", "directorate", "academy", "region",
              "command", "office", "formation")


def probes(n: int, seed: int) -> list[Document]:
    from military_ner.data.filler import Filler
    from military_ner.data.gazetteers import load_gazetteers, rank_surfaces
    from military_ner.data.mentions import Picker
    rng = random.Random(seed)
    g = load_gazetteers()
    pick, filler, codes = Picker(g, random.Random(seed + 1)), Filler(), sorted(g.countries)
    hosts = [c for c in g.countries.values() if c.host]
    ranks = rank_surfaces(g)
    docs = []
    while len(docs) < n:
        kind = len(docs) % 3
        if kind == 0:
            u = pick.unit(rng.choice(codes), UNIT_KINDS) if rng.random() < 0.8 else pick.formation(rng.choice(codes))
            if u is None:
                continue
            segs = [(u.full, "UNIT")]
        elif kind == 1:
            segs = [(rng.choice(ranks), "MILITARY_RANK")]
        else:
            segs = pick.exercise(rng.choice(hosts), None, named=1.0).intro(rng)
        left = " ".join(filler.words(rng, rng.randint(4, 9))) + " "
        text, spans = left, []
        for seg, label in segs:
            if label:
                spans.append(Span(len(text), len(text) + len(seg), label, seg))
            text += seg
        text += " " + " ".join(filler.words(rng, rng.randint(4, 9))) + "."
        docs.append(Document(f"probe-{len(docs)}", text, spans))
    return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="models/offline", help="a training run directory or an exported bundle")
    ap.add_argument("--n", type=int, default=900, help="probe sentences (a third each: units, ranks, exercises)")
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--out", default="eval/out-of-template")
    args = ap.parse_args()
    from military_ner.predict import load_model
    docs = probes(args.n, args.seed)
    rec, what = load_model(args.model, None, 16, None)
    metrics, predicted = evaluate(rec.predict, docs)
    shapes = boundary_shapes(docs, predicted)
    command = " ".join(["python", "scripts/out_of_template.py", *sys.argv[1:]])
    out = ROOT / args.out
    write_json(out / "metrics.json", {"command": command, "model": what, **metrics, "boundary_shapes": shapes})
    s = metrics["strict"]
    lines = ["# Gazetteer entities among words our templates never use", "", "Produced by:", "", f"    {command}", "",
             f"{what}; {len(docs)} probe sentences (seed {args.seed}), each one entity between 4-9 random real "
             "Arabic words on either side (see the script's docstring).", "",
             "| type | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {t} | {s[t]['precision']:.3f} | {s[t]['recall']:.3f} | {s[t]['f1']:.3f} | {s[t]['support']} |"
              for t in ("MILITARY_RANK", "UNIT", "EXERCISE", "micro")]
    lines += ["", "Where strict matching failed:", "", errors_md(metrics["errors"]), "",
              "How boundary errors missed the edges:", "", errors_md(shapes)]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(summary_line(metrics))
    print("\n".join(lines[9:]))


if __name__ == "__main__":
    main()
