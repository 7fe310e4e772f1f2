"""Export a training run directory to a self-contained ONNX bundle that checks itself.

    military-ner export --model models/run --output models/bundle

Steps, in order:
  1. load the run with eager attention (so ONNX Runtime's BERT optimizer can recognise the
     attention pattern) and trace it to ONNX: inputs `input_ids`, `attention_mask` (int64,
     batch x sequence, both axes dynamic), output `logits` (batch x sequence x labels);
  2. fuse with `onnxruntime.transformers.optimizer` (model type "bert": Attention,
     EmbedLayerNormalization, SkipLayerNormalization, BiasGelu), kept only when the fused
     graph passes the gate and is not clearly slower (`FUSED_MAX_SLOWDOWN`, both timed in
     turns); the fusions found are recorded;
  3. int8: quantization pre-processing (symbolic shape inference) on the kept graph, then
     `quantize_dynamic`, trying plain, per-channel, reduce-range and "sensitive nodes
     excluded" settings until int8 loses at most `INT8_MAX_DROP` points of strict micro F1
     against fp32 on the gold articles plus `INT8_GENERATED` generated articles no training
     run draws (the model has learnt the gold by heart, so int8 loses nothing there even when
     it loses on text the model has not seen; u8s8 products can saturate on CPUs without VNNI;
     reduce_range avoids that; the gate records whether this machine has VNNI);
  4. the gate (like optimum's `validate_model_outputs`): input/output names and types,
     dynamic axes, then ORT fp32 against PyTorch on real inputs (every window of the gold
     articles, in batches of 8 and of 1): max abs logit diff <= `ATOL` and argmax agreement
     >= `MIN_AGREEMENT` over the real (unpadded) positions. Every check runs; the report
     lists all failures, goes into bundle.json and is printed.

A bundle whose gate failed is still written, with `"valid": false`, so it can be inspected;
`runtime.Recognizer.load` refuses it and the command exits non-zero. This module does not
tag texts (`runtime.py`) or score them (`evaluation.py`); it only calls them.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .runtime import (BUNDLE_FILE, BUNDLE_FORMAT, INPUT_NAMES, MODEL_FILES, OUTPUT_NAME, TOKENIZER_FILE,
                      Recognizer, int8_gate_text, make_session)
from .windows import AGGREGATION, MAX_QUOTED, WordEncoder, make_windows, pad_batch

ATOL = 1e-3                 # max abs logit difference, ORT fp32 vs PyTorch
MIN_AGREEMENT = 0.999       # argmax agreement, ORT fp32 vs PyTorch
INT8_MAX_DROP = 0.5         # strict micro F1 points int8 may lose against fp32 on the int8 gate documents
INT8_GENERATED = 100        # generated articles added to the gold for the int8 search
# their seed: training draws generated_seed (1 by default) and the base 10_000 + generated_seed; noise as
# in the offline recipe, so names the gazetteers do not list are among them
INT8_GENERATED_SETTINGS = {"seed": 5_003, "filler": 2.0, "name_noise": 0.15, "person_noise": 0.3, "given_noise": 0.3}
OPSET = 17                  # LayerNormalization is a standard op from 17 on
AGGREGATION_RULE = ("Words come from military_ner.text.split_words; each normalized word is tokenized on its "
                    "own; a word's label and score are read at its FIRST sub-word (other sub-words are ignored); "
                    "a word seen by several windows takes the window where it is farthest from an edge; the tag "
                    "sequence is the valid-BIO path (I-X only after B-X or I-X, never first) with the highest sum of "
                    "log-softmax scores (Viterbi; a word without a sub-word is O); then a B-X directly after an X "
                    "word (only spaces, no line break, between them) that does not start with the letter waw "
                    "becomes I-X (continue_fragments); an I-X word with a line break before it becomes O, and so does "
                    "the rest of its span (line_breaks); then, within a span, a closing quote or bracket that closes one "
                    "opened inside it ends the span (that mark and the rest become O), a span whose last opened "
                    f"mark stays open runs on to its closing mark over at most {MAX_QUOTED} O words that are not punctuation "
                    "(no line break between), and punctuation words at a span's edges become O (punctuation_edges); "
                    "a span lying inside an occurrence of a longer span of its label found elsewhere in the document "
                    "(the same words, one line, touching no other span) grows to that occurrence, the longest form "
                    "first (same_name_same_span); an EXERCISE span made of a descriptor and adjectives only "
                    "(a head noun such as التمرين/المناورات/التدريب with clitics, then descriptor or nisba adjectives; "
                    "no quote, digit or other word) becomes O when every one of its words appears in an earlier "
                    "EXERCISE span of the document, outside a related-articles list (one_introduction); "
                    "BIO tags become spans, a span's score is the mean of its "
                    "words' softmax probabilities for their tags. See military_ner/windows.py.")
# int8 settings tried in order until one meets the F1 target; "exclude" names node groups
INT8_TRIES = (
    {"per_channel": False, "reduce_range": False},
    {"per_channel": True, "reduce_range": False},
    {"per_channel": False, "reduce_range": True},
    {"per_channel": True, "reduce_range": True},
    {"per_channel": True, "reduce_range": True, "exclude": ["classifier"]},
    {"per_channel": True, "reduce_range": True, "exclude": ["classifier"], "op_types": ["MatMul"]},
)


class ExportGateError(RuntimeError):
    """The exported graph does not match PyTorch; `.report` is the bundle.json written."""

    def __init__(self, message: str, report: dict):
        super().__init__(message)
        self.report = report


@dataclass
class Check:
    name: str
    passed: bool
    value: object = None
    threshold: object = None
    detail: str = ""


@dataclass
class Gate:
    checks: list[Check] = field(default_factory=list)

    def run(self, name: str, fn, threshold=None) -> None:
        """Run one check; an exception is a failed check, never the end of the gate."""
        try:
            passed, value, detail = fn()
        except Exception as exc:  # noqa: BLE001 - every check runs, whatever breaks
            passed, value, detail = False, None, f"{type(exc).__name__}: {exc}"
        self.checks.append(Check(name, bool(passed), value, threshold, detail))

    @property
    def failures(self) -> list[str]:
        return [f"{c.name}: {c.detail or c.value} (threshold {c.threshold})" for c in self.checks if not c.passed]


# ---------------------------------------------------------------------------- graph steps

def load_run(run_dir: Path):
    """(eager-attention model, fast tokenizer, preprocessing.json) of a run directory; an
    ensemble's members are one model (`ensemble.MeanProbability`), traced as one graph."""
    from .modeling import load_checkpoint, load_preprocessing
    info = load_preprocessing(run_dir)
    model, tok = load_checkpoint(str(run_dir), for_training=False, attn_implementation="eager")
    return model.eval(), tok, info


