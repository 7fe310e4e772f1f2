"""Learning curve: leave-one-article-out F1 against the number of generated articles.

    python scripts/learning_curve.py --config configs/offline.yaml max_steps=200 --points 0 500 1500 3000

Every point is a full cross-validation (`training.cross_validate`: five folds, each trained
on four gold articles plus N generated ones, tested on the fifth) with the same fixed step
budget, so the curve shows what more (and more varied) generated data buys at the same
compute. The offline base is built once, as `train.py` builds it. Writes
eval/learning-curve/{curve.json,report.md,curve.png}; key=value overrides go to the config.
"""
import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from military_ner.evaluation import write_json
from military_ner.schema import TYPES
from military_ner.config import command_line, load_config, parse_overrides, repo_path
from military_ner.training import cross_validate, ensure_base


def plot(points: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    xs = [p["generated_docs"] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    ax.plot(xs, [p["micro"] for p in points], "o-", lw=2, label="micro F1 (strict)")
    for t in TYPES:
        ax.plot(xs, [p[t] for p in points], ".--", alpha=0.7, label=f"{t} F1")
    ax.set_xlabel("generated articles in the training data")
    ax.set_ylabel("leave-one-article-out F1")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Offline model: F1 against generated data (5-fold LOAO on gold)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--points", type=int, nargs="+", default=[0, 500, 1500, 3000], help="generated_docs values")
    ap.add_argument("--out", default="eval/learning-curve")
    ap.add_argument("overrides", nargs="*", metavar="key=value")
    args = ap.parse_args()
    cfg = load_config(args.config, parse_overrides(args.overrides))
    out = repo_path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ensure_base(cfg)
    points = []
    for n in args.points:
        print(f"=== generated_docs={n}", flush=True)
        with tempfile.TemporaryDirectory(prefix="military-ner-curve-") as tmp:  # fold models are not kept
            cv = cross_validate(dataclasses.replace(cfg, generated_docs=n), Path(tmp) / "cv")
        strict = cv["pooled"]["strict"]
        points.append({"generated_docs": n, "micro": strict["micro"]["f1"],
                       **{t: strict[t]["f1"] for t in TYPES},
                       "folds": {k: f["metrics"]["strict"]["micro"]["f1"] for k, f in cv["folds"].items()}})
        write_json(out / "curve.json", {"command": command_line(), "points": points})  # kept as it grows
    plot(points, out / "curve.png")
    rows = ["# Learning curve: generated articles vs leave-one-article-out F1", "", "Produced by:", "",
            f"    {command_line()}", "",
            "Pooled strict F1 over the five folds (each fold: four gold articles + N generated, tested on the fifth).", "",
            "| generated articles | micro | " + " | ".join(TYPES) + " | per fold (micro) |",
            "| ---: | ---: | " + " | ".join("---:" for _ in TYPES) + " | --- |"]
    for p in points:
        rows.append(f"| {p['generated_docs']} | {p['micro']:.3f} | " + " | ".join(f"{p[t]:.3f}" for t in TYPES)
                    + " | " + " / ".join(f"{v:.2f}" for v in p["folds"].values()) + " |")
    rows += ["", "![learning curve](curve.png)", ""]
    (out / "report.md").write_text("\n".join(rows), encoding="utf-8")
    print(f"wrote {out}/curve.json, report.md, curve.png")


if __name__ == "__main__":
    sys.exit(main())
