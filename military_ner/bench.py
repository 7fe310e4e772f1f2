"""CPU inference benchmark: PyTorch fp32 / dynamic int8 against ONNX Runtime fp32 / int8.

    military-ner bench --model models/run             # ~10-15 min on 2 cores; eval/bench.md + .json
    military-ner bench --model models/run --quick     # smoke run: eval/bench-quick.md

Models: the trained run (`--model`, exported with `export.export`, so ORT int8 uses the
settings its gate chose) and a randomly initialised BERT with AraBERT-base's shape (vocab
64000, 12 layers, hidden 768, 12 heads, intermediate 3072) exported the same way
(`to_onnx`, `fuse`, `quantize` with the first int8 setting). Inputs: the same random token
ids for every engine, full attention masks, batch 1 and 8 x sequence 128 and 512.
Engines: PyTorch eager fp32 (the default attention `TorchRecognizer` uses), PyTorch
`torch.ao.quantization.quantize_dynamic` on Linear, ORT fp32 and int8 through
`runtime.make_session` (threads = cores). Each engine runs in its own subprocess, so ORT's
spinning threads never slow PyTorch down. Latency is per `session.run` / forward call: a
document in a batch of 8 waits for the whole batch. This module measures; it does not
export bundles for use (`export.py`) or tag texts.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ENGINES = ("torch-fp32", "torch-int8", "ort-fp32", "ort-int8")
BASE_SHAPE = {"vocab_size": 64000, "num_hidden_layers": 12, "hidden_size": 768, "num_attention_heads": 12,
              "intermediate_size": 3072, "max_position_embeddings": 512}


# ---------------------------------------------------------------------------- worker (one engine)

def _runner(engine: str, model_dir: Path, threads: int):
    """A function (ids, mask) -> logits for one engine; imports only what it needs."""
    if engine.startswith("ort"):
        from .runtime import make_session
        files = json.loads((model_dir / "bench_models.json").read_text())
        sess = make_session(model_dir / files[engine], threads=threads, spinning=True)
        return lambda ids, mask: sess.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
    import torch
    from transformers import AutoModelForTokenClassification
    torch.set_num_threads(threads)
    model = AutoModelForTokenClassification.from_pretrained(str(model_dir)).eval()
    if engine == "torch-int8":
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)

    def run(ids, mask):
        with torch.inference_mode():
            return model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()
    return run


def worker(engine: str, model_dir: Path, inputs: Path, threads: int, seconds: float, min_runs: int) -> list[dict]:
    """Time `engine` on every input shape: 1-2 warm-up calls, then at least `min_runs` calls
    and up to `seconds` per shape."""
    run = _runner(engine, model_dir, threads)
    data = np.load(inputs)
    rows = []
    for key in sorted(k for k in data.files if k.startswith("ids_")):
        ids = data[key]
        mask = np.ones_like(ids)
        for _ in range(1 if ids.size >= 2048 else 2):
            run(ids, mask)
        times, t_end = [], time.perf_counter() + seconds
        while len(times) < min_runs or (time.perf_counter() < t_end and len(times) < 200):
            t0 = time.perf_counter()
            run(ids, mask)
            times.append(time.perf_counter() - t0)
        b, s = ids.shape
        rows.append({"engine": engine, "batch": b, "seq": s, "runs": len(times),
                     "tokens_per_s": round(b * s * len(times) / sum(times), 1),
                     "p50_ms": round(1000 * float(np.percentile(times, 50)), 2),
                     "p90_ms": round(1000 * float(np.percentile(times, 90)), 2)})
    return rows


# ---------------------------------------------------------------------------- models and inputs

def _prepare_trained(run_dir: Path, work: Path, log) -> Path:
    from .export import export
    bundle = work / "trained_bundle"
    export(run_dir, bundle, log=lambda *a: None)
    info = json.loads((bundle / "bundle.json").read_text())
    model_dir = work / "trained"
    shutil.copytree(run_dir, model_dir, ignore=shutil.ignore_patterns("checkpoints"))
    for name in ("model.onnx", "model.int8.onnx"):
        shutil.copyfile(bundle / name, model_dir / name)
    (model_dir / "bench_models.json").write_text(json.dumps({"ort-fp32": "model.onnx", "ort-int8": "model.int8.onnx"}))
    log(f"trained model {run_dir}: exported (fusions {info['optimizations']['bert_fusions']}, "
        f"int8 {info['models'].get('int8', {}).get('quantization', {}).get('per_channel')} per-channel)")
    return model_dir


def _prepare_base(work: Path, log) -> Path:
    """A random BERT of AraBERT-base's shape, saved and exported like a trained run."""
    import torch
    from transformers import AutoConfig, AutoModelForTokenClassification

    from .export import fuse, quantize, to_onnx
    from .modeling import ID2LABEL, LABEL2ID
    t0 = time.time()
    torch.manual_seed(0)
    config = AutoConfig.for_model("bert", **BASE_SHAPE, id2label=ID2LABEL, label2id=LABEL2ID)
    model = AutoModelForTokenClassification.from_config(config, attn_implementation="eager").eval()
    model_dir = work / "base"
    model.save_pretrained(model_dir)
    to_onnx(model, work / "base_raw.onnx")
    fusions = fuse(work / "base_raw.onnx", model_dir / "model.onnx", config)
    quantize(model_dir / "model.onnx", model_dir / "model.int8.onnx")
    (model_dir / "bench_models.json").write_text(json.dumps({"ort-fp32": "model.onnx", "ort-int8": "model.int8.onnx"}))
    log(f"AraBERT-base-shaped random model: exported in {time.time() - t0:.0f} s (fusions {fusions})")
    return model_dir