def _member_count(model) -> int:
    """How many networks the graph holds: an ensemble's members, else one."""
    return len(getattr(model, "members", [model]))


def to_onnx(model, path: Path, opset: int = OPSET) -> None:
    """Trace `model` to ONNX with dynamic batch and sequence axes. The TorchScript exporter:
    the dynamo one needs onnxscript (not a dependency), and the BERT fusions below are
    tested on the TorchScript graph."""
    import torch
    ids = torch.full((2, 16), 5, dtype=torch.long)  # batch 2, a padded row: no axis traced as 1
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    dyn = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, OUTPUT_NAME)}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (ids, mask), str(path), input_names=list(INPUT_NAMES), output_names=[OUTPUT_NAME],
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True, dynamo=False)


def fuse(src: Path, dst: Path, config, members: int = 1) -> dict:
    """ORT's BERT fusions (python passes only, no hardware-specific ORT optimizations baked
    in); returns the count of each fused operator found. With several members in the graph
    the embedding fusion is left out: it names its mask input once per graph and fails on the
    second BERT; attention, GELU and layer-norm fusions apply to every member."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = members == 1
    opt = optimize_model(str(src), model_type="bert", num_heads=config.num_attention_heads,
                         hidden_size=config.hidden_size, opt_level=0, optimization_options=options)
    opt.save_model_to_file(str(dst))
    return {k: v for k, v in opt.get_fused_operator_statistics().items() if v}


def _node_names(model_path: Path, groups: list[str]) -> list[str]:
    """Names of the nodes in a named group ("classifier": the MatMul that yields the logits)."""
    import onnx
    g = onnx.load(str(model_path)).graph
    names = []
    if "classifier" in groups:
        producer = {o: n for n in g.node for o in n.output}
        todo, seen = [OUTPUT_NAME], set()
        while todo:  # walk back from the logits to the first MatMul
            node = producer.get(todo.pop())
            if node is None or node.name in seen:
                continue
            seen.add(node.name)
            if node.op_type == "MatMul":
                names.append(node.name)
            else:
                todo.extend(node.input)
    return names


def quantize(src: Path, dst: Path, per_channel: bool = False, reduce_range: bool = False,
             exclude: list[str] = (), op_types: list[str] | None = None) -> dict:
    """Quantization pre-processing (symbolic shape inference) then dynamic int8 quantization
    (u8 activations, s8 weights). Returns the settings used."""
    from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
    prep = dst.resolve().with_suffix(".prep.onnx")
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="military-ner-quant-") as tmp:
        os.chdir(tmp)  # the pre-processing writes scratch files into the working directory
        try:
            quant_pre_process(str(Path(src).resolve()), str(prep), skip_optimization=False, auto_merge=True)
        finally:
            os.chdir(cwd)
    excluded = _node_names(prep, list(exclude))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(prep), str(dst), per_channel=per_channel, reduce_range=reduce_range,
                         weight_type=QuantType.QInt8, nodes_to_exclude=excluded, op_types_to_quantize=op_types)
    prep.unlink()
    return {"per_channel": per_channel, "reduce_range": reduce_range, "excluded_nodes": excluded,
            "op_types": op_types or "all supported (MatMul, Attention, Gather, EmbedLayerNormalization)"}


# ---------------------------------------------------------------------------- the gate

def gate_batches(texts: list[str], tok, settings: dict, batch_size: int = 8) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every window of `texts`, padded in batches of `batch_size`, plus one batch of a single
    window (so both dynamic axes are exercised with real inputs)."""
    from .text import Preprocessing, model_words
    enc = WordEncoder(tok.backend_tokenizer, tok.cls_token, tok.sep_token, tok.pad_token)
    pre = Preprocessing.from_dict(settings["preprocessing"])
    wins = []
    for t in texts:
        _, norm = model_words(t, pre)
        if norm:
            wins += make_windows(enc.word_ids(norm), settings["max_length"], settings["stride"], enc.cls_id, enc.sep_id)
    if not wins:
        raise ValueError("the gate texts give no windows; pass texts with words in them")
    batches = [pad_batch(wins[i:i + batch_size], enc.pad_id) for i in range(0, len(wins), batch_size)]
    return batches + [pad_batch(wins[-1:], enc.pad_id)]


