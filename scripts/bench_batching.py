"""Training speed with length-grouped batches against random batches, measured in one run.

    python scripts/bench_batching.py --config configs/offline.yaml

Builds the config's training windows (its gold articles plus `--docs` generated articles,
filler as configured), loads the config's model, and times optimizer steps (forward,
backward, AdamW) on batches in the two orders that `train.py` can use: random
(`group_by_length=false`) and `training.length_grouped_order` (the default). The two are
timed in turns, `--rounds` times `--steps` steps each, so both see the same machine load;
the ratio of their medians is the figure. Writes eval/bench-batching/{report.md,results.json}.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.evaluation import write_json  # noqa: E402
from military_ner.training import (Collator, encode, ensure_base, length_grouped_order, load_config,  # noqa: E402
                                   parse_overrides, repo_path, training_documents)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--docs", type=int, default=600, help="generated articles to cut windows from")
    ap.add_argument("--steps", type=int, default=8, help="timed steps per turn")
    ap.add_argument("--rounds", type=int, default=4, help="turns per order")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="eval/bench-batching")
    ap.add_argument("overrides", nargs="*", help="key=value config overrides")
    args = ap.parse_args()

    import numpy as np
    import torch

    from military_ner.annotations import load_gold
    from military_ner.modeling import load_checkpoint
    from military_ner.text import Preprocessing
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = load_config(args.config, {**parse_overrides(args.overrides), "generated_docs": args.docs})
    ensure_base(cfg)
    gold = [d for d in load_gold(repo_path(cfg.annotations), repo_path(cfg.seeds)) if d.id not in cfg.heldout]
    model, tok = load_checkpoint(str(repo_path(cfg.model)))
    ds = encode(training_documents(cfg, gold, log=lambda *_: None), tok, Preprocessing.from_dict(cfg.preprocessing),
                cfg.max_length, cfg.stride)
    rows = [ds[i] for i in range(len(ds))]
    lengths = [len(r["input_ids"]) for r in rows]
    bs, collate = cfg.batch_size, Collator(tok.pad_token_id)
    orders = {"random": [int(i) for i in np.random.default_rng([cfg.seed, 0]).permutation(len(rows))],
              "length-grouped": length_grouped_order(lengths, bs, cfg.seed, 0)}
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    model.train()
    cursor = {k: 0 for k in orders}
    timed = {k: {"seconds": [], "tokens": 0, "slots": 0} for k in orders}

    def step(batch):
        out = model(**batch)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    step(collate(rows[:bs]))  # warm-up, not timed
    for r in range(args.rounds):
        for name, order in orders.items():
            batches = []
            for _ in range(args.steps):
                idx = order[cursor[name]:cursor[name] + bs]
                cursor[name] = (cursor[name] + bs) % (len(order) - bs)
                batches.append(collate([rows[i] for i in idx]))
            t0 = time.perf_counter()
            for b in batches:
                step(b)
            timed[name]["seconds"].append(time.perf_counter() - t0)
            timed[name]["tokens"] += sum(int(b["attention_mask"].sum()) for b in batches)
            timed[name]["slots"] += sum(b["input_ids"].numel() for b in batches)
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{k} {timed[k]['seconds'][-1] / args.steps:.3f} s/step"
                                                         for k in orders), flush=True)

    res = {"command": "python scripts/bench_batching.py " + " ".join(sys.argv[1:]), "config": args.config,
           "windows": len(rows), "batch_size": bs, "max_length": cfg.max_length, "threads": args.threads,
           "steps_per_turn": args.steps, "rounds": args.rounds, "orders": {}}
    for name, t in timed.items():
        per_step = statistics.median(t["seconds"]) / args.steps
        res["orders"][name] = {"median_seconds_per_step": round(per_step, 4),
                               "real_tokens_per_second": round(t["tokens"] / sum(t["seconds"])),
                               "batch_slots_filled": round(t["tokens"] / t["slots"], 3)}
    ratio = res["orders"]["random"]["median_seconds_per_step"] / res["orders"]["length-grouped"]["median_seconds_per_step"]
    res["speedup"] = round(ratio, 3)
    out = repo_path(args.out)
    write_json(out / "results.json", res)
    lines = ["# Training steps: length-grouped against random batches", "", "Produced by:", "",
             f"    {res['command']}", "",
             f"{args.config}: {len(rows)} training windows (max {cfg.max_length} tokens), batches of {bs}, "
             f"{args.threads} threads; {args.rounds} turns of {args.steps} timed steps per order, taken in turns.", "",
             "| order | median s/step | real tokens/s | batch slots filled |", "| --- | ---: | ---: | ---: |"]
    for name, o in res["orders"].items():
        lines.append(f"| {name} | {o['median_seconds_per_step']:.3f} | {o['real_tokens_per_second']} | "
                     f"{o['batch_slots_filled']:.3f} |")
    lines += ["", f"Length-grouped steps are {ratio:.2f}x as fast as random ones (ratio of the medians)."]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