def _inputs(path: Path, vocab: int, batch_sizes, seq_lengths, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    arrays = {}
    for b in batch_sizes:
        for s in seq_lengths:
            ids = rng.integers(5, vocab, size=(b, s), dtype=np.int64)
            ids[:, 0], ids[:, -1] = 2, 3  # [CLS]-, [SEP]-like ids at the ends
            arrays[f"ids_b{b:03d}_s{s:04d}"] = ids
    np.savez(path, **arrays)


# ---------------------------------------------------------------------------- driver

def machine_section(command: str) -> list[str]:
    from .export import machine, versions
    m, v = machine(), versions()
    return [f"- machine: {m['cpu']}, {m['cores']} cores available, VNNI {'yes' if m.get('vnni') else 'no'}, "
            f"AVX-512 {'yes' if m.get('avx512') else 'no'}; Python {platform.python_version()}",
            f"- versions: torch {v['torch']}, transformers {v['transformers']}, onnxruntime {v['onnxruntime']}, "
            f"onnx {v['onnx']}",
            f"- command: `{command}`", f"- date: {time.strftime('%Y-%m-%d %H:%M')}"]


def table(rows: list[dict]) -> list[str]:
    out = ["| model | engine | batch | seq | tokens/s | p50 ms | p90 ms | x torch fp32 | runs |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    base = {(r["model"], r["batch"], r["seq"]): r["tokens_per_s"] for r in rows if r["engine"] == "torch-fp32"}
    for r in sorted(rows, key=lambda r: (r["model"], r["batch"], r["seq"], ENGINES.index(r["engine"]))):
        ref = base.get((r["model"], r["batch"], r["seq"]))
        r["vs_torch_fp32"] = round(r["tokens_per_s"] / ref, 2) if ref else None
        out.append(f"| {r['model']} | {r['engine']} | {r['batch']} | {r['seq']} | {r['tokens_per_s']:,.0f} | "
                   f"{r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['vs_torch_fp32'] or '-'} | {r['runs']} |")
    return out


def bench(run_dir: str | None, out_dir: Path, quick: bool = False, base_shape: bool = True, batch_sizes=None,
          seq_lengths=None, engines=None, log=print) -> dict:
    """Run the benchmark; writes bench.md and bench.json (bench-quick.* with `quick`)."""
    from .runtime import cores
    batch_sizes = batch_sizes or ([1] if quick else [1, 8])
    seq_lengths = seq_lengths or ([128] if quick else [128, 512])
    engines = engines or list(ENGINES)
    seconds, min_runs = (2.0, 3) if quick else (12.0, 5)
    if not run_dir and not base_shape:
        raise ValueError("nothing to benchmark: pass --model RUN_DIR, or drop --no-base")
    from .modeling import is_ensemble
    if run_dir and is_ensemble(run_dir):
        raise ValueError(f"{run_dir} is an ensemble: the benchmark times one network; pass one member "
                         f"({Path(run_dir) / 'members' / '0'}), or time whole bundles with scripts/bundle_speed.py")
    command = "military-ner " + " ".join(sys.argv[1:]) if sys.argv and "bench" in sys.argv else "bench(...)"
    threads = cores()
    rows: list[dict] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="military-ner-bench-") as work:
        work = Path(work)
        models = []
        if run_dir:
            models.append(("trained " + Path(run_dir).name, _prepare_trained(Path(run_dir), work, log)))
        if base_shape:
            models.append(("random AraBERT-base shape", _prepare_base(work, log)))
        for name, model_dir in models:
            vocab = json.loads((model_dir / "config.json").read_text())["vocab_size"]
            max_pos = json.loads((model_dir / "config.json").read_text())["max_position_embeddings"]
            seqs = [s for s in seq_lengths if s <= max_pos]
            if len(seqs) < len(seq_lengths):
                notes.append(f"{name}: sequence lengths above its {max_pos} positions skipped")
                log(notes[-1])
            _inputs(work / "inputs.npz", vocab, batch_sizes, seqs)
            for engine in engines:
                t0 = time.time()
                res = subprocess.run([sys.executable, "-m", "military_ner.bench", engine, str(model_dir),
                                      str(work / "inputs.npz"), str(threads), str(seconds), str(min_runs)],
                                     capture_output=True, text=True)
                if res.returncode != 0:
                    raise RuntimeError(f"bench worker {engine} on {name} failed:\n{res.stderr[-2000:]}")
                got = json.loads(res.stdout.strip().splitlines()[-1])
                rows += [{"model": name, **r} for r in got]
                log(f"{name} / {engine}: {time.time() - t0:.0f} s; "
                    + ", ".join(f"b{r['batch']} s{r['seq']} {r['tokens_per_s']:,.0f} tok/s" for r in got))
    lines = [f"# Inference benchmark{' (quick smoke run: not for comparison)' if quick else ''}", "",
             *machine_section(command), f"- threads: {threads} (intra-op = cores); ORT spinning on, one inter-op thread; "
             "PyTorch default (sdpa) attention, inference_mode", "",
             "Each engine ran in its own subprocess on the same random token ids (full attention masks). "
             "Latency is per forward call; x torch fp32 is the tokens/s ratio within this run.", "",
             *table(rows), "", *(f"Note: {n}." for n in notes)]
    stem = "bench-quick" if quick else "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    result = {"command": command, "threads": threads, "quick": quick, "rows": rows, "notes": notes}
    (out_dir / f"{stem}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print("\n".join(table(rows)))
    log(f"wrote {out_dir / (stem + '.md')} and {out_dir / (stem + '.json')}")
    return result


def _worker_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description="one bench engine in its own process (used by `military-ner bench`)")
    p.add_argument("engine", choices=ENGINES)
    p.add_argument("model_dir", type=Path)
    p.add_argument("inputs", type=Path)
    p.add_argument("threads", type=int)
    p.add_argument("seconds", type=float)
    p.add_argument("min_runs", type=int)
    a = p.parse_args(argv)
    print(json.dumps(worker(a.engine, a.model_dir, a.inputs, a.threads, a.seconds, a.min_runs)))


if __name__ == "__main__":
    _worker_main(sys.argv[1:])
