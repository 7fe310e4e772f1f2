"""Several fine-tuned models as one: the mean of their softmax probabilities.

A run trained with `members: N` (configs, `training.fit`) holds N ordinary run directories
under `members/` and an `ensemble.json` that lists them:

    models/offline/ensemble.json      {"members": ["members/0", "members/1"], "combine": "..."}
    models/offline/members/0/         a Hugging Face model directory (seed S)
    models/offline/members/1/         the same recipe, seed S + 1

`MeanProbability` wraps the members as one token classifier whose logits are the logarithm
of the mean of the members' probabilities: a softmax of them gives the mean itself, so the
decoder, the export (one ONNX graph with every member inside) and any service that reads the
bundle treat it as a single model. `modeling.load_checkpoint` loads such a directory.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers.modeling_outputs import TokenClassifierOutput

from .modeling import ENSEMBLE_FILE
COMBINE = "log of the mean of the members' softmax probabilities (a softmax of it gives that mean)"


class EnsembleError(ValueError):
    pass


def member_dirs(path: str | Path) -> list[Path]:
    """The member run directories listed in `path/ensemble.json`, each checked to exist."""
    path = Path(path)
    where = path / ENSEMBLE_FILE
    try:
        members = json.loads(where.read_text(encoding="utf-8"))["members"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise EnsembleError(f"{where}: not an ensemble file ({exc}); expected {{\"members\": [\"members/0\", ...]}}") from exc
    if not isinstance(members, list) or not members:
        raise EnsembleError(f"{where}: 'members' must be a non-empty list of member directories")
    dirs = [path / m for m in members]
    missing = [str(d) for d in dirs if not (d / "config.json").is_file()]
    if missing:
        raise EnsembleError(f"{where}: member directories without a model: {missing}; copy the whole run "
                            "directory, members/ included, or re-train it")
    return dirs


def write_ensemble(path: str | Path, members: list[str | Path]) -> None:
    """`path/ensemble.json` naming `members` (directories inside `path`) by relative path."""
    path = Path(path)
    rel = [Path(m).resolve().relative_to(path.resolve()).as_posix() for m in members]
    info = {"members": rel, "combine": COMBINE}
    (path / ENSEMBLE_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


class MeanProbability(torch.nn.Module):
    """Token classifier over the mean probabilities of `members` (models with the same labels)."""

    def __init__(self, members: list):
        super().__init__()
        labels = {tuple(sorted(m.config.id2label.items())) for m in members}
        if len(labels) != 1:
            raise EnsembleError("ensemble members disagree on their labels; train them with the same schema")
        self.members = torch.nn.ModuleList(members)
        self.config = members[0].config  # labels, and the shapes the ONNX fusions need

    def forward(self, input_ids=None, attention_mask=None, **kwargs) -> TokenClassifierOutput:
        probs = [m(input_ids=input_ids, attention_mask=attention_mask, **kwargs).logits.float().softmax(-1)
                 for m in self.members]
        mean = torch.stack(probs).mean(0)
        return TokenClassifierOutput(logits=torch.log(mean.clamp_min(torch.finfo(mean.dtype).tiny)))
