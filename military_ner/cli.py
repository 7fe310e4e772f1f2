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
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