def torch_logits(model, batches) -> list[np.ndarray]:
    import torch
    with torch.no_grad():
        return [model(input_ids=torch.from_numpy(i), attention_mask=torch.from_numpy(m)).logits.numpy()
                for i, m in batches]


def validate_model_outputs(onnx_path: Path, reference: list[np.ndarray], batches, n_labels: int,
                           atol: float = ATOL, min_agreement: float = MIN_AGREEMENT) -> Gate:
    """ORT `onnx_path` against reference logits: names, types, dynamic axes, shapes, max abs
    diff and argmax agreement over unpadded positions. All checks run."""
    import onnx
    gate = Gate()
    model = onnx.load(str(onnx_path))
    ins = {i.name: i for i in model.graph.input}
    outs = [o.name for o in model.graph.output]
    gate.run("input names", lambda: (list(ins) == list(INPUT_NAMES), list(ins), ""), list(INPUT_NAMES))
    gate.run("output names", lambda: (outs == [OUTPUT_NAME], outs, ""), [OUTPUT_NAME])
    gate.run("input types", lambda: (all(i.type.tensor_type.elem_type == onnx.TensorProto.INT64 for i in ins.values()),
                                     "int64" if all(i.type.tensor_type.elem_type == 7 for i in ins.values()) else "not int64",
                                     ""), "int64")

    def dynamic():
        dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
                for v in list(model.graph.input) + list(model.graph.output)}
        ok = all(isinstance(d[0], str) and isinstance(d[1], str) for d in dims.values())
        return ok, dims, "" if ok else f"batch and sequence must be symbolic, got {dims}"
    gate.run("dynamic axes", dynamic, "batch, sequence symbolic")
    got: list[np.ndarray] = []

    def run():
        sess = make_session(onnx_path)
        got.extend(sess.run([OUTPUT_NAME], {"input_ids": i, "attention_mask": m})[0] for i, m in batches)
        shapes = [g.shape for g in got]
        want = [r.shape for r in reference]
        return shapes == want, f"{len(batches)} batches, shapes {sorted(set(shapes))}", \
            "" if shapes == want else f"ORT shapes {shapes} != PyTorch {want}"
    gate.run("runs on real inputs (batch and sequence vary)", run, "same shapes as PyTorch")
    valid = [m.astype(bool) for _, m in batches]

    def max_diff():
        d = max(float(np.abs(g - r)[v].max()) for g, r, v in zip(got, reference, valid))
        return d <= atol, d, f"max abs logit diff {d:.2e} exceeds {atol:.0e}" if d > atol else ""
    gate.run("max abs logit diff", max_diff, atol)

    def agreement():
        same = sum(int((g.argmax(-1) == r.argmax(-1))[v].sum()) for g, r, v in zip(got, reference, valid))
        n = sum(int(v.sum()) for v in valid)
        a = same / n
        return a >= min_agreement, round(a, 6), f"argmax agrees on {same} of {n} positions" if a < min_agreement else ""
    gate.run("argmax agreement", agreement, min_agreement)
    gate.run("labels", lambda: (bool(got) and all(g.shape[-1] == n_labels for g in got), n_labels,
                                "" if got else "no logits to count"), n_labels)
    return gate


