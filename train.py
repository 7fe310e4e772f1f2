"""Fine-tune a token classifier for military entities in Arabic news.

    python train.py --config configs/offline.yaml            # offline: builds its own small BERT
    python train.py --config configs/smoke.yaml              # the same path in a minute (CI)
    python train.py --config configs/arabert.yaml            # aubmindlab/bert-base-arabertv02 (network + GPU)
    python train.py --config configs/arabert.yaml --model /path/to/local/arabert
    python train.py --config configs/offline.yaml --cv       # leave-one-article-out cross-validation
    python train.py --config configs/offline.yaml --all-gold # deployment model on all five articles
    python train.py --config configs/offline.yaml epochs=2 lr=3e-4   # key=value overrides
    accelerate launch train.py --config configs/arabert.yaml # several GPUs (Trainer uses accelerate)

Steps: config -> seed -> gold split -> (offline) base model -> training data -> fine-tune with
early stopping on the held-out article -> evaluate with seqeval on the held-out article and the
real-news dev set -> save a Hugging Face model directory with metrics.json, report.md, a model
card and the resolved config. Reports are copied to eval/<run name>/.
Time and score for each config are in README.md ("Expected time and score").
"""
import argparse
import dataclasses
import json
import shutil
import sys
from pathlib import Path

from military_ner.annotations import load_gold
from military_ner.evaluation import summary_line, table_md, write_json, write_run_report
from military_ner.modeling import ModelLoadError
from military_ner.config import command_line, load_config, parse_overrides, repo_path
from military_ner.training import MemberError, cross_validate, ensure_base, train_and_evaluate

# ---- options and config: defaults (TrainConfig) <- YAML <- flags <- key=value
parser = argparse.ArgumentParser(description="Fine-tune a military-entity token classifier.")
parser.add_argument("--config", required=True, help="YAML config, e.g. configs/offline.yaml")
parser.add_argument("--model", help="hub id or local directory of the checkpoint to fine-tune (overrides the config)")
parser.add_argument("--output-dir", help="run directory (default: the config's output_dir)")
parser.add_argument("--all-gold", action="store_true", help="train on all gold articles (deployment model)")
parser.add_argument("--cv", action="store_true", help="leave-one-article-out cross-validation instead of one run")
parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in the run directory")
parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")
args = parser.parse_args()

try:
    overrides = parse_overrides(args.overrides)
    if args.model:
        overrides["model"], overrides["build_base"] = args.model, False
    if args.output_dir:
        overrides["output_dir"] = args.output_dir
    if args.all_gold:
        overrides["all_gold"] = True
    cfg = load_config(args.config, overrides)
except (ValueError, FileNotFoundError) as exc:
    sys.exit(f"error: {exc}")
out_dir = repo_path(cfg.output_dir)
# reports worth keeping go to eval/<run name>/ for runs directly in the repo's models/; other runs
# (elsewhere, or nested like the ablation runs in models/ablation/) keep theirs
eval_dir = repo_path("eval") / (out_dir.name + ("-cv" if args.cv else ""))
if out_dir.resolve().parent != repo_path("models").resolve():
    eval_dir = out_dir.with_name(out_dir.name + "-cv") if args.cv else out_dir
command = command_line()

try:
    # ---- the offline base model (tokenizer + small BERT from our own text), when the config asks for it
    ensure_base(cfg)

    # ---- cross-validation: five folds of the same recipe, pooled scores
    if args.cv:
        cv = cross_validate(cfg, out_dir.with_name(out_dir.name + "-cv"))
        cv["command"] = command
        eval_dir.mkdir(parents=True, exist_ok=True)
        write_json(eval_dir / "cv.json", cv)
        lines = [f"# Leave-one-article-out cross-validation: {Path(args.config).name}", "", "Produced by:", "",
                 f"    {command}", "", "| test article | " + " | ".join(["micro F1", "RANK", "UNIT", "EXERCISE", "ENVOY"]) + " |",
                 "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for doc_id, fold in cv["folds"].items():
            s = fold["metrics"]["strict"]
            cells = [f"{s[k]['f1']:.3f} ({s[k]['support']})" for k in ("micro", "MILITARY_RANK", "UNIT", "EXERCISE", "FOREIGN_ENVOY")]
            lines.append(f"| {doc_id} | " + " | ".join(cells) + " |")
        lines += ["", "Pooled over all folds, seqeval strict (IOB2):", "", table_md(cv["pooled"]), "",
                  "Pooled, seqeval default mode:", "", table_md(cv["pooled"], "default"), ""]
        (eval_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
        print(f"cross-validation: {summary_line(cv['pooled'])}\nwrote {eval_dir}/cv.json and report.md")
        sys.exit(0)

    # ---- gold split: held-out articles are never trained on in this run
    gold = load_gold(repo_path(cfg.annotations), repo_path(cfg.seeds))
    heldout = [] if cfg.all_gold else [d for d in gold if d.id in set(cfg.heldout)]
    unknown = set(cfg.heldout) - {d.id for d in gold}
    if unknown and not cfg.all_gold:
        sys.exit(f"error: heldout article(s) {sorted(unknown)} are not in the gold; known: {[d.id for d in gold]}")
    train_gold = [d for d in gold if d not in heldout]

    # ---- data, fine-tuning, evaluation
    metrics = train_and_evaluate(cfg, train_gold, heldout, out_dir, resume=args.resume)
except (ModelLoadError, MemberError) as exc:
    sys.exit(f"error: {exc}")

# ---- reports: the run directory, and a copy under eval/
cv_file = repo_path("eval") / (out_dir.name.replace("-all", "") + "-cv") / "cv.json"
cv = json.loads(cv_file.read_text(encoding="utf-8")) if cfg.all_gold and cv_file.exists() else None
write_run_report(out_dir, metrics, command, dataclasses.asdict(cfg), cv)
if eval_dir != out_dir:
    eval_dir.mkdir(parents=True, exist_ok=True)
    for name in ("metrics.json", "report.md"):
        shutil.copy(out_dir / name, eval_dir / name)
for key in ("heldout_gold", "real_dev"):
    if key in metrics:
        b = metrics[key].get("bootstrap")
        print(f"{key}: {summary_line(metrics[key])}" + (f"; 95% interval {b['low']:.3f}-{b['high']:.3f}" if b else ""))
print(f"model saved to {out_dir}; reports in {out_dir}/report.md and {eval_dir}/")
