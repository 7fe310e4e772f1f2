"""Loading checkpoints and tagging with PyTorch.

`load_checkpoint` is the one place a model is loaded: a hub id (`aubmindlab/bert-base-
arabertv02`) or any local directory, through `from_pretrained`. When it cannot be loaded
it raises `ModelLoadError` saying what to do; it never falls back to another model.
`TorchRecognizer` tags texts with a trained run directory (the PyTorch path; the ONNX
runtime in `runtime.py` does the same without torch). Training lives in `training.py`.
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from .schema import LABELS, Span
from .text import Preprocessing, model_words
from .windows import WordEncoder, decode, make_windows, merge_word_logits, pad_batch

PREPROCESSING_FILE = "preprocessing.json"
ENSEMBLE_FILE = "ensemble.json"   # lists an ensemble run directory's members (ensemble.py)
ID2LABEL = dict(enumerate(LABELS))
LABEL2ID = {v: k for k, v in ID2LABEL.items()}


class ModelLoadError(RuntimeError):
    pass


def _hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _advice(name: str) -> str:
    return (f"could not load the checkpoint {name!r}.\n"
            "  - Offline (no model hub on this machine): train the small model built from our own data,\n"
            "      python train.py --config configs/offline.yaml\n"
            "  - Or pass a local copy of the checkpoint: python train.py --config configs/arabert.yaml "
            "--model /path/to/bert-base-arabertv02\n"
            "    (a directory with config.json, weights and tokenizer files, e.g. from `hf download` on a machine with network).")


def load_checkpoint(name: str, for_training: bool = True, **extra):
    """(model, tokenizer) for token classification over our labels, from a hub id or a
    local directory (an ensemble run directory too: `ensemble.py`). `extra` goes to
    `from_pretrained` (e.g. attn_implementation). Raises ModelLoadError with the next step
    when it cannot."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    kwargs = dict(num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID) if for_training else {}
    kwargs.update(extra)
    path = Path(name)
    local = path.exists()
    if local and is_ensemble(path):
        return _load_ensemble(path, for_training, kwargs)
    if not local and (name.startswith((".", "/", "~")) or name.startswith("models" + os.sep) or name.count("/") > 1):
        raise ModelLoadError(f"no such model directory: {name}\n" + _advice(name))
    if not local:
        try:  # the Hugging Face cache first: works offline when the model was downloaded before
            tok = AutoTokenizer.from_pretrained(name, local_files_only=True)
            model = AutoModelForTokenClassification.from_pretrained(name, local_files_only=True, **kwargs)
            return model, tok
        except OSError:
            pass
        if not _hub_reachable():
            raise ModelLoadError("the model hub is not reachable from this machine.\n" + _advice(name))
    try:
        tok = AutoTokenizer.from_pretrained(name)
        model = AutoModelForTokenClassification.from_pretrained(name, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{exc}\n" + _advice(name)) from exc
    if not getattr(tok, "is_fast", False) or not hasattr(tok, "backend_tokenizer"):
        raise ModelLoadError(f"{name}: a fast (tokenizers-backed) tokenizer is required for word offsets")
    return model, tok


def is_ensemble(path: str | Path) -> bool:
    """Whether `path` is an ensemble run directory (members/ and ensemble.json, `ensemble.py`)."""
    return (Path(path) / ENSEMBLE_FILE).is_file()


def _load_ensemble(path: Path, for_training: bool, kwargs: dict):
    """The members of an ensemble run directory as one `MeanProbability` model."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from .ensemble import EnsembleError, MeanProbability, member_dirs
    if for_training:
        raise ModelLoadError(f"{path} is an ensemble run directory ({ENSEMBLE_FILE}); fine-tune one of its members "
                             f"instead, e.g. --model {path / 'members' / '0'}")
    try:
        members = [AutoModelForTokenClassification.from_pretrained(str(d), **kwargs) for d in member_dirs(path)]
        return MeanProbability(members), AutoTokenizer.from_pretrained(str(path))
    except (EnsembleError, OSError, ValueError) as exc:
        raise ModelLoadError(f"{path}: {exc}") from exc


def save_preprocessing(out_dir: Path, pre: Preprocessing, max_length: int, stride: int) -> None:
    info = {"preprocessing": pre.to_dict(), "max_length": max_length, "stride": stride,
            "aggregation": "first", "labels": list(LABELS)}
    (out_dir / PREPROCESSING_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")


def load_preprocessing(model_dir: Path, default: Preprocessing | None = None) -> dict:
    path = Path(model_dir) / PREPROCESSING_FILE
    if not path.exists():
        if default is None:
            raise ModelLoadError(f"{model_dir}: no {PREPROCESSING_FILE}; is this a military-ner run directory?")
        return {"preprocessing": default.to_dict(), "max_length": 256, "stride": 64}
    return json.loads(path.read_text(encoding="utf-8"))


class TorchRecognizer:
    """Tags texts with a PyTorch token-classification model (a run directory)."""

    def __init__(self, model, tokenizer, pre: Preprocessing, max_length: int = 256, stride: int = 64,
                 batch_size: int = 16):
        import torch
        self.torch = torch
        self.model = model.eval()
        self.encoder = WordEncoder(tokenizer.backend_tokenizer, tokenizer.cls_token, tokenizer.sep_token,
                                   tokenizer.pad_token)
        self.pre, self.max_length, self.stride, self.batch_size = pre, max_length, stride, batch_size
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}

    @classmethod
    def load(cls, model_dir: str | Path, **kw) -> "TorchRecognizer":
        info = load_preprocessing(Path(model_dir))
        model, tok = load_checkpoint(str(model_dir), for_training=False)
        return cls(model, tok, Preprocessing.from_dict(info["preprocessing"]), info["max_length"], info["stride"], **kw)

    def info(self) -> dict:
        import torch
        import transformers
        return {"engine": "pytorch", "labels": list(self.id2label.values()), "preprocessing": self.pre.to_dict(),
                "max_length": self.max_length, "stride": self.stride, "aggregation": "first",
                "versions": {"torch": torch.__version__, "transformers": transformers.__version__}}

    def word_logits(self, norm_words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        pieces = self.encoder.word_ids(norm_words)
        wins = make_windows(pieces, self.max_length, self.stride, self.encoder.cls_id, self.encoder.sep_id)
        outs = []
        device = next(self.model.parameters()).device
        for i in range(0, len(wins), self.batch_size):
            batch = wins[i:i + self.batch_size]
            ids, mask = pad_batch(batch, self.encoder.pad_id)
            with self.torch.no_grad():
                lg = self.model(input_ids=self.torch.from_numpy(ids).to(device),
                                attention_mask=self.torch.from_numpy(mask).to(device)).logits
            outs.extend(lg.float().cpu().numpy())
        return merge_word_logits(wins, outs, len(norm_words), len(self.id2label))

    def predict_one(self, text: str) -> list[Span]:
        words, norm = model_words(text, self.pre)
        if not words:
            return []
        logits, has = self.word_logits(norm)
        return decode(text, words, logits, has, self.id2label)

    def predict(self, texts: list[str]) -> list[list[Span]]:
        return [self.predict_one(t) for t in texts]
