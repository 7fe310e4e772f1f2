"""Words per second of whole ONNX bundles, timed in turns in one run so the ratio between them
holds on a noisy machine: each bundle (its default precision unless --precision) tags the same
generated articles, round after round, and the median round counts.

    python scripts/bundle_speed.py models/offline-bundle models/ensemble-bundle --out eval/x/speed.md
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from military_ner.data.generate import generate_documents
from military_ner.runtime import Recognizer, cores

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("bundles", nargs="+", help="bundle directories (military-ner export --output)")
parser.add_argument("--articles", type=int, default=100, help="generated articles to tag each round")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--precision", choices=["int8", "fp32"], help="default: each bundle's own")
parser.add_argument("--out", help="write the table (markdown) here, and the figures beside it as .json")
args = parser.parse_args()

docs = generate_documents(args.articles, seed=9001)
texts = [d.text for d in docs]
words = sum(len(t.split()) for t in texts)
recs = [Recognizer.load(b, args.precision, threads=cores(), spinning=True) for b in args.bundles]
for rec in recs:
    rec.predict(texts[:5])  # warm-up: session start, first allocations
seconds = [[] for _ in recs]
for r in range(args.rounds):
    for i, rec in enumerate(recs):
        t0 = time.perf_counter()
        rec.predict(texts)
        seconds[i].append(time.perf_counter() - t0)
    print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{s[-1]:.2f} s" for s in seconds), file=sys.stderr)
rows = []
for b, rec, s in zip(args.bundles, recs, seconds):
    info = json.loads((Path(b) / "bundle.json").read_text(encoding="utf-8"))
    med = statistics.median(s)
    rows.append({"bundle": b, "members": info["source"].get("members", 1), "precision": rec.precision,
                 "median_seconds": round(med, 3), "words_per_second": round(words / med)})
first = rows[0]["words_per_second"]
lines = ["# Words per second of whole bundles", "", "Produced by:", "", "    python " + " ".join(sys.argv), "",
         f"{args.articles} generated articles (seed 9001, {words} words), {args.rounds} rounds in turns, "
         f"{cores()} ONNX threads; median round.", "",
         "| bundle | members | precision | median s | words/s | x first |", "| --- | ---: | --- | ---: | ---: | ---: |"]
lines += [f"| {r['bundle']} | {r['members']} | {r['precision']} | {r['median_seconds']} | {r['words_per_second']:,} | "
          f"{r['words_per_second'] / first:.2f} |" for r in rows]
print("\n".join(lines))
if args.out:
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps({"command": "python " + " ".join(sys.argv), "rows": rows},
                                                              indent=2), encoding="utf-8")
