"""Training speed: length-grouped batches, bf16 steps and the masked-only MLM head, each pair in one run.

    python scripts/bench_training.py --config configs/offline.yaml

Builds the config's training windows (its gold articles plus `--docs` generated articles,
filler as configured), loads the config's model, and times optimizer steps (forward,
backward, AdamW) on batches in the two orders that `train.py` can use: random
(`group_by_length=false`) and `training.length_grouped_order` (the default), then fp32 steps
against bf16-autocast ones (`precision: bf16`), then the masked-LM head on every position against
masked positions only. Each pair is timed in turns, `--rounds` times `--steps` steps each, so both
see the same machine load; the ratio of their medians is the figure. Writes
eval/bench-training/{report.md,results.json}.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.evaluation import write_json  # noqa: E402
from military_ner.config import command_line, load_config, parse_overrides, repo_path  # noqa: E402
from military_ner.training import Collator, encode, ensure_base, length_grouped_order, training_documents  # noqa: E402


def in_turns(variants: dict, rounds: int, steps: int) -> dict:
    """Time `steps` calls of each variant's step function, variant after variant, `rounds` times.
    A step function takes the call number and returns how many real tokens it processed."""
    timed = {k: {"seconds": [], "tokens": 0} for k in variants}
    for fn in variants.values():
        fn(-1)  # warm-up, not timed
    calls = 0
    for r in range(rounds):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                timed[name]["tokens"] += fn(calls)
                calls += 1
            timed[name]["seconds"].append(time.perf_counter() - t0)
        print(f"round {r + 1}/{rounds}: " + ", ".join(f"{k} {timed[k]['seconds'][-1] / steps:.3f} s/step"
                                                    for k in variants), flush=True)
    return {k: {"median_seconds_per_step": round(statistics.median(t["seconds"]) / steps, 4),
                "real_tokens_per_second": round(t["tokens"] / sum(t["seconds"]))} for k, t in timed.items()}


def fine_tuning_setup(cfg):
    """The config's model, its training windows as rows, an AdamW optimizer and the collator."""
    import torch

    from military_ner.annotations import load_gold
    from military_ner.modeling import load_checkpoint
    from military_ner.text import Preprocessing
    gold = [d for d in load_gold(repo_path(cfg.annotations), repo_path(cfg.seeds)) if d.id not in cfg.heldout]
    model, tok = load_checkpoint(str(repo_path(cfg.model)))
    ds = encode(training_documents(cfg, gold, log=lambda *_: None), tok, Preprocessing.from_dict(cfg.preprocessing),
                cfg.max_length, cfg.stride)
    model.train()
    return model, [ds[i] for i in range(len(ds))], torch.optim.AdamW(model.parameters(), lr=cfg.lr), \
        Collator(tok.pad_token_id)


