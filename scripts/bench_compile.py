"""Training speed with `torch.compile` against eager PyTorch, in one run, on the offline recipe's steps.

    python scripts/bench_compile.py [--threads 1] [--rounds 4]

The same model, windows and length-grouped batches as `scripts/bench_training.py`, bf16 autocast as
the offline recipe trains; the compiled model (inductor, dynamic shapes: batches differ in length)
shares the eager one's weights and optimizer. Compilation happens in an untimed warm-up over
`--warmup` batches of different lengths; then both are timed in turns. One thread by default: each
of the shipped recipe's two members trains at one thread. Writes eval/bench-training/compile.{md,json}.
"""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_training import bench_arguments, bench_config, fine_tuning_setup, fine_tuning_step, in_turns  # noqa: E402

from military_ner.evaluation import write_json  # noqa: E402
from military_ner.config import command_line, repo_path  # noqa: E402
from military_ner.training import length_grouped_order  # noqa: E402


def main():
    ap = bench_arguments(__doc__.splitlines()[0], rounds=4, threads=1)
    ap.add_argument("--warmup", type=int, default=12, help="untimed compiled steps before timing")
    args = ap.parse_args()
    cfg = bench_config(args)
    import torch
    model, rows, opt, collate = fine_tuning_setup(cfg)
    order = length_grouped_order([len(r["input_ids"]) for r in rows], cfg.batch_size, cfg.seed, 0)
    compiled = torch.compile(model, dynamic=True)
    slots = [0, 0]
    steps = {"eager": fine_tuning_step(model, opt, rows, order, cfg.batch_size, collate, slots, bf16=True),
             "torch.compile": fine_tuning_step(compiled, opt, rows, order, cfg.batch_size, collate, slots, bf16=True)}
    t0 = time.perf_counter()
    for k in range(args.warmup):
        steps["torch.compile"](k)
    warmup = time.perf_counter() - t0
    print(f"compiled warm-up: {warmup:.1f} s for {args.warmup} steps", flush=True)
    res = in_turns(steps, args.rounds, args.steps)
    speedup = round(res["eager"]["median_seconds_per_step"] / res["torch.compile"]["median_seconds_per_step"], 3)
    command = command_line()
    out = repo_path(args.out)
    write_json(out / "compile.json", {"command": command, "threads": args.threads, "torch": torch.__version__,
                                      "warmup_seconds": round(warmup, 1), "variants": res, "speedup": speedup})
    lines = ["# Fine-tuning steps: torch.compile against eager PyTorch", "", "Produced by:", "", f"    {command}", "",
             f"{args.threads} thread(s), torch {torch.__version__}, bf16 autocast, length-grouped batches of "
             f"{cfg.batch_size} windows ({len(rows)} windows); timed in turns, {args.rounds} turns of {args.steps} "
             f"steps each, after {args.warmup} untimed compiled steps ({warmup:.0f} s of compiling).", "",
             "| variant | median s/step | real tokens/s |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {v['median_seconds_per_step']:.3f} | {v['real_tokens_per_second']} |" for k, v in res.items()]
    verdict = "faster" if speedup > 1 else "slower"
    lines += ["", f"Compiled steps are {speedup:.2f}x as fast as eager ones ({verdict}), before counting the "
              f"{warmup:.0f} s of compiling that every training process would pay.", ""]
    (out / "compile.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {out / 'compile.md'} and {out / 'compile.json'}")


if __name__ == "__main__":
    main()
