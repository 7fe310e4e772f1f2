"""Short-budget ablations of the offline recipe, scored only on data we may tune on.

    python scripts/ablation.py --variants "ref=" "len128=max_length=128 stride=32 batch_size=32" \
        "len128-lr1e3=max_length=128 stride=32 batch_size=32 lr=0.001"
    python scripts/ablation.py --decoding models/offline     # argmax vs BIO Viterbi, one trained model
    python scripts/ablation.py --robustness models/offline   # spelling noise: diacritics, tatweel, alef...

Each variant is `train.py --config CONFIG` with the shared short budget (`--common`, default
1,000 generated articles, 300 steps, no early stopping, 1 thread) plus its own overrides,
trained into models/ablation/NAME. A model is scored on 150 fresh generated articles (a seed
no training run uses) and on the gold article(s) the run held out: the config's, or all five
with `heldout=[...]` in `--common`, which trains on generated articles only and scores the data
engine alone on 101 entities of real news (see eval/ablations/report.md). The real-news dev set
is never used to choose: train.py's own report scores it, this table does not.

`--decoding` scores one model three times: with the shipped decoder (`windows.decode`: BIO Viterbi
+ `continue_fragments` + `line_breaks` + `punctuation_edges` + `same_name_same_span` +
`one_introduction`), without the last four (the decoder before 2026-12-01), and with per-word argmax + `continue_fragments`
(the decoder before the Viterbi), to show what the decoder alone is worth.

`--robustness` scores one model on the same articles rewritten with the spelling noise of real
news (`perturb`): diacritics, tatweel, hamza-less or hamzated alef, final ya as alef maqsura,
final ta marbuta as ha. Character offsets of the gold spans move with the text.

Writes eval/ablations/results.json (appended per run) and eval/ablations/report.md (rebuilt
from results.json; with neither --variants nor --decoding, only that).
"""
import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.config import command_line  # noqa: E402
from military_ner.evaluation import evaluate  # noqa: E402
from military_ner.schema import TYPES  # noqa: E402

COMMON = "generated_docs=1000 max_steps=300 early_stopping_patience=0 eval_every=1000 threads=1"
EVAL_SEED, EVAL_DOCS = 999, 150


def argmax_decode(text, words, logits, has, id2label):
    """The decoder before the Viterbi: argmax per word, then `continue_fragments`."""
    from military_ner.schema import tags_to_spans
    import numpy as np

    from military_ner.windows import continue_fragments, log_softmax
    probs = np.exp(log_softmax(logits))
    best = probs.argmax(-1)
    tags = continue_fragments(text, words, [id2label[int(b)] if h else "O" for b, h in zip(best, has)])
    return tags_to_spans(text, words, tags, [float(p[b]) for p, b in zip(probs, best)])


def decode_without_span_rules(text, words, logits, has, id2label):
    """The shipped decoder without its span rules (`line_breaks`, `punctuation_edges`,
    `same_name_same_span` of 2026-12-01, `one_introduction` of 2026-12-02): the decoder before them."""
    import military_ner.windows as windows
    shipped = [getattr(windows, r) for r in windows.SPAN_RULES]
    for r in windows.SPAN_RULES:
        setattr(windows, r, lambda text, words, tags: tags)
    try:
        return windows.decode(text, words, logits, has, id2label)
    finally:
        for r, f in zip(windows.SPAN_RULES, shipped):
            setattr(windows, r, f)


ALEFS = {"ا": "أ", "أ": "ا", "إ": "ا", "آ": "ا"}
NOISE = {
    "diacritics": lambda c, nxt, r: c + ("\u064e" if r < 0.3 else "\u0650" if r < 0.4 else "") if "\u0621" <= c <= "\u064a" else c,
    "tatweel": lambda c, nxt, r: c + "\u0640" if r < 0.15 and c in "بتثجحخسشصضطظعغفقكلمنهي" and nxt.isalpha() else c,
    "alef": lambda c, nxt, r: ALEFS.get(c, c) if r < 0.5 else c,
    "final ya -> alef maqsura": lambda c, nxt, r: "ى" if c == "ي" and not nxt.isalpha() else c,
    "final ta marbuta -> ha": lambda c, nxt, r: "ه" if c == "ة" and not nxt.isalpha() else c,
}