def _f1(rec, gold) -> float:
    from .evaluation import evaluate
    return float(evaluate(rec.predict, gold)[0]["strict"]["micro"]["f1"])


def _agreement(path: Path, reference: list[np.ndarray], batches) -> dict:
    """Max abs logit diff and argmax agreement of a graph against PyTorch (informational for int8)."""
    sess = make_session(path)
    got = [sess.run([OUTPUT_NAME], {"input_ids": i, "attention_mask": m})[0] for i, m in batches]
    valid = [m.astype(bool) for _, m in batches]
    same = sum(int((g.argmax(-1) == r.argmax(-1))[v].sum()) for g, r, v in zip(got, reference, valid))
    return {"max_abs_diff_vs_torch": round(max(float(np.abs(g - r)[v].max()) for g, r, v in zip(got, reference, valid)), 5),
            "argmax_agreement_vs_torch": round(same / sum(int(v.sum()) for v in valid), 5)}


def _keys(spans) -> list[tuple]:
    """Spans without their scores (scores differ in the last float bits between engines)."""
    return [(s.start, s.end, s.label) for s in spans]


def _seconds(paths: list[Path], batches, repeat: int = 5) -> list[float]:
    """Best time of each graph over the gate inputs, the graphs taking turns in every round so
    that a slow spell of a shared machine falls on all of them."""
    sessions = [make_session(p) for p in paths]
    best = [float("inf")] * len(paths)
    for _ in range(repeat):
        for k, sess in enumerate(sessions):
            t0 = time.perf_counter()
            for i, m in batches:
                sess.run([OUTPUT_NAME], {"input_ids": i, "attention_mask": m})
            best[k] = min(best[k], time.perf_counter() - t0)
    return [round(b, 4) for b in best]