def fine_tuning_step(model, opt, rows, order, bs, collate, slots, bf16=False):
    """A step function for `in_turns`: one optimizer step on batch k of `order`, in bf16 autocast or fp32."""
    import torch

    def step(k):
        # batch number k * 7919 mod the number of full batches: a few dozen steps then sample
        # the whole epoch (short and long windows alike), not one stretch of it
        at = (max(k, 0) * 7919 % (len(order) // bs)) * bs
        batch = collate([rows[i] for i in order[at:at + bs]])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        real = int(batch["attention_mask"].sum())
        slots[0] += real
        slots[1] += batch["input_ids"].numel()
        return real
    return step


def fine_tuning_orders(cfg, setup, rounds: int, steps: int) -> dict:
    import numpy as np
    model, rows, opt, collate = setup
    lengths = [len(r["input_ids"]) for r in rows]
    bs = cfg.batch_size
    orders = {"random": [int(i) for i in np.random.default_rng([cfg.seed, 0]).permutation(len(rows))],
              "length-grouped": length_grouped_order(lengths, bs, cfg.seed, 0)}
    slots = {k: [0, 0] for k in orders}
    res = in_turns({k: fine_tuning_step(model, opt, rows, o, bs, collate, slots[k]) for k, o in orders.items()},
                   rounds, steps)
    for k in orders:
        res[k]["batch_slots_filled"] = round(slots[k][0] / slots[k][1], 3)
    return {"windows": len(rows), "batch_size": bs, "max_length": cfg.max_length, "orders": res}


def fine_tuning_precisions(cfg, setup, rounds: int, steps: int) -> dict:
    """fp32 steps against bf16-autocast steps (`precision: bf16`) on the same length-grouped batches."""
    from military_ner.training import cpu_has_native_bf16
    model, rows, opt, collate = setup
    order = length_grouped_order([len(r["input_ids"]) for r in rows], cfg.batch_size, cfg.seed, 0)
    slots = [0, 0]
    res = in_turns({p: fine_tuning_step(model, opt, rows, order, cfg.batch_size, collate, slots, bf16=p == "bf16")
                    for p in ("fp32", "bf16")}, rounds, steps)
    return {"native_bf16": cpu_has_native_bf16(), "precisions": res,
            "speedup": round(res["fp32"]["median_seconds_per_step"] / res["bf16"]["median_seconds_per_step"], 3)}


def mlm_heads(cfg, rounds: int, steps: int) -> dict:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from military_ner.offline import BaseSpec, masked_lm_loss
    spec = BaseSpec(**cfg.base)
    model = BertForMaskedLM(BertConfig(vocab_size=spec.vocab_size, hidden_size=spec.hidden,
                                       num_hidden_layers=spec.layers, num_attention_heads=spec.heads,
                                       intermediate_size=spec.intermediate, max_position_embeddings=spec.max_position))
    opt = torch.optim.AdamW(model.parameters(), lr=spec.mlm_lr)
    model.train()
    g = torch.Generator().manual_seed(0)

    def batch():
        ids = torch.randint(5, spec.vocab_size, (spec.mlm_batch_size, spec.mlm_seq_len), generator=g)
        masked = torch.rand(ids.shape, generator=g) < 0.15
        return ids, torch.where(masked, ids, torch.full_like(ids, -100))

    def full(k):
        ids, labels = batch()
        model(input_ids=ids, labels=labels).loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return ids.numel()

    def masked_only(k):
        ids, labels = batch()
        masked_lm_loss(model, ids, labels).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return ids.numel()
    return {"vocab_size": spec.vocab_size, "batch": [spec.mlm_batch_size, spec.mlm_seq_len],
            "heads": in_turns({"head on every position": full, "head on masked positions": masked_only}, rounds, steps)}




def bench_arguments(description: str, rounds: int, threads: int) -> argparse.ArgumentParser:
    """The options every training benchmark shares (config, windows, turns, threads, output)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--config", default="configs/offline.yaml")
    ap.add_argument("--docs", type=int, default=600, help="generated articles to cut windows from")
    ap.add_argument("--steps", type=int, default=10, help="timed steps per turn")
    ap.add_argument("--rounds", type=int, default=rounds, help="turns per variant")
    ap.add_argument("--threads", type=int, default=threads)
    ap.add_argument("--out", default="eval/bench-training")
    ap.add_argument("overrides", nargs="*", help="key=value config overrides")
    return ap


def bench_config(args):
    """Threads and seed set, the config loaded with `--docs` generated articles, its base built if missing."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = load_config(args.config, {**parse_overrides(args.overrides), "generated_docs": args.docs})
    ensure_base(cfg)
    return cfg


def main():
    args = bench_arguments(__doc__.splitlines()[0], rounds=6, threads=2).parse_args()
    cfg = bench_config(args)
    res = {"command": command_line(), "config": args.config,
           "threads": args.threads, "steps_per_turn": args.steps, "rounds": args.rounds}
    setup = fine_tuning_setup(cfg)  # one model and one set of windows for both fine-tuning pairs
    print("fine-tuning: random vs length-grouped batches", flush=True)
    res["fine_tuning"] = fine_tuning_orders(cfg, setup, args.rounds, args.steps)
    print("fine-tuning: fp32 vs bf16 steps", flush=True)
    res["precision"] = fine_tuning_precisions(cfg, setup, args.rounds, args.steps)
    print("masked-LM pretraining: head on every position vs on masked positions", flush=True)
    res["mlm"] = mlm_heads(cfg, args.rounds, args.steps)
    ft, mlm = res["fine_tuning"]["orders"], res["mlm"]["heads"]
    res["fine_tuning"]["speedup"] = round(ft["random"]["median_seconds_per_step"]
                                          / ft["length-grouped"]["median_seconds_per_step"], 3)
    res["mlm"]["speedup"] = round(mlm["head on every position"]["median_seconds_per_step"]
                                  / mlm["head on masked positions"]["median_seconds_per_step"], 3)
    out = repo_path(args.out)
    write_json(out / "results.json", res)
    f = res["fine_tuning"]
    lines = ["# Training speed: length-grouped batches, bf16 steps and the masked-only MLM head", "", "Produced by:", "",
             f"    {res['command']}", "",
             f"{args.threads} threads; each pair timed in turns, {args.rounds} turns of {args.steps} steps per variant "
             "(forward, backward, AdamW step); the speed-up is the ratio of the median seconds per step.", "",
             f"## Fine-tuning ({args.config}: {f['windows']} windows of at most {f['max_length']} tokens, "
             f"batches of {f['batch_size']})", "",
             "| batch order | median s/step | real tokens/s | batch slots filled |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {k} | {o['median_seconds_per_step']:.3f} | {o['real_tokens_per_second']} | {o['batch_slots_filled']:.3f} |"
              for k, o in f["orders"].items()]
    pr = res["precision"]
    lines += ["", f"Length-grouped steps are {f['speedup']:.2f}x as fast as random ones.", "",
              "## Fine-tuning in fp32 and in bf16 (`precision: bf16`, the same length-grouped batches)", "",
              f"This CPU {'has' if pr['native_bf16'] else 'has no'} bf16 instructions (AVX512-BF16 or AMX).", "",
              "| precision | median s/step | real tokens/s |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {o['median_seconds_per_step']:.3f} | {o['real_tokens_per_second']} |"
              for k, o in pr["precisions"].items()]
    lines += ["", f"bf16 steps are {pr['speedup']:.2f}x as fast as fp32 ones.", "",
              f"## Masked-LM pretraining (vocabulary {res['mlm']['vocab_size']}, batches of "
              f"{res['mlm']['batch'][0]} x {res['mlm']['batch'][1]}, 15% masked)", "",
              "| MLM head | median s/step | tokens/s |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {o['median_seconds_per_step']:.3f} | {o['real_tokens_per_second']} |" for k, o in mlm.items()]
    lines += ["", f"The masked-only head makes a pretraining step {res['mlm']['speedup']:.2f}x as fast."]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