def perturb(doc, kind: str, seed: int = 0):
    """`doc` with every character passed through NOISE[kind] (which may add characters after
    it); gold spans keep covering the same characters."""
    import random
    from dataclasses import replace
    rng = random.Random(f"{seed}:{doc.id}:{kind}")
    text, out, starts, ends, pos = doc.text, [], [], [], 0
    for i, c in enumerate(text):
        piece = NOISE[kind](c, text[i + 1] if i + 1 < len(text) else " ", rng.random())
        out.append(piece)
        starts.append(pos)
        pos += len(piece)
        ends.append(pos)
    new_text = "".join(out)
    spans = [replace(s, start=starts[s.start], end=ends[s.end - 1], text=new_text[starts[s.start]:ends[s.end - 1]])
             for s in doc.entities]
    return replace(doc, text=new_text, entities=spans)


def score(model_dir: Path, config: str, noise: str | None = None) -> dict:
    from military_ner.annotations import load_gold
    from military_ner.data.generate import generate_documents
    from military_ner.modeling import TorchRecognizer
    from military_ner.config import load_config
    cfg = load_config(config)
    rec = TorchRecognizer.load(model_dir)
    generated = generate_documents(EVAL_DOCS, EVAL_SEED, filler=cfg.generated_filler)
    # the gold articles this run held out (a variant may hold out all five: generated data only)
    run_cfg = run_config(model_dir)
    held = (run_cfg or cfg).heldout
    heldout = [d for d in load_gold(ROOT / cfg.annotations, ROOT / cfg.seeds) if d.id in held]
    if noise:
        generated, heldout = [perturb(d, noise) for d in generated], [perturb(d, noise) for d in heldout]
    out = {}
    for name, docs in (("generated", generated), ("heldout", heldout)):
        m, predicted = evaluate(rec.predict, docs)
        out[name] = {"micro": m["strict"]["micro"]["f1"], **{t: m["strict"][t]["f1"] for t in TYPES},
                     "entities": m["gold_entities"],
                     "pr": {t: [m["strict"][t]["precision"], m["strict"][t]["recall"]] for t in (*TYPES, "micro")}}
        unseen = unseen_recall(run_cfg, docs, predicted) if name == "generated" and not noise else None
        if unseen:
            out["unseen"] = unseen
    return out


def run_config(model_dir: Path):
    """The config a training run saved beside its model, or None (an exported bundle has none)."""
    from military_ner.config import load_config
    path = model_dir / "config.yaml"
    return load_config(path) if path.exists() else None


def unseen_recall(cfg, gold, predicted) -> dict | None:
    """For a model trained with `generated_split=train` (`cfg`, its run's config): strict recall on
    the test articles' gold entities whose text never occurs as an entity in its generated training
    articles (generated again here, without name noise, so that variants of one split share one
    unseen set), and on the rest. None for other models."""
    from military_ner.data.generate import generate_documents
    if cfg is None or cfg.generated_split == "all":
        return None
    seen = {s.text for d in generate_documents(cfg.generated_docs, cfg.generated_seed, cfg.generated_filler,
                                               split=cfg.generated_split) for s in d.entities}
    counts = {"unseen": [0, 0], "seen": [0, 0]}
    by_type: dict[str, list[int]] = {}
    for d in gold:
        found = {(s.start, s.end, s.label) for s in predicted[d.id]}
        for s in d.entities:
            k = "seen" if s.text in seen else "unseen"
            hit = (s.start, s.end, s.label) in found
            counts[k][0] += hit
            counts[k][1] += 1
            if k == "unseen":
                by_type.setdefault(s.label, [0, 0])
                by_type[s.label][0] += hit
                by_type[s.label][1] += 1
    out = {k: {"recall": round(h / n, 3) if n else None, "entities": n} for k, (h, n) in counts.items()}
    out["unseen_by_type"] = {t: {"recall": round(h / n, 3), "entities": n} for t, (h, n) in sorted(by_type.items())}
    return out


def _by_type(h: dict) -> str:
    """Per-type F1 (precision/recall) of a held-out set large enough to read them (all five articles)."""
    if h["entities"] < 50 or "pr" not in h:
        return ""
    return ": " + ", ".join(f"{t} {h[t]:.2f} ({h['pr'][t][0]:.2f}/{h['pr'][t][1]:.2f})" for t in TYPES)


def row(name: str, r: dict) -> str:
    g, h = r["generated"], r["heldout"]
    line = (f"| {name} | {g['micro']:.3f} | " + " | ".join(f"{g[t]:.3f}" for t in TYPES)
            + f" | {h['micro']:.3f} ({h['entities']}){_by_type(h)} |")
    if "unseen" in r:
        u = r["unseen"]
        line += (f" {u['unseen']['recall']:.3f} ({u['unseen']['entities']}) | {u['seen']['recall']:.3f} | "
                 + ", ".join(f"{t} {v['recall']:.3f} ({v['entities']})" for t, v in u["unseen_by_type"].items()) + " |")
    return line