# a fused graph is dropped only when clearly slower: within this, timings on a shared CPU are noise
# (two exports of one model measured the fused graph 5% faster and 10% slower)
FUSED_MAX_SLOWDOWN = 1.25


# ---------------------------------------------------------------------------- export

def versions() -> dict:
    import importlib.metadata as md
    out = {}
    for pkg in ("military-ner", "torch", "transformers", "onnx", "onnxruntime", "tokenizers"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def machine() -> dict:
    """CPU model, cores and the instruction sets int8 speed and accuracy depend on."""
    from .runtime import cores
    info = {"cpu": "unknown", "cores": cores()}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and info["cpu"] == "unknown":
            info["cpu"] = value.strip()
        if key.strip() == "flags":
            flags = set(value.split())
            info["vnni"] = bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})
            info["avx512"] = "avx512f" in flags
            break
    return info


def choose_graph(model, tmp: Path, reference, batches, n_labels: int, log=print) -> tuple[Path, Gate, dict]:
    """Trace, fuse, gate both graphs; keep the fused one when it passes and is not clearly slower."""
    log(f"tracing to ONNX (opset {OPSET}), then fusing with onnxruntime.transformers.optimizer (bert)")
    to_onnx(model, tmp / "raw.onnx")
    chosen, gate = tmp / "raw.onnx", validate_model_outputs(tmp / "raw.onnx", reference, batches, n_labels)
    record = {"exporter": "torch.onnx.export (TorchScript), eager attention, constant folding",
              "bert_fusions": {}, "gate_inputs_seconds": {},
              "at_load": "onnxruntime ORT_ENABLE_ALL"}
    try:
        record["bert_fusions"] = fuse(tmp / "raw.onnx", tmp / "fused.onnx", model.config, _member_count(model))
    except Exception as exc:  # noqa: BLE001 - an optimizer failure only means no fusion
        record["kept"] = f"unfused graph: the optimizer failed ({type(exc).__name__}: {exc})"
        return chosen, gate, record
    if not record["bert_fusions"]:
        record["kept"] = "unfused graph: the optimizer found nothing to fuse"
        return chosen, gate, record
    fused_gate = validate_model_outputs(tmp / "fused.onnx", reference, batches, n_labels)
    unfused_s, fused_s = _seconds([tmp / "raw.onnx", tmp / "fused.onnx"], batches)
    record["gate_inputs_seconds"] = {"unfused": unfused_s, "fused": fused_s}
    if fused_gate.failures:
        record["kept"] = f"unfused graph: the fused one failed the gate ({'; '.join(fused_gate.failures)})"
    elif fused_s > FUSED_MAX_SLOWDOWN * unfused_s:
        record["kept"] = f"unfused graph: the fused one was over {FUSED_MAX_SLOWDOWN:g} times slower on the gate inputs"
    else:
        chosen, gate, record["kept"] = tmp / "fused.onnx", fused_gate, "fused graph"
    return chosen, gate, record


def int8_gate_documents(gold: list, generated: int | None = None) -> tuple[list, dict]:
    """The documents int8 is scored on against fp32: `gold` plus `generated` articles (None:
    INT8_GENERATED) drawn with INT8_GENERATED_SETTINGS (none of them in any training run's data)."""
    generated = INT8_GENERATED if generated is None else generated
    if generated < 0:
        raise ValueError(f"the number of generated gate articles must be >= 0, got {generated}")
    docs = list(gold)
    if generated:
        from .data.generate import generate_documents
        docs += generate_documents(generated, **INT8_GENERATED_SETTINGS)
        clash = sorted({d.id for d in gold} & {d.id for d in docs[len(gold):]})
        if clash:
            raise ValueError(f"gate documents {clash[:3]} have the ids of generated gate articles; rename them")
    return docs, {"gold": len(gold), "generated": generated,
                  **({"generated_settings": INT8_GENERATED_SETTINGS} if generated else {})}


