"""The `military-ner` command line: parses options and calls plain functions.

Each subcommand is a few lines: read options, call the function of the stage's module,
print what was written where. Logic lives in the stage modules, not here.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .schema import SchemaError

ROOT = Path(__file__).resolve().parent.parent


def _default(path: str) -> Path:
    """Repo-relative default paths, so commands work from any directory of a checkout."""
    return ROOT / path


# ---------------------------------------------------------------------------- annotations

def cmd_annotations_check(args) -> int:
    from .annotations import load
    docs, problems = load(Path(args.annotations), Path(args.seeds))
    for p in problems:
        print(p, file=sys.stderr)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    n_ent = sum(len(d.entities) for d in docs)
    print(f"checked {len(docs)} documents, {n_ent} entities: {errors} errors, {warnings} warnings")
    return 1 if errors else 0


def cmd_annotations_export(args) -> int:
    from .annotations import load_gold
    from .schema import write_span_jsonl
    docs = load_gold(Path(args.annotations), Path(args.seeds))
    n = write_span_jsonl(docs, args.out)
    print(f"wrote {n} documents, {sum(len(d.entities) for d in docs)} entities to {args.out}")
    return 0


def cmd_annotations_import(args) -> int:
    from .annotations import write_conll
    from .schema import read_span_jsonl
    docs = read_span_jsonl(args.spans)
    for d in docs:
        path = write_conll(d, Path(args.annotations))
        print(f"wrote {path} ({len(d.entities)} entities)")
    return 0


# ---------------------------------------------------------------------------- data engine

def cmd_data_generate(args) -> int:
    from .data.generate import generate_documents
    from .schema import write_span_jsonl
    docs = generate_documents(args.n, args.seed, filler=args.filler, name_noise=args.name_noise,
                              person_noise=args.person_noise, given_noise=args.given_noise)
    n = write_span_jsonl(docs, args.out)
    counts: dict[str, int] = {}
    for d in docs:
        for s in d.entities:
            counts[s.label] = counts.get(s.label, 0) + 1
    words = sum(len(d.text.split()) for d in docs)
    print(f"wrote {n} generated articles ({words} words; entities {counts}) to {args.out}")
    return 0


def _show(metrics: dict, out: str | None) -> int:
    """Print a metrics table and summary; save them as JSON when asked."""
    from .evaluation import errors_md, interval_line, summary_line, table_md, write_json
    print(table_md(metrics, "strict"))
    print(summary_line(metrics))
    if metrics.get("bootstrap"):
        print(interval_line(metrics["bootstrap"]))
    if metrics.get("minus_baseline"):
        print(f"gazetteer baseline: {summary_line(metrics['baseline'])}")
        print(interval_line(metrics["minus_baseline"], "model minus baseline, strict micro F1:", signed=True))
    print("\nwhere strict matching failed, per gold type:")
    print(errors_md(metrics["errors"]))
    if out:
        write_json(Path(out), metrics)
        print(f"wrote {out}")
    return 0


def cmd_baseline(args) -> int:
    from .data.baseline import GazetteerTagger
    from .evaluation import evaluate
    from .schema import read_span_jsonl
    gold = read_span_jsonl(args.gold)
    metrics, _ = evaluate(GazetteerTagger.from_gazetteers().predict, gold)
    metrics.update(gold=str(args.gold), model="gazetteer baseline (military_ner.data.baseline)")
    return _show(metrics, args.out)


# ---------------------------------------------------------------------------- evaluate

def load_recognizer(model: str):
    """A recognizer for a training run directory (PyTorch) or an exported bundle (ONNX), with
    the bundle's default precision and ONNX threads that sleep when idle (a server waits more
    than it works)."""
    from .predict import load_model
    return load_model(model, None, 16, None, spinning=False)[0]


def cmd_evaluate(args) -> int:
    from .evaluation import evaluate, score
    from .schema import read_span_jsonl
    gold = read_span_jsonl(args.gold)
    if args.predictions:
        predicted = {d.id: d.entities for d in read_span_jsonl_lenient(args.predictions)}
        missing = [d.id for d in gold if d.id not in predicted]
        if missing:
            print(f"warning: {len(missing)} of {len(gold)} gold documents have no prediction (error records or "
                  f"absent), scored as predicting nothing: {missing[:5]}", file=sys.stderr)
            predicted.update({i: [] for i in missing})
        metrics = score(gold, predicted)
        metrics["unpredicted_documents"] = missing
    else:
        metrics, _ = evaluate(load_recognizer(args.model).predict, gold)
    if args.against_baseline:  # the same documents, same scorer, one bootstrap for both
        from .data.baseline import GazetteerTagger
        from .evaluation import bootstrap_f1
        base, _ = evaluate(GazetteerTagger.from_gazetteers().predict, gold)
        metrics["baseline"] = {k: base[k] for k in ("strict", "bootstrap")}
        metrics["minus_baseline"] = bootstrap_f1(metrics["per_document"], base["per_document"])
    metrics["gold"] = str(args.gold)
    metrics["model"] = str(args.model or args.predictions)
    return _show(metrics, args.out)


def read_span_jsonl_lenient(path):
    """Predictions need no text: {"id", "entities"} lines are enough."""
    from .schema import Document, Span
    docs = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if "error" in obj:
                continue  # an error record: the document was not predicted
            ents = [Span(int(e["start"]), int(e["end"]), e["label"], e.get("text", "")) for e in obj.get("entities", [])]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise SchemaError(f"{path}:{n}: not a prediction line ({exc})")
        docs.append(Document(str(obj.get("id")), obj.get("text", ""), ents))
    return docs


def cmd_serve(args) -> int:
    from .serve import serve
    serve(args.model, host=args.host, port=args.port, max_chars=args.max_chars, max_documents=args.max_documents)
    return 0


# ---------------------------------------------------------------------------- export, predict, bench

def cmd_export(args) -> int:
    from .export import ExportGateError, export, gate_table
    gold = None
    if args.gold:
        from .schema import read_span_jsonl
        gold = read_span_jsonl(args.gold)
    try:
        report = export(args.model, args.output, gold=gold, int8_generated=args.int8_generated)
    except ExportGateError as exc:
        print(gate_table(exc.report))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(gate_table(report))
    files = ", ".join([m["file"] for m in report["models"].values()] + ["tokenizer.json", "bundle.json"])
    print(f"wrote the bundle {args.output} ({files}); gate passed")
    return 0


def cmd_predict(args) -> int:
    common = dict(precision=args.precision, resume=args.resume, overwrite=args.overwrite, batch_size=args.batch_size,
                  max_chars=args.max_chars)
    if args.engine == "ray":
        from .distributed import predict_ray
        stats = predict_ray(args.model, args.input, args.output, threads=args.threads or 1, address=args.address,
                            workers=args.workers, chunk_docs=args.chunk_docs, **common)
    elif args.address or args.workers or args.chunk_docs:
        raise ValueError("--address, --workers and --chunk-docs go with --engine ray")
    else:
        from .predict import predict_files
        stats = predict_files(args.model, args.input, args.output, threads=args.threads, **common)
    return 1 if stats["documents"] and stats["failed"] == stats["documents"] else 0


def cmd_bench(args) -> int:
    from .bench import bench
    bench(args.model, out_dir=Path(args.out_dir), quick=args.quick, base_shape=not args.no_base,
          batch_sizes=args.batch_sizes, seq_lengths=args.seq_lengths, engines=args.engines)
    return 0


# ---------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="military-ner", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ann = sub.add_parser("annotations", help="check, export or import the gold annotations")
    ann_sub = ann.add_subparsers(dest="action", required=True, metavar="ACTION")

    def gold_paths(q):
        q.add_argument("--annotations", default=str(_default("annotations")),
                       help="directory of <doc_id>.conll files (default: the repo's annotations/)")
        q.add_argument("--seeds", default=str(_default("seeds")),
                       help="directory of <doc_id>.txt seed articles (default: the repo's seeds/)")

    q = ann_sub.add_parser("check", help="validate every annotation file against its seed article")
    gold_paths(q)
    q.set_defaults(func=cmd_annotations_check)

    q = ann_sub.add_parser("export", help="write the gold as span JSONL over the original seed text")
    gold_paths(q)
    q.add_argument("--out", required=True, help="output .jsonl file")
    q.set_defaults(func=cmd_annotations_export)

    q = ann_sub.add_parser("import", help="write CoNLL annotation files from span JSONL (the inverse of export)")
    q.add_argument("spans", help="span JSONL file: {id, text, entities} per line")
    q.add_argument("--annotations", default=str(_default("annotations")), help="output directory")
    q.set_defaults(func=cmd_annotations_import)

    data = sub.add_parser("data", help="the data engine: generated articles")
    data_sub = data.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = data_sub.add_parser("generate", help="write labelled synthetic articles as span JSONL")
    q.add_argument("--n", type=int, default=100, help="number of articles (default 100)")
    q.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same articles")
    q.add_argument("--filler", type=float, default=0.0,
                   help="mean O-labelled sentences of real Arabic words mixed into each article (default 0)")
    q.add_argument("--name-noise", type=float, default=0.0,
                   help="share of long unit and exercise names with one inner word swapped for a real Arabic word "
                        "(default 0; see data/README.md)")
    q.add_argument("--person-noise", type=float, default=0.0,
                   help="share of family names replaced by new ones made from two listed names (default 0)")
    q.add_argument("--given-noise", type=float, default=0.0,
                   help="share of one-word given names replaced the same way (default 0)")
    q.add_argument("--out", required=True, help="output .jsonl file")
    q.set_defaults(func=cmd_data_generate)

    q = sub.add_parser("baseline", help="score the rule/gazetteer baseline against span-JSONL gold")
    q.add_argument("--gold", required=True, help="span JSONL gold, e.g. ../shared/dev/real-dev.jsonl")
    q.add_argument("--out", help="write the metrics as JSON here")
    q.set_defaults(func=cmd_baseline)

    q = sub.add_parser("evaluate", help="score a model (or a predictions file) against span-JSONL gold with seqeval")
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="training run directory or exported bundle directory")
    src.add_argument("--predictions", help="span JSONL of predictions ({id, entities} per line) instead of a model")
    q.add_argument("--gold", required=True, help="span JSONL gold, e.g. from `annotations export` or ../shared/dev/real-dev.jsonl")
    q.add_argument("--against-baseline", action="store_true",
                   help="also score the gazetteer baseline on the same gold, with a bootstrap interval of the difference")
    q.add_argument("--out", help="write the metrics as JSON here")
    q.set_defaults(func=cmd_evaluate)

    q = sub.add_parser("serve", help="HTTP service and viewer page (API key from $MILITARY_NER_API_KEY, if set)")
    q.add_argument("--model", required=True, help="exported bundle directory (or a training run directory)")
    q.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    q.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    q.add_argument("--max-chars", type=int, default=100_000, help="characters per document (default 100000)")
    q.add_argument("--max-documents", type=int, default=64, help="documents per request (default 64)")
    q.set_defaults(func=cmd_serve)

    q = sub.add_parser("export", help="export a run directory to an ONNX bundle (fp32 + int8) that checks itself against PyTorch")
    q.add_argument("--model", required=True, help="training run directory (config.json, model.safetensors, preprocessing.json)")
    q.add_argument("--output", required=True, help="bundle directory to write (model.onnx, model.int8.onnx, tokenizer.json, bundle.json)")
    q.add_argument("--gold", help="span JSONL for the gate (default: the repo's gold articles)")
    q.add_argument("--int8-generated", type=int, metavar="N",
                   help="generated articles no training run draws, added to the gold when int8 is scored against "
                        "fp32 (default: export.INT8_GENERATED, 100; 0: the gold only)")
    q.set_defaults(func=cmd_export)

    q = sub.add_parser("predict", help="tag .txt files, directories or JSONL into span JSONL (one line per document)")
    q.add_argument("--model", required=True, help="exported bundle directory (ONNX) or training run directory (PyTorch)")
    q.add_argument("--input", required=True, nargs="+", metavar="PATH",
                   help=".txt files, .jsonl files of {id, text}, .parquet files (columns id, text), directories of "
                        "these (recursive), or - for stdin (JSONL, or else one plain-text document)")
    q.add_argument("--output", required=True, help="span JSONL to write: {id, entities} or {id, error} per document; "
                                                   "a path ending in .parquet is a directory of Parquet shards")
    q.add_argument("--precision", choices=["int8", "fp32"], default=None,
                   help="bundle graph to use (default: int8 if the export gate found it accurate enough, else fp32)")
    q.add_argument("--resume", action="store_true", help="append to OUTPUT, skipping ids already in it")
    q.add_argument("--overwrite", action="store_true", help="replace an existing OUTPUT")
    q.add_argument("--batch-size", type=int, default=16, help="windows per inference batch (default 16)")
    q.add_argument("--max-chars", type=int, default=500_000,
                   help="longer documents become error records (default 500000)")
    q.add_argument("--threads", type=int, default=None,
                   help="inference threads (default: every core; with --engine ray: per worker, default 1)")
    q.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process (default); ray: a pool of Ray Data actors, same records, completion order "
                        "(needs pip install 'military-ner[distributed]')")
    q.add_argument("--address", default=None,
                   help="with --engine ray: the Ray cluster to join (auto on one of its nodes, or HEAD:6379); "
                        "default: start a local Ray instance on this machine")
    q.add_argument("--workers", type=int, default=None,
                   help="with --engine ray: actors, each loading the bundle once "
                        "(default: the cluster's CPUs / --threads)")
    q.add_argument("--chunk-docs", type=int, default=None,
                   help="with --engine ray: documents per Ray dataset; bounds memory (default 2000 per worker)")
    q.set_defaults(func=cmd_predict)

    q = sub.add_parser("bench", help="throughput and latency: PyTorch fp32/int8 vs ONNX Runtime fp32/int8")
    q.add_argument("--model", help="training run directory (default: only the AraBERT-base-shaped random model)")
    q.add_argument("--out-dir", default=str(_default("eval")), help="where bench.md and bench.json go (default eval/)")
    q.add_argument("--quick", action="store_true", help="smoke run: fewer repeats, batch 1 and sequence 128 only")
    q.add_argument("--no-base", action="store_true", help="skip the random model of AraBERT-base's shape")
    q.add_argument("--batch-sizes", type=int, nargs="+", default=None, help="default: 1 8")
    q.add_argument("--seq-lengths", type=int, nargs="+", default=None, help="default: 128 512")
    q.add_argument("--engines", nargs="+", default=None, choices=["torch-fp32", "torch-int8", "ort-fp32", "ort-int8"],
                   help="default: all four")
    q.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SchemaError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # ModelLoadError and friends: the message says what to do
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
