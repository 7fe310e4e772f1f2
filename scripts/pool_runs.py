"""Pool several finished train.py runs into one report.

    python scripts/pool_runs.py --out eval/parallel-runs/report.md models/exp/par/*/

Each run directory holds the metrics.json that train.py writes. Two readings come out:
- runs that differ only in their held-out gold article form a leave-one-article-out CV: their
  held-out entities are pooled by counts (correct / predicted / gold per type);
- every run scored the real-news dev set: its mean, spread and range over runs, per type.
Runs are grouped by (seed, generated_seed) for the pooling; the dev set is only read here.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

from military_ner.evaluation import bootstrap_f1, interval_line
from military_ner.schema import TYPES


def load_run(path: Path) -> dict:
    metrics_file = path / "metrics.json"
    config_file = path / "config.yaml"
    if not metrics_file.exists():
        raise SystemExit(f"error: {metrics_file} not found; is {path} a finished train.py run?")
    import yaml
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    cfg = yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    return {"name": path.name, "metrics": metrics, "config": cfg}


def prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pooled_table(tables: list[dict]) -> list[str]:
    """Markdown rows from strict score tables summed by counts."""
    rows = ["| type | precision | recall | F1 | gold |", "| --- | ---: | ---: | ---: | ---: |"]
    for key in (*TYPES, "micro"):
        c = sum(t[key]["correct"] for t in tables)
        n_pred = sum(t[key]["predicted"] for t in tables)
        gold = sum(t[key]["support"] for t in tables)
        p, r, f = prf(c, n_pred, gold)
        rows.append(f"| {key} | {p:.3f} | {r:.3f} | {f:.3f} | {gold} |")
    return rows


def spread(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} | {sd:.3f} | {min(values):.3f} | {max(values):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", type=Path, help="train.py run directories")
    ap.add_argument("--out", type=Path, required=True, help="markdown report to write")
    ap.add_argument("--command", default=None, help="the command that produced the runs, for the report")
    args = ap.parse_args()
    runs = [load_run(p) for p in args.runs]
    for r in runs:
        held = r["metrics"].get("heldout_gold")
        if held and "correct" not in held["strict"]["micro"]:
            raise SystemExit(f"error: {r['name']}: metrics.json has no counts (written before evaluation.score "
                             "recorded correct/predicted); re-run it")

    lines = ["# Pooled runs", "", "Produced by:", "",
             f"    python scripts/pool_runs.py --out {args.out} {' '.join(str(p) for p in args.runs)}", ""]
    if args.command:
        lines += ["Runs made by:", "", f"    {args.command}", ""]
    lines += ["| run | held out | seed | data seed | steps | train s | tokens/s | held-out F1 | dev F1 |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in runs:
        m, c = r["metrics"], r["config"]
        held = m.get("heldout_gold", {}).get("strict", {}).get("micro", {}).get("f1")
        dev = m.get("real_dev", {}).get("strict", {}).get("micro", {}).get("f1")
        t = m["training"]
        lines.append(f"| {r['name']} | {', '.join(m.get('heldout_ids', [])) or '-'} | {c.get('seed', '?')} | "
                     f"{c.get('generated_seed', '?')} | {t['steps']} | {t['train_seconds']} | "
                     f"{t.get('tokens_per_second') or '-'} | {held if held is not None else '-'} | "
                     f"{dev if dev is not None else '-'} |")

    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["config"].get("seed"), r["config"].get("generated_seed")), []).append(r)
    for (seed, gseed), members in sorted(groups.items(), key=lambda kv: str(kv[0])):
        held = {tuple(r["metrics"].get("heldout_ids", [])): r for r in members if r["metrics"].get("heldout_gold")}
        if len(held) < 2:
            continue
        ids = sorted(i for k in held for i in k)
        lines += ["", f"## Held-out gold pooled over {len(held)} runs (seed {seed}, data seed {gseed})", "",
                  f"Each article was held out of exactly one run and never trained on in it: {', '.join(ids)}. "
                  "seqeval strict (IOB2), summed by counts:", ""]
        lines += pooled_table([r["metrics"]["heldout_gold"]["strict"] for r in held.values()])
        per_doc = {}
        for r in held.values():
            per_doc.update(r["metrics"]["heldout_gold"].get("per_document", {}))
        if len(per_doc) == len(ids):  # runs scored since evaluation.score kept per-document counts
            lines += ["", interval_line(bootstrap_f1(per_doc), "Pooled strict micro F1")]

    dev_runs = [r for r in runs if r["metrics"].get("real_dev")]
    if dev_runs:
        lines += ["", f"## Real-news dev set over {len(dev_runs)} runs (evaluation only)", "",
                  "Strict F1 of each run, then mean, sample standard deviation, min and max over runs:", "",
                  "| type | mean | sd | min | max |", "| --- | ---: | ---: | ---: | ---: |"]
        for key in (*TYPES, "micro"):
            lines.append(f"| {key} | {spread([r['metrics']['real_dev']['strict'][key]['f1'] for r in dev_runs])} |")
        base = dev_runs[0]["metrics"].get("baseline_real_dev", {}).get("strict", {}).get("micro", {}).get("f1")
        if base is not None:
            lines += ["", f"Gazetteer baseline on the same set: {base:.3f}."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