def git_state() -> str:
    """The commit the run starts from, marked when the tree has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {head}" + (" with uncommitted changes" if dirty else "")


def write_report(path: Path, runs: list[dict]) -> None:
    lines = ["# Ablations of the offline recipe", "",
             f"Strict micro F1 on {EVAL_DOCS} fresh generated articles (seed {EVAL_SEED}) per type, and on the held-out "
             "gold article(s) (entities in brackets; one article, so a difference of one or two entities is noise). "
             "The real-news dev set is not used here.", ""]
    for run in runs:
        lines += [f"    {run['command']}", ""] + ([f"Shared budget: `{run['common']}`", ""] if run["common"] else [])
        lines += [f"The model was trained by `{run['trained_by']}`.", ""] if run.get("trained_by") else []
        lines += [f"Code: {run['code']}. Generated test articles come from the data engine of that code, so "
                  "generated scores compare only within runs of the same data engine.", ""] if run.get("code") else []
        unseen = any("unseen" in v for v in run["results"].values())
        if unseen:
            lines += ["Trained with `generated_split=train` (a fifth of the gazetteer names never generated): the "
                      "last columns are strict recall on the test articles' entities whose text the training "
                      "articles never contain (unseen), on the others (seen), and on the unseen ones per type.", ""]
        lines += ["| variant | generated | " + " | ".join(TYPES) + " | held-out gold |"
                  + (" unseen recall | seen recall | unseen by type |" if unseen else ""),
                  "| --- | ---: | " + " | ".join("---:" for _ in TYPES) + " | ---: |"
                  + (" ---: | ---: | --- |" if unseen else "")]
        lines += [row(k, v) for k, v in run["results"].items()] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--variants", nargs="*", default=[], metavar="NAME=key=value ...")
    ap.add_argument("--common", default=COMMON, help=f"overrides shared by all variants (default: {COMMON})")
    ap.add_argument("--decoding", metavar="MODEL_DIR", help="compare decoders on one trained model instead")
    ap.add_argument("--robustness", metavar="MODEL_DIR", help="score one model on spelling-noised articles instead")
    ap.add_argument("--out", default="eval/ablations")
    args = ap.parse_args()
    if sum(map(bool, (args.decoding, args.variants, args.robustness))) > 1:
        ap.error("--decoding, --robustness and --variants are separate runs")
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    command = command_line()
    code = git_state()
    results = {}
    if args.decoding:
        import military_ner.modeling as modeling
        shipped = modeling.decode
        results["decoder: Viterbi + continue_fragments + span rules (shipped)"] = \
            score(Path(args.decoding), args.config)
        try:
            modeling.decode = decode_without_span_rules
            results["decoder: Viterbi + continue_fragments"] = score(Path(args.decoding), args.config)
            modeling.decode = argmax_decode
            results["decoder: argmax + continue_fragments"] = score(Path(args.decoding), args.config)
        finally:
            modeling.decode = shipped
    if args.robustness:
        results["clean text"] = score(Path(args.robustness), args.config)
        for kind in NOISE:
            results[f"noise: {kind}"] = score(Path(args.robustness), args.config, kind)
    for spec in args.variants:
        name, _, overrides = spec.partition("=")
        run_dir = ROOT / "models" / "ablation" / name
        cmd = [sys.executable, str(ROOT / "train.py"), "--config", args.config, "--output-dir", str(run_dir),
               *shlex.split(args.common), *shlex.split(overrides)]
        print(f"=== {name}: {' '.join(cmd[1:])}", flush=True)
        subprocess.run(cmd, check=True, cwd=ROOT)
        results[f"{name}: {overrides or '(config as it is)'}"] = score(run_dir, args.config)
    log = out / "results.json"
    runs = json.loads(log.read_text(encoding="utf-8")) if log.exists() else []
    if results:
        trained_by = None
        model_dir = Path(args.decoding or args.robustness or ".")
        if (model_dir / "metrics.json").exists():
            trained_by = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8")).get("command")
        runs.append({"command": command, "common": args.common if args.variants else None, "trained_by": trained_by,
                     "code": code, "results": results})
        log.write_text(json.dumps(runs, ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(out / "report.md", runs)
    for k, v in results.items():
        print(row(k, v))
    print(f"wrote {out}/report.md")


if __name__ == "__main__":
    main()
