"""The training config: defaults in one typed dataclass, a YAML file per use (`configs/`), and
`key=value` overrides from the command line, in that order. An unknown key or a value of the
wrong type is an error that names the key; the resolved config is saved with every run
(`config.yaml`). Torch-free, so that commands which only read a config stay light.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .text import Preprocessing

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class TrainConfig:
    # --- model: any hub id or local directory, loaded with from_pretrained
    model: str = "aubmindlab/bert-base-arabertv02"
    output_dir: str = "models/run"
    build_base: bool = False        # offline configs: build `model` from our own text when it is missing
    base: dict = field(default_factory=dict)          # offline.BaseSpec fields
    base_generated_docs: int = 2000  # generated articles the offline base (tokenizer + MLM) is built from
    base_wordfreq_words: int = 0    # + the N most frequent Arabic words of the wordfreq package (tokenizer only)
    preprocessing: dict = field(default_factory=dict)  # text.Preprocessing fields (defaults = AraBERT v02)
    # --- data: held-out gold articles are never trained on in that run
    annotations: str = "annotations"
    seeds: str = "seeds"
    heldout: list = field(default_factory=lambda: ["001_edbaaf092845f8a2"])
    all_gold: bool = False          # deployment model: train on all five articles (report cites CV scores)
    gold_repeat: int = 4            # each training gold article is seen this many times per epoch
    generated_docs: int = 0         # synthetic articles from the data engine (0 = gold only)
    generated_seed: int = 1
    generated_filler: float = 0.0   # mean O-labelled sentences of real Arabic words per generated article
    generated_name_noise: float = 0.0  # share of long unit/exercise names with a word swapped for a real one
    generated_person_noise: float = 0.0  # share of family names replaced by new ones (data/generate.py)
    generated_given_noise: float = 0.0  # share of one-word given names replaced by new ones
    generated_split: str = "all"    # "train": generate without the held-out fifth of the gazetteer names
    augment_copies: int = 0         # mention-replaced copies of each training gold article
    real_dev: str = "../shared/dev/real-dev.jsonl"  # real news, scored for the report only, never trained on
    # --- windows: long documents are cut with overlap, never truncated
    max_length: int = 256
    stride: int = 64
    # --- optimisation
    epochs: float = 3.0
    max_steps: int = -1
    batch_size: int = 16
    group_by_length: bool = True    # batch windows of similar length (less padding), same order on --resume
    lr: float = 5e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    input_mask: float = 0.0         # share of training sub-words shown as [MASK], labels kept (0 = none)
    input_mask_scope: str = "all"   # which sub-words input_mask may hide: "all", or "outside" (words labelled O)
    subword_split: float = 0.0      # share of training words cut at a random point into more sub-words (0 = none)
    dropout: float = -1.0           # every dropout layer's rate while fine-tuning (-1 = the checkpoint's own)
    weight_average: float = 0.0     # save the mean of the weights over this last share of the steps (0 = last step's)
    keep_last_step: bool = False    # with weight_average: also save the last step's weights in last-step/
    seed: int = 42
    members: int = 1                # models fine-tuned with seeds seed, seed+1, ...; their mean probability predicts
    member_data: str = "shared"     # "own": member k also draws its generated articles with generated_seed + k
    eval_every: int = 100           # steps between dev evaluations / checkpoints
    early_stopping_patience: int = 4  # evaluations without dev F1 gain before stopping (needs held-out gold)
    threads: int = 0                # torch CPU threads (0 = all cores)
    precision: str = "auto"         # training math: auto (GPU bf16/fp16, CPU fp32), fp32, or bf16 (autocast, CPU too)
    log_every: int = 20


MEMBER_DATA = ("shared", "own")
MASK_SCOPES = ("all", "outside")
PRECISIONS = ("auto", "fp32", "bf16")


def _coerce(name: str, value, default):
    kind = type(default)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool):
        if kind is int and float(value) != int(value):
            raise ValueError(f"config key {name!r} must be an integer, got {value!r}")
        return kind(value)
    elif isinstance(value, kind):
        return value
    raise ValueError(f"config key {name!r} must be {kind.__name__}, got {type(value).__name__} {value!r}")


def load_config(path: str | Path | None, overrides: dict | None = None) -> TrainConfig:
    """Defaults <- YAML file <- overrides. Unknown keys and wrong types are errors."""
    raw: dict = {}
    if path:
        path = Path(path)
        if not path.exists() and not path.is_absolute() and (ROOT / path).exists():
            path = ROOT / path  # configs/x.yaml works from any directory
        if not path.exists():
            raise FileNotFoundError(f"config file {path} not found; see configs/ for the shipped ones")
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: a config is a YAML mapping of key: value")
    raw.update(overrides or {})
    defaults = TrainConfig()
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown config key(s) {unknown}{' in ' + str(path) if path else ''}; "
                         f"known keys: {', '.join(sorted(known))}")
    values = {k: _coerce(k, v, getattr(defaults, k)) for k, v in raw.items()}
    cfg = TrainConfig(**values)
    Preprocessing.from_dict(cfg.preprocessing)  # validate now, not after an hour of training
    if not 0.0 <= cfg.input_mask < 1.0:
        raise ValueError(f"config key 'input_mask' is a share of the sub-words in [0, 1), got {cfg.input_mask}")
    if not 0.0 <= cfg.subword_split < 1.0:
        raise ValueError(f"config key 'subword_split' is a share of the words in [0, 1), got {cfg.subword_split}")
    if cfg.input_mask_scope not in MASK_SCOPES:
        raise ValueError(f"config key 'input_mask_scope' is one of {', '.join(MASK_SCOPES)}, got {cfg.input_mask_scope!r}")
    if cfg.precision not in PRECISIONS:
        raise ValueError(f"config key 'precision' is one of {', '.join(PRECISIONS)}, got {cfg.precision!r}")
    if cfg.dropout != -1.0 and not 0.0 <= cfg.dropout < 1.0:
        raise ValueError(f"config key 'dropout' is a rate in [0, 1), or -1 for the checkpoint's own, got {cfg.dropout}")
    if not 0.0 <= cfg.weight_average < 1.0:
        raise ValueError(f"config key 'weight_average' is a share of the steps in [0, 1), got {cfg.weight_average}")
    if cfg.weight_average and cfg.early_stopping_patience and cfg.heldout:
        raise ValueError("weight_average and early_stopping_patience both choose the weights to save; "
                         "set one of them to 0")
    if cfg.member_data not in MEMBER_DATA:
        raise ValueError(f"config key 'member_data' is one of {', '.join(MEMBER_DATA)}, got {cfg.member_data!r}")
    if cfg.members < 1:
        raise ValueError(f"config key 'members' is how many models to train and average, at least 1, got {cfg.members}")
    if cfg.keep_last_step and not cfg.weight_average:
        raise ValueError("keep_last_step keeps the last step's weights beside their mean: it needs weight_average > 0")
    from .data.gazetteers import SPLITS
    if cfg.generated_split not in SPLITS:
        raise ValueError(f"config key 'generated_split' must be one of {', '.join(SPLITS)}, got {cfg.generated_split!r}")
    return cfg


def parse_overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"override {item!r} is not key=value")
        out[key.strip()] = yaml.safe_load(value)
    return out


def repo_path(p: str) -> Path:
    """Config paths are relative to the repository root, wherever the command runs."""
    path = Path(p).expanduser()
    return path if path.is_absolute() else ROOT / path


def save_config(cfg: TrainConfig, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.yaml").write_text(yaml.safe_dump(dataclasses.asdict(cfg), allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")


def command_line(argv: list[str] | None = None) -> str:
    """How this program was run, as a line to paste in the repository root (`python train.py ...`,
    `python scripts/data_report.py ...`): reports carry it beside their figures."""
    import shlex
    argv = sys.argv if argv is None else argv
    program = Path(argv[0]).resolve()
    if program.is_relative_to(ROOT):
        program = program.relative_to(ROOT)
    return shlex.join(["python", str(program), *argv[1:]])
