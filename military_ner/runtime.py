"""Tagging texts with an exported bundle: onnxruntime + tokenizers + numpy, no torch.

    from military_ner.runtime import Recognizer
    rec = Recognizer.load("models/bundle")            # int8 when the export gate allows it
    rec.predict(["استقبل رئيس الأركان ..."])         # -> [[Span(start, end, label, text, score)]]

A bundle (written by `military_ner.export`) holds `model.onnx` (fp32), `model.int8.onnx`,
`tokenizer.json` and `bundle.json` (labels, windows, preprocessing, gate report). Words,
normalization, windows, merging and the word -> span rule come from the same torch-free
modules the training and the PyTorch path use (`text`, `windows`, `schema`), so the
runtime cuts and decodes documents exactly like `modeling.TorchRecognizer`.

Windows of all the texts of one `predict` call are sorted by length and run in batches
padded to the longest window of the batch. fp32 results do not depend on the batching
(differences ~1e-6); int8 ones can, slightly: dynamic quantization scales activations per
batch, so a score may move in its last digits when a document shares a batch with others. This module does not export, score or read
files (see `export.py`, `evaluation.py`, `predict.py`); importing it imports neither torch
nor transformers (a test checks `sys.modules`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .schema import Document, Span
from .text import Preprocessing, model_words
from .windows import WordEncoder, decode, make_windows, merge_word_logits, pad_batch

BUNDLE_FILE = "bundle.json"
BUNDLE_FORMAT = "military-ner-bundle/1"
MODEL_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}
TOKENIZER_FILE = "tokenizer.json"
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "logits"


class BundleError(RuntimeError):
    """A bundle that is missing, incomplete or marked invalid (the message says what to do)."""


def cores() -> int:
    """CPU cores this process may use (respects taskset/cgroup affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def make_session(model_path: str | Path, threads: int | None = None, spinning: bool = False):
    """An onnxruntime CPU session with all graph optimizations, `threads` intra-op threads
    (default: every core) and one inter-op thread (our graphs have no parallel branches).
    Spinning keeps idle threads busy-waiting between ops: slightly faster back-to-back runs
    on a dedicated machine, wasted CPU on a shared one or between requests (default off)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.intra_op_num_threads = threads or cores()
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])


def read_bundle(bundle_dir: str | Path) -> dict:
    """bundle.json of `bundle_dir`, after checking that the files it names are there."""
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / BUNDLE_FILE
    if not path.exists():
        raise BundleError(f"{bundle_dir}: no {BUNDLE_FILE}; this is not an exported bundle. Make one with "
                          f"`military-ner export --model RUN_DIR --output {bundle_dir}`")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); re-export the bundle")
    if info.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{path}: format {info.get('format')!r}, this runtime reads {BUNDLE_FORMAT!r}; "
                          "re-export the bundle with this version of military-ner")
    return info


def int8_gate_text(int8: dict) -> str:
    """The documents the export gate scored int8 on, in words (bundle.json's gate.int8)."""
    docs = int8.get("documents")  # bundles before the generated gate articles scored int8 on the gold only
    return f"{docs['gold']} gold + {docs['generated']} generated documents" if docs else "the gold"


def default_precision(info: dict) -> tuple[str, str]:
    """(precision, why): int8 when the export gate found it within the F1 target of fp32."""
    int8 = (info.get("gate") or {}).get("int8") or {}
    if int8.get("met") and "int8" in info.get("models", {}):
        return "int8", (f"int8: the export gate measured strict micro F1 {int8['f1']:.3f} vs fp32 "
                        f"{int8['fp32_f1']:.3f} on {int8_gate_text(int8)} (target: at most {int8['target_points']} points lower)")
    if "int8" in info.get("models", {}):
        return "fp32", "fp32: int8 missed the accuracy target in the export gate (see gate.int8 in bundle.json)"
    return "fp32", "fp32: the bundle has no int8 model"


class Recognizer:
    """Tags texts with an ONNX token classifier; see the module docstring."""

    def __init__(self, session, tokenizer, settings: dict, precision: str = "fp32", batch_size: int = 16):
        self.session = session
        self.settings = settings
        self.precision = precision
        self.batch_size = batch_size
        tok = settings.get("tokenizer", {})
        self.encoder = WordEncoder(tokenizer, tok.get("cls_token", "[CLS]"), tok.get("sep_token", "[SEP]"),
                                   tok.get("pad_token", "[PAD]"))
        self.pre = Preprocessing.from_dict(settings["preprocessing"])
        self.max_length, self.stride = int(settings["max_length"]), int(settings["stride"])
        self.id2label = dict(enumerate(settings["labels"]))
        names = [i.name for i in session.get_inputs()]
        if tuple(names) != INPUT_NAMES:
            raise BundleError(f"the ONNX graph takes inputs {names}; expected {list(INPUT_NAMES)}")

    @classmethod
    def from_files(cls, model_path: str | Path, tokenizer_path: str | Path, settings: dict,
                   precision: str = "fp32", threads: int | None = None, spinning: bool = False,
                   batch_size: int = 16) -> "Recognizer":
        """A recognizer from an ONNX file, a tokenizer.json and the bundle settings (labels,
        preprocessing, max_length, stride, tokenizer special tokens); used by the export gate."""
        from tokenizers import Tokenizer
        return cls(make_session(model_path, threads, spinning), Tokenizer.from_file(str(tokenizer_path)),
                   settings, precision, batch_size)

    @classmethod
    def load(cls, bundle_dir: str | Path, precision: str | None = None, threads: int | None = None,
             spinning: bool = False, batch_size: int = 16, allow_invalid: bool = False) -> "Recognizer":
        """Load a bundle. `precision` is "int8" or "fp32"; None takes the bundle's default
        (`default_precision`). A bundle whose export gate failed is refused unless
        `allow_invalid` (for debugging only)."""
        bundle_dir = Path(bundle_dir)
        info = read_bundle(bundle_dir)
        gate = info.get("gate") or {}
        if not gate.get("passed") and not allow_invalid:
            raise BundleError(f"{bundle_dir}: the export gate failed ({'; '.join(gate.get('failures', [])) or 'no gate report'}); "
                              "this bundle is not fit to serve. Fix the cause and re-run `military-ner export`")
        reason = None
        if precision is None:
            precision, reason = default_precision(info)
        if precision not in MODEL_FILES:
            raise BundleError(f"precision {precision!r} is not one of {sorted(MODEL_FILES)}")
        entry = info.get("models", {}).get(precision)
        if entry is None:
            raise BundleError(f"{bundle_dir}: the bundle has no {precision} model; "
                              f"it has {sorted(info.get('models', {}))}")
        for name in (entry["file"], info["tokenizer"]["file"]):
            if not (bundle_dir / name).exists():
                raise BundleError(f"{bundle_dir}: {name} is missing; copy the whole bundle directory or re-export it")
        rec = cls.from_files(bundle_dir / entry["file"], bundle_dir / info["tokenizer"]["file"], info,
                             precision, threads, spinning, batch_size)
        rec.bundle_dir, rec.precision_reason = bundle_dir, reason or f"{precision}: asked for"
        return rec

    def info(self) -> dict:
        import onnxruntime
        return {"engine": "onnxruntime", "precision": self.precision, "labels": list(self.id2label.values()),
                "preprocessing": self.pre.to_dict(), "max_length": self.max_length, "stride": self.stride,
                "aggregation": "first", "versions": {"onnxruntime": onnxruntime.__version__},
                "precision_reason": getattr(self, "precision_reason", None)}

    def run_windows(self, windows: list) -> list[np.ndarray]:
        """Logits (len(window) x labels) for each window; windows are sorted by length and
        run `batch_size` at a time, padded to the longest window of each batch."""
        out: list[np.ndarray | None] = [None] * len(windows)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        for b in range(0, len(order), self.batch_size):
            idx = order[b:b + self.batch_size]
            ids, mask = pad_batch([windows[i] for i in idx], self.encoder.pad_id)
            logits = self.session.run([OUTPUT_NAME], {"input_ids": ids, "attention_mask": mask})[0]
            for k, i in enumerate(idx):
                out[i] = logits[k, :len(windows[i].input_ids)]
        return out

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Entity spans (offsets into each original text, label, score) for each text."""
        docs, flat = [], []
        for text in texts:
            words, norm = model_words(text, self.pre)
            wins = make_windows(self.encoder.word_ids(norm), self.max_length, self.stride, self.encoder.cls_id,
                                self.encoder.sep_id) if words else []
            docs.append((text, words, len(flat), len(wins)))
            flat.extend(wins)
        logits = self.run_windows(flat)
        out = []
        for text, words, first, n in docs:
            if not words:
                out.append([])
                continue
            word_logits, has = merge_word_logits(flat[first:first + n], logits[first:first + n], len(words),
                                                 len(self.id2label))
            out.append(decode(text, words, word_logits, has, self.id2label))
        return out

    def predict_documents(self, docs: list[Document]) -> list[Document]:
        """The documents with their predicted entities (ids, texts and meta kept)."""
        spans = self.predict([d.text for d in docs])
        return [Document(d.id, d.text, s, dict(d.meta)) for d, s in zip(docs, spans)]