def search_int8(src: Path, tmp: Path, make_rec, gold, fp32_f1: float, reference, batches,
                log=print) -> tuple[Path | None, dict]:
    """Quantize `src` with each of INT8_TRIES until one loses at most INT8_MAX_DROP F1
    points on the documents `gold`; returns the best graph (None if every try failed) and the
    record of all tries."""
    tries, best = [], None
    for k, opts in enumerate(INT8_TRIES):
        path = tmp / f"int8_{k}.onnx"
        try:
            used = quantize(src, path, **opts)
            f1 = _f1(make_rec(path), gold)
        except Exception as exc:  # noqa: BLE001 - a failed setting is recorded, the next is tried
            tries.append({**opts, "error": f"{type(exc).__name__}: {exc}"})
            continue
        drop = round(100 * (fp32_f1 - f1), 2)
        tries.append({**used, "f1": round(f1, 4), "drop_points": drop, **_agreement(path, reference, batches)})
        log(f"int8 try {k + 1}: per_channel={opts['per_channel']} reduce_range={opts['reduce_range']} "
            f"exclude={opts.get('exclude', [])}: strict micro F1 {f1:.4f} (fp32 {fp32_f1:.4f})")
        if best is None or f1 > best[1]:
            best = (path, f1, len(tries) - 1)
        if drop <= INT8_MAX_DROP:
            break
    record = {"target_points": INT8_MAX_DROP, "fp32_f1": round(fp32_f1, 4), "tries": tries, "met": False}
    if best is None:
        return None, record
    record.update(f1=round(best[1], 4), chosen_try=best[2] + 1, drop_points=round(100 * (fp32_f1 - best[1]), 2),
                  met=100 * (fp32_f1 - best[1]) <= INT8_MAX_DROP, quantization=tries[best[2]])
    return best[0], record


