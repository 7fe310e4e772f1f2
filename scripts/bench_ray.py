"""Throughput of `predict` on the local engine and on Ray Data with 1 and 2 workers: eval/ray-bench.md and .json.

    python scripts/bench_ray.py                                   # models/offline-bundle, 3000 generated articles
    python scripts/bench_ray.py --model BUNDLE --n 500 --workers 1 2 4

Every engine tags the same generated articles (seed 1) from one JSONL file into span JSONL;
documents/s and tokens/s are over the whole call (reading, tagging, writing), tokens being
the model's sub-words (no [CLS]/[SEP], no window overlap). Ray runs on a local instance
started once beforehand (its start is timed apart); each run includes the actor pool's
start, which a chunk pays again on every chunk (`military_ner.distributed`). A last Ray run
on one group of 32 articles measures that fixed cost. The Ray outputs are checked against
the local engine's, record by record. Takes a few minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.config import command_line  # noqa: E402
from military_ner.data.generate import generate_documents  # noqa: E402
from military_ner.predict import load_model, predict_files, read_records  # noqa: E402
from military_ner.runtime import cores  # noqa: E402
from military_ner.text import model_words  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tokens(rec, texts: list[str]) -> int:
    """Sub-word tokens the model reads for `texts`, counted once per word."""
    n = 0
    for text in texts:
        _, norm = model_words(text, rec.pre)
        n += sum(len(ids) for ids in rec.encoder.word_ids(norm))
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "models/offline-bundle"), help="exported bundle directory")
    ap.add_argument("--n", type=int, default=3000, help="generated articles (default 3000)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray pool sizes (default: 1 2)")
    ap.add_argument("--out-dir", default=str(ROOT / "eval"), help="where ray-bench.md and ray-bench.json go")
    args = ap.parse_args()
    if not (Path(args.model) / "bundle.json").exists():
        ap.error(f"{args.model} is not a bundle; train and export one first: bash scripts/offline.sh")

    import ray
    import onnxruntime
    quiet = dict(log=lambda *a: None)
    rec, description = load_model(args.model, None, 16, 1)
    description = description.replace(f"{ROOT}/", "")
    docs = generate_documents(args.n, seed=1)
    gold_texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    n_tokens = tokens(rec, [d.text for d in docs])
    seed_tokens = tokens(rec, gold_texts)
    n_chars = sum(len(d.text) for d in docs)
    print(f"{args.n} articles, {n_tokens} tokens ({n_tokens / args.n:.0f} per article); "
          f"seeds: {seed_tokens / len(gold_texts):.0f} tokens per article; model: {description}")

    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    src = work / "articles.jsonl"
    src.write_text("".join(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n" for d in docs),
                   encoding="utf-8")
    runs = []

    class NoBar:
        def update(self, n):
            pass

    t = time.perf_counter()  # the driver's share per document: read, group, serialize for Ray
    from military_ner.distributed import payload
    from military_ner.predict import groups, iter_items, new_stats
    n_read = 0
    for group in groups(iter_items([str(src)], 500_000), set(), new_stats(), NoBar()):
        payload(group)
        n_read += len(group)
    driver_rate = n_read / (time.perf_counter() - t)
    print(f"driver: reads and serializes {driver_rate:.0f} documents/s")

    def run(name, fn, out, n_docs=args.n, n_tok=n_tokens, **extra):
        load = os.getloadavg()[0]
        t = time.perf_counter()
        fn(out)
        s = time.perf_counter() - t
        runs.append(dict(engine=name, seconds=round(s, 2), docs_per_s=round(n_docs / s, 1),
                         tokens_per_s=round(n_tok / s), load_before=round(load, 2), output=str(out), **extra))
        print(f"{name}: {s:.1f} s, {n_docs / s:.1f} docs/s, {n_tok / s:.0f} tokens/s (load average before: {load:.2f})")

    for threads in sorted({1, cores()}):
        run(f"local, {threads} thread(s)", lambda out, t=threads: predict_files(
            args.model, [str(src)], out, threads=t, **quiet), work / f"local-{threads}.jsonl", threads=threads)

    from military_ner.distributed import predict_ray
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    t = time.perf_counter()
    ray.init(address="local", num_cpus=max(cores(), max(args.workers)), include_dashboard=False,
             log_to_driver=False, logging_level="WARNING")
    ray_start = time.perf_counter() - t
    try:
        for w in args.workers:
            run(f"ray, {w} worker(s) x 1 thread", lambda out, w=w: predict_ray(
                args.model, [str(src)], out, workers=w, **quiet), work / f"ray-{w}.jsonl", workers=w)
        one = work / "one-group.jsonl"
        one.write_text("".join(src.read_text(encoding="utf-8").splitlines(keepends=True)[:32]), encoding="utf-8")
        run("ray, 1 worker, one group of 32 articles (fixed cost)", lambda out: predict_ray(
            args.model, [str(one)], out, workers=1, **quiet), work / "ray-one-group.jsonl", n_docs=32,
            n_tok=tokens(rec, [d.text for d in docs[:32]]), workers=1)
    finally:
        ray.shutdown()

    want = {r["id"]: r for r in read_records(work / f"local-{cores()}.jsonl")}
    same = all({r["id"]: r for r in read_records(run_["output"])} == want
               for run_ in runs if run_["engine"].startswith("ray") and "fixed" not in run_["engine"])
    by = {r["engine"]: r for r in runs}
    local1, localn = by["local, 1 thread(s)"], by[f"local, {cores()} thread(s)"]
    overhead = {}
    for w in args.workers:
        r = by[f"ray, {w} worker(s) x 1 thread"]
        base = local1 if w == 1 else localn if w == cores() else None
        if base:
            overhead[f"ray {w} vs local {base['threads']} thread(s)"] = round(r["seconds"] / base["seconds"] - 1, 3)
    result = {
        "command": command_line(),
        "machine": {"nproc": cores(), "cpu": cpu_model(), "python": platform.python_version(),
                    "ray": ray.__version__, "onnxruntime": onnxruntime.__version__},
        "model": description, "articles": args.n, "chars": n_chars, "tokens": n_tokens,
        "tokens_per_article": round(n_tokens / args.n, 1),
        "seed_tokens_per_article": round(seed_tokens / len(gold_texts), 1),
        "ray_start_seconds": round(ray_start, 2), "driver_read_docs_per_s": round(driver_rate), "runs": runs,
        "ray_overhead": overhead,
        "same_records": same,
    }
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ray-bench.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "ray-bench.md").write_text(report(result), encoding="utf-8")
    print(f"wrote {out_dir / 'ray-bench.md'} and {out_dir / 'ray-bench.json'}")
    return 0


def report(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Batch prediction: local engine vs Ray Data", "",
        f"Command: `{r['command']}`", "",
        f"Machine: {m['nproc']} cores (`nproc`), {m['cpu']}; Python {m['python']}, Ray {m['ray']}, "
        f"onnxruntime {m['onnxruntime']}.", "",
        f"Model: {r['model']}.", "",
        f"Input: {r['articles']} generated articles, {r['chars']} characters, {r['tokens']} model tokens "
        f"({r['tokens_per_article']} per article; the five gold articles: {r['seed_tokens_per_article']}).", "",
        "| engine | seconds | documents/s | tokens/s | load average before |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for run in r["runs"]:
        lines.append(f"| {run['engine']} | {run['seconds']} | {run['docs_per_s']} | {run['tokens_per_s']} | "
                     f"{run['load_before']} |")
    lines += ["", f"Starting the local Ray instance: {r['ray_start_seconds']} s (not in the rows above). "
              f"The driver alone reads, groups and serializes {r['driver_read_docs_per_s']} documents/s.", ""]
    busy = max(run["load_before"] for run in r["runs"])
    if busy > 0.5:
        lines += [f"**The machine was not idle**: other processes were running (load average up to {busy} before a "
                  f"run, on {m['nproc']} cores; an idle machine reads below 0.3). Every row shared the CPUs with them, "
                  "so read the rows as lower bounds, and differences between rows as partly noise.", ""]
    for k, v in r["ray_overhead"].items():
        lines.append(f"- Overhead of {k}: {v * 100:+.0f} % wall time.")
    same = "yes" if r["same_records"] else "NO"
    lines += [f"- Ray outputs identical to the local engine's, record by record: {same}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