def export(run_dir: str | Path, out_dir: str | Path, gold=None, log=print,
           int8_generated: int | None = None) -> dict:
    """Export `run_dir` to a bundle in `out_dir` and gate it (see module docstring).
    `gold`: span documents for the gate (default: the repo's five gold articles);
    `int8_generated`: generated articles added to them for scoring int8 against fp32 (None: INT8_GENERATED).
    Returns the bundle.json content; raises ExportGateError (bundle marked invalid) when
    ORT fp32 does not match PyTorch."""
    from .evaluation import evaluate
    from .modeling import TorchRecognizer
    from .runtime import default_precision
    from .text import Preprocessing
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    if gold is None:
        from .annotations import load_gold
        root = Path(__file__).resolve().parent.parent
        gold = load_gold(root / "annotations", root / "seeds")
    t0 = time.time()
    int8_docs, int8_documents = int8_gate_documents(gold, int8_generated)
    model, tok, info = load_run(run_dir)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    settings = {"labels": labels, "max_length": int(info["max_length"]), "stride": int(info["stride"]),
                "preprocessing": info["preprocessing"],
                "tokenizer": {"file": TOKENIZER_FILE, "cls_token": tok.cls_token, "sep_token": tok.sep_token,
                              "pad_token": tok.pad_token}}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / BUNDLE_FILE).unlink(missing_ok=True)  # never leave an old bundle.json beside new graphs
    (out_dir / MODEL_FILES["int8"]).unlink(missing_ok=True)
    tok.backend_tokenizer.save(str(out_dir / TOKENIZER_FILE))
    batches = gate_batches([d.text for d in gold], tok, settings)
    reference = torch_logits(model, batches)
    torch_rec = TorchRecognizer(model, tok, Preprocessing.from_dict(info["preprocessing"]), settings["max_length"],
                                settings["stride"])
    torch_metrics, torch_spans = evaluate(torch_rec.predict, gold)

    def make_rec(path, precision="int8"):
        return Recognizer.from_files(path, out_dir / TOKENIZER_FILE, settings, precision)

    with tempfile.TemporaryDirectory(prefix="military-ner-export-") as tmp:
        tmp = Path(tmp)
        chosen, gate, optimizations = choose_graph(model, tmp, reference, batches, len(labels), log)
        shutil.copyfile(chosen, out_dir / MODEL_FILES["fp32"])
        # one pass over the int8 gate documents: their F1 for int8 to meet, the gold's spans to compare with PyTorch's
        fp32_metrics, fp32_spans = evaluate(make_rec(out_dir / MODEL_FILES["fp32"], "fp32").predict, int8_docs)
        fp32_f1 = float(fp32_metrics["strict"]["micro"]["f1"])
        int8_path, int8 = search_int8(chosen, tmp, make_rec, int8_docs, fp32_f1, reference, batches, log)
        int8["documents"] = int8_documents
        if int8_path is not None:
            shutil.copyfile(int8_path, out_dir / MODEL_FILES["int8"])
        else:
            gate.checks.append(Check("int8 graph", False, None, "quantizes and runs", "every int8 setting failed: "
                                     + "; ".join(t["error"] for t in int8["tries"])))
    same_spans = sum(_keys(fp32_spans[d.id]) == _keys(torch_spans[d.id]) for d in gold)
    report = {
        "format": BUNDLE_FORMAT, "valid": not gate.failures, **settings,
        "aggregation": {"rule": AGGREGATION, "description": AGGREGATION_RULE},
        "inputs": [{"name": n, "dtype": "int64", "shape": ["batch", "sequence"]} for n in INPUT_NAMES],
        "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": ["batch", "sequence", len(labels)]}],
        "models": {"fp32": {"file": MODEL_FILES["fp32"], "opset": OPSET}},
        "optimizations": optimizations,
        "versions": versions(),
        "source": {"run_dir": str(run_dir.resolve()), "model_type": model.config.model_type,
                   "layers": model.config.num_hidden_layers, "hidden": model.config.hidden_size,
                   "members": _member_count(model)},
        "gate": {"passed": not gate.failures, "failures": gate.failures, "checks": [asdict(c) for c in gate.checks],
                 "gold_documents": len(gold), "windows": int(sum(len(i) for i, _ in batches[:-1])),
                 "torch_f1": round(float(torch_metrics["strict"]["micro"]["f1"]), 4),
                 "fp32_spans_equal_torch": f"{same_spans} of {len(gold)} documents", "int8": int8,
                 "machine": machine()},
        "seconds": round(time.time() - t0, 1),
    }
    if int8_path is not None:
        report["models"]["int8"] = {"file": MODEL_FILES["int8"], "quantization": int8["quantization"]}
    report["default_precision"] = default_precision(report)[0]
    (out_dir / BUNDLE_FILE).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if gate.failures:
        raise ExportGateError(f"the export gate failed for {run_dir} -> {out_dir} (bundle marked invalid):\n  - "
                              + "\n  - ".join(gate.failures), report)
    return report


def gate_table(report: dict) -> str:
    """The gate report as a markdown table plus the int8 line."""
    rows = ["| check | passed | value | threshold |", "| --- | --- | --- | --- |"]
    for c in report["gate"]["checks"]:
        value = c["value"] if not isinstance(c["value"], float) else f"{c['value']:.3g}"
        if isinstance(value, (dict, list)):
            value = "ok" if c["passed"] else json.dumps(value)[:80]
        rows.append(f"| {c['name']} | {'yes' if c['passed'] else 'NO: ' + c['detail']} | {value} | {c['threshold']} |")
    g, i8 = report["gate"], report["gate"]["int8"]
    rows += ["", f"strict micro F1 on {g['gold_documents']} gold documents: PyTorch {g['torch_f1']:.4f}; "
                 f"fp32 spans equal PyTorch's on {g['fp32_spans_equal_torch']}",
             f"int8 against fp32 on {int8_gate_text(i8)}: "
             f"ORT fp32 {i8['fp32_f1']:.4f}, ORT int8 {i8.get('f1', float('nan')):.4f} "
             f"({'within' if i8['met'] else 'NOT within'} {i8['target_points']} points; try {i8.get('chosen_try')} "
             f"of {len(i8['tries'])})",
             f"fusions: {report['optimizations']['bert_fusions'] or 'none'} (kept: {report['optimizations']['kept']})",
             f"default precision: {report['default_precision']}"]
    return "\n".join(rows)
