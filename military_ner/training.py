"""Fine-tuning: datasets of labelled windows, the Trainer run, ensembles of members, and
leave-one-article-out cross-validation. `train.py` is the readable entry point that calls
these in order; this module holds the pieces so cross-validation can reuse them.

What it does not do: read configs (`config.py`), load checkpoints (`modeling.py`), build the offline base
(`offline.py`), score (`evaluation.py`) or create data (`data/`).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from pathlib import Path

from .config import ROOT, TrainConfig, repo_path, save_config
from .schema import Document
from .text import Preprocessing, model_words
from .windows import IGNORE, WordEncoder, make_windows, window_labels


# ---------------------------------------------------------------------------- data

def generated_documents(cfg: TrainConfig) -> list[Document]:
    if cfg.generated_docs <= 0:
        return []
    from .data.generate import generate_documents
    return generate_documents(cfg.generated_docs, cfg.generated_seed, filler=cfg.generated_filler,
                              name_noise=cfg.generated_name_noise, person_noise=cfg.generated_person_noise,
                              given_noise=cfg.generated_given_noise, split=cfg.generated_split)


def training_documents(cfg: TrainConfig, train_gold: list[Document], log=print) -> list[Document]:
    """Training gold (repeated), its augmentations and generated articles."""
    docs = [d for d in train_gold for _ in range(cfg.gold_repeat)]
    if cfg.augment_copies > 0:
        from .data.augment import augment_documents
        docs += augment_documents(train_gold, cfg.augment_copies, cfg.seed)
    docs += generated_documents(cfg)
    log(f"training data: {len(train_gold)} gold articles x{cfg.gold_repeat}, "
        f"{cfg.augment_copies} augmented copies each, {cfg.generated_docs} generated articles "
        f"(~{cfg.generated_filler} filler sentences each, {cfg.generated_name_noise:.0%} of long names with a "
        f"swapped word, {cfg.generated_person_noise:.0%} of family and {cfg.generated_given_noise:.0%} of given names new"
        f"{', held-out names left out' if cfg.generated_split != 'all' else ''})")
    return docs


class SubwordSplitter:
    """Cuts a word at a random point into more WordPiece sub-words than the tokenizer's own encoding
    (`subword_split` in the config): `الفرقاطة` may be shown as `الفر ##قاطة` instead of `الفرقاطة`.
    A model that has seen a word only whole learns that word; shown its pieces now and then, it has to
    read names it never saw from their parts too. Only words made of letters are cut; both sides are
    encoded greedily longest-first from the vocabulary (the WordPiece rule), and a side that the
    vocabulary cannot spell leaves the word as the tokenizer encoded it. Training data only: prediction
    always uses the tokenizer's own encoding."""

    def __init__(self, backend, share: float, seed: int):
        model = backend.model
        if type(model).__name__ != "WordPiece":
            raise ValueError(f"subword_split needs a WordPiece tokenizer; this one is {type(model).__name__}: "
                             f"set subword_split=0")
        self.vocab = backend.get_vocab()
        self.prefix = model.continuing_subword_prefix
        self.normalizer = backend.normalizer
        self.share = share
        import numpy as np
        self.rng = np.random.default_rng([seed, 2026])

    def _greedy(self, text: str, first: bool) -> list[int] | None:
        ids, i = [], 0
        while i < len(text):
            for j in range(len(text), i, -1):
                piece = text[i:j] if first and i == 0 else self.prefix + text[i:j]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    i = j
                    break
            else:
                return None
        return ids

    def __call__(self, words: list[str], pieces: list[list[int]]) -> list[list[int]]:
        out = []
        for word, ids in zip(words, pieces):
            if self.rng.random() < self.share:
                w = self.normalizer.normalize_str(word) if self.normalizer else word
                if len(w) > 1 and w.isalpha():
                    k = int(self.rng.integers(1, len(w)))
                    head, tail = self._greedy(w[:k], True), self._greedy(w[k:], False)
                    if head is not None and tail is not None:
                        ids = head + tail
            out.append(ids)
        return out


def encode(docs: list[Document], tokenizer, pre: Preprocessing, max_length: int, stride: int,
           subword_split: float = 0.0, seed: int = 0):
    """A datasets.Dataset of labelled windows (first sub-word labelled, rest ignored); with
    `subword_split`, that share of the words cut into more sub-words (`SubwordSplitter`)."""
    from datasets import Dataset

    from .modeling import LABEL2ID
    from .schema import spans_to_tags
    backend = tokenizer.backend_tokenizer
    enc = WordEncoder(backend, tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token)
    split = SubwordSplitter(backend, subword_split, seed) if subword_split else None
    rows = {"input_ids": [], "labels": []}
    for d in docs:
        words, norm = model_words(d.text, pre)
        if not words:
            continue
        labels = [LABEL2ID[t] for t in spans_to_tags(words, d.entities, where=f"{d.id}: ")]
        pieces = enc.word_ids(norm)
        if split:
            pieces = split(norm, pieces)
        for win in make_windows(pieces, max_length, stride, enc.cls_id, enc.sep_id):
            rows["input_ids"].append(win.input_ids)
            rows["labels"].append(window_labels(win, labels))
    return Dataset.from_dict(rows)


def length_grouped_order(lengths, batch_size: int, seed: int, epoch: int, pool: int = 64) -> list[int]:
    """One epoch's order of training windows, cut into batches of similar length.

    Windows are shuffled, taken `pool` batches at a time, sorted by length inside the pool
    and cut into batches; the full batches are then shuffled and the one short batch, if
    any, goes last (so the DataLoader's cuts fall on batch edges). Padding per batch shrinks
    to almost nothing, while every batch still mixes windows from all over the data. The
    order is a function of (seed, epoch) alone, so a resumed run repeats the batches an
    uninterrupted run would have seen."""
    import numpy as np
    lengths = np.asarray(lengths)
    rng = np.random.default_rng([seed, epoch])
    idx = rng.permutation(len(lengths))
    batches = []
    for s in range(0, len(idx), batch_size * pool):
        chunk = idx[s:s + batch_size * pool]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    short = [b for b in batches if len(b) < batch_size]
    full = [b for b in batches if len(b) == batch_size]
    return [int(i) for k in rng.permutation(len(full)) for i in full[k]] + [int(i) for b in short for i in b]


class LengthGroupedSampler:
    """`length_grouped_order` as a DataLoader sampler; the Trainer calls `set_epoch`."""

    def __init__(self, lengths, batch_size: int, seed: int):
        self.lengths, self.batch_size, self.seed, self.epoch = list(lengths), batch_size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        return iter(length_grouped_order(self.lengths, self.batch_size, self.seed, self.epoch))




def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX), as oneDNN reports it."""
    import torch
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def training_precision(asked: str, gpu: bool, log=print) -> str:
    """The math a run trains in: "fp32", "bf16" or "fp16" (mixed precision: weights and optimizer stay fp32,
    matrix products run under autocast). "auto" keeps CPU runs in fp32 and gives GPUs bf16, or fp16 where
    the GPU has no bf16."""
    import torch
    if asked == "fp32":
        return "fp32"
    if asked == "auto":
        return ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if gpu else "fp32"
    if gpu and not torch.cuda.is_bf16_supported():
        raise ValueError("precision=bf16, but this GPU has no bf16; use precision=auto (fp16 there) or fp32")
    if not gpu and not cpu_has_native_bf16():
        log("precision=bf16: this CPU has no bf16 instructions (AVX512-BF16 or AMX), so bf16 is emulated and "
            "may train slower than fp32; precision=fp32 avoids that")
    return "bf16"


def mask_inputs(input_ids, share: float, mask_id: int, keep_ids, generator=None, labels=None):
    """A copy of `input_ids` with each sub-word that is not in `keep_ids` (padding, [CLS],
    [SEP]) replaced by `mask_id` with probability `share`. Labels are left as they are, so a
    masked entity word must be told from its context. With `labels` (the windows' labels: a
    word's label on its first sub-word, IGNORE on the rest), only sub-words of words labelled O
    are drawn: the entity words stay, and the model must tell them by their own form."""
    import torch

    from .modeling import LABEL2ID
    draw = torch.rand(input_ids.shape, generator=generator, device=input_ids.device) < share
    draw &= ~torch.isin(input_ids, torch.tensor(sorted(keep_ids), device=input_ids.device))
    if labels is not None:
        # each sub-word takes the label of the nearest labelled sub-word at or before it
        where = torch.arange(labels.shape[1], device=labels.device).expand_as(labels)
        first = torch.where(labels != IGNORE, where, torch.zeros_like(where)).cummax(dim=1).values
        draw &= labels.gather(1, first) == LABEL2ID["O"]
    return input_ids.masked_fill(draw, mask_id)


def trainer_class(group_by_length: bool, input_mask: float = 0.0, mask_id: int | None = None, keep_ids=(),
                  mask_scope: str = "all"):
    """transformers' Trainer, with two optional changes to training only (evaluation sees the
    windows as they are): the training order is `LengthGroupedSampler` (the Trainer's own length
    grouping draws from the global random state, which --resume does not restore at the same
    point), and `input_mask` of each training batch's sub-words (of its O words only, with
    `mask_scope="outside"`) are shown as `mask_id`."""
    from transformers import Trainer
    if not group_by_length and not input_mask:
        return Trainer
    if input_mask and mask_id is None:
        raise ValueError("input_mask needs a tokenizer with a mask token ([MASK])")

    class MilitaryNerTrainer(Trainer):
        def _get_train_sampler(self, train_dataset=None):
            ds = self.train_dataset if train_dataset is None else train_dataset
            if not group_by_length:
                return super()._get_train_sampler(ds)
            return LengthGroupedSampler(map(len, ds["input_ids"]), self.args.train_batch_size, self.args.seed)

        def training_step(self, model, inputs, *args, **kwargs):
            if input_mask:
                labels = inputs["labels"] if mask_scope == "outside" else None
                inputs = {**inputs, "input_ids": mask_inputs(inputs["input_ids"], input_mask, mask_id, keep_ids,
                                                             labels=labels)}
            return super().training_step(model, inputs, *args, **kwargs)
    return MilitaryNerTrainer


def weight_average_callback(share: float):
    """A Trainer callback that keeps the running mean of the model's floating-point weights over
    the last `share` of the steps (weight averaging without a cyclic schedule: the mean of nearby
    solutions along the decaying learning rate, for a flatter optimum). `apply` puts the mean in
    the model; checkpoints carry it, so `--resume` continues the same mean."""
    import torch
    from transformers import TrainerCallback

    class WeightAverage(TrainerCallback):
        FILE = "weight_average.pt"

        def __init__(self):
            self.mean: dict | None = None
            self.count, self.first = 0, None

        def on_train_begin(self, args, state, control, **kw):
            self.first = int(state.max_steps * (1 - share)) + 1  # the first step whose weights count

        def on_step_end(self, args, state, control, model=None, **kw):
            if state.global_step < self.first:
                return
            with torch.no_grad():
                weights = {k: v.detach().float() for k, v in model.state_dict().items() if v.is_floating_point()}
                if self.mean is None:
                    self.mean, self.count = {k: v.clone() for k, v in weights.items()}, 1
                    return
                self.count += 1
                for k, v in weights.items():
                    self.mean[k].add_(v - self.mean[k], alpha=1.0 / self.count)

        def on_save(self, args, state, control, **kw):
            if self.mean is not None:
                path = Path(args.output_dir) / f"checkpoint-{state.global_step}" / self.FILE
                torch.save({"count": self.count, "mean": self.mean}, path)

        def load(self, checkpoint: Path) -> None:
            path = Path(checkpoint) / self.FILE
            if path.exists():
                saved = torch.load(path, map_location="cpu")
                self.mean, self.count = saved["mean"], saved["count"]

        def apply(self, model) -> int:
            """Load the mean into `model`; returns how many steps it averages (0: nothing to apply)."""
            if self.mean is None:
                return 0
            state = model.state_dict()
            model.load_state_dict({k: self.mean[k].to(v.device, v.dtype) if k in self.mean else v
                                   for k, v in state.items()})
            return self.count

    return WeightAverage()


class Collator:
    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, features):
        import torch
        width = max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(features), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            ids[i, :n] = torch.tensor(f["input_ids"])
            labels[i, :n] = torch.tensor(f["labels"])
            mask[i, :n] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def window_f1(eval_pred) -> dict:
    """Strict seqeval F1 over dev windows (first sub-words), for early stopping. Tags come from
    the same BIO Viterbi as prediction (`windows.viterbi_tags`); `continue_fragments` needs the
    text between words, which windows do not keep, so it is not applied here."""
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    from .modeling import ID2LABEL
    from .windows import bio_transitions, log_softmax, viterbi_tags
    labels_list = tuple(ID2LABEL[i] for i in range(len(ID2LABEL)))
    allowed, first = bio_transitions(labels_list)
    logits, labels = eval_pred
    y_true, y_pred = [], []
    for lg_row, l_row in zip(logits, labels):
        keep = l_row != IGNORE
        path = viterbi_tags(log_softmax(lg_row[keep]), allowed, first)
        y_true.append([ID2LABEL[int(v)] for v in l_row[keep]])
        y_pred.append([labels_list[j] for j in path])
    return {"f1": f1_score(y_true, y_pred, mode="strict", scheme=IOB2, zero_division=0)}


# ---------------------------------------------------------------------------- training

def last_complete_checkpoint(ckpt_dir: Path, log=print) -> Path | None:
    """The newest checkpoint a killed run can resume from. The Trainer writes trainer_state.json
    last, so a run killed while saving leaves a directory without a readable one: that directory
    holds nothing the previous checkpoint lacks, and it is removed (and said) so the resumed run
    can write the same step again."""
    found = []
    for path in ckpt_dir.glob("checkpoint-*") if ckpt_dir.is_dir() else []:
        try:
            step = int(path.name.split("-", 1)[1])
            json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):  # not a step number, no state, or a half-written one
            log(f"--resume: {path} is incomplete (the run was stopped while saving it); removing it")
            shutil.rmtree(path, ignore_errors=True)
            continue
        found.append((step, path))
    return max(found)[1] if found else None


def set_dropout(model, rate: float) -> int:
    """Set every dropout layer of `model` (embeddings, attention, hidden, classifier) to `rate`, and the
    config's rates with it so the saved config.json says what training used. Returns the layers set."""
    import torch
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    for m in layers:
        m.p = rate
    for key in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout"):
        if hasattr(model.config, key):
            setattr(model.config, key, rate)
    return len(layers)


class MemberError(RuntimeError):
    """An ensemble member's training process failed; the message ends with its log's last lines."""


def progress_callback(path: Path):
    """A Trainer callback that writes {"step", "max_steps"} to `path` at each log event, so the
    process training several members side by side can show one progress bar for all of them."""
    from transformers import TrainerCallback

    class ProgressFile(TrainerCallback):
        def on_log(self, args, state, control, **kwargs):
            path.write_text(json.dumps({"step": state.global_step, "max_steps": state.max_steps}))
    return ProgressFile()


def fine_tune(cfg: TrainConfig, train_docs: list[Document], dev_docs: list[Document], out_dir: Path,
              resume: bool = False, log=print, progress: Path | None = None):
    """Fine-tune `cfg.model` on `train_docs`; early-stop on `dev_docs` when there are any.
    Saves a standard Hugging Face model directory into `out_dir` and returns (model, tokenizer)."""
    import torch
    from transformers import EarlyStoppingCallback, TrainingArguments, set_seed

    from .modeling import load_checkpoint, save_preprocessing

    torch.set_num_threads(cfg.threads or os.cpu_count() or 1)
    set_seed(cfg.seed)
    pre = Preprocessing.from_dict(cfg.preprocessing)
    model, tok = load_checkpoint(str(repo_path(cfg.model)) if repo_path(cfg.model).exists() else cfg.model)
    if cfg.dropout != -1.0:
        set_dropout(model, cfg.dropout)
    train_ds = encode(train_docs, tok, pre, cfg.max_length, cfg.stride, cfg.subword_split, cfg.seed)
    dev_ds = encode(dev_docs, tok, pre, cfg.max_length, cfg.stride) if dev_docs else None
    gpu = torch.cuda.is_available()
    precision = training_precision(cfg.precision, gpu, log)
    log(f"{len(train_ds)} training windows, {len(dev_ds) if dev_ds else 0} dev windows; "
        f"device {'cuda' if gpu else 'cpu'}, {precision}")
    ckpt_dir = out_dir / "checkpoints"
    args = TrainingArguments(
        output_dir=str(ckpt_dir), seed=cfg.seed, data_seed=cfg.seed,
        num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size * 2,
        learning_rate=cfg.lr, warmup_steps=cfg.warmup_ratio, weight_decay=cfg.weight_decay,
        lr_scheduler_type="linear",
        bf16=precision == "bf16", fp16=precision == "fp16", use_cpu=not gpu and precision == "bf16",
        eval_strategy="steps" if dev_ds else "no", eval_steps=cfg.eval_every,
        save_strategy="steps", save_steps=cfg.eval_every, save_total_limit=2,
        load_best_model_at_end=bool(dev_ds), metric_for_best_model="f1", greater_is_better=True,
        logging_steps=cfg.log_every, report_to=[], dataloader_num_workers=0, dataloader_pin_memory=gpu,
        disable_tqdm=False,
    )
    callbacks = [EarlyStoppingCallback(cfg.early_stopping_patience)] if dev_ds and cfg.early_stopping_patience else []
    average = weight_average_callback(cfg.weight_average) if cfg.weight_average else None
    callbacks += [average] if average else []
    callbacks += [progress_callback(progress)] if progress else []
    trainer = trainer_class(cfg.group_by_length, cfg.input_mask, tok.mask_token_id, tok.all_special_ids,
                            cfg.input_mask_scope)(
        model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds, data_collator=Collator(tok.pad_token_id),
        compute_metrics=window_f1 if dev_ds else None, callbacks=callbacks)
    start = last_complete_checkpoint(ckpt_dir, log) if resume else None
    if resume and start is None:
        log(f"--resume: no complete checkpoint in {ckpt_dir}, starting from the beginning")
    if average and start:
        average.load(start)
    t0 = time.time()
    result = trainer.train(resume_from_checkpoint=str(start) if start else None)
    seconds = time.time() - t0

    def save(where: Path) -> None:  # a standard model directory: weights, tokenizer, our preprocessing
        trainer.save_model(str(where))
        tok.save_pretrained(str(where))
        save_preprocessing(where, pre, cfg.max_length, cfg.stride)

    averaged_steps = 0
    if average:
        if cfg.keep_last_step:
            save(out_dir / "last-step")
        averaged_steps = average.apply(trainer.model)
        log(f"saving the mean of the weights of the last {averaged_steps} steps")
    save(out_dir)
    shutil.rmtree(ckpt_dir, ignore_errors=True)  # the run directory holds the final model only
    stats = {"train_windows": len(train_ds), "train_tokens": int(sum(map(len, train_ds["input_ids"]))),
             "steps": int(result.global_step), "train_seconds": round(seconds, 1),
             "train_loss": round(float(result.training_loss), 4),
             "best_dev_window_f1": trainer.state.best_metric, "averaged_steps": averaged_steps,
             "precision": precision}
    stats["tokens_per_second"] = round(stats["train_tokens"] * cfg.epochs / max(seconds, 1e-6)) if cfg.max_steps < 0 else None
    # The model returned (and scored by the caller) is the one saved, read back: the Trainer's own keeps the
    # mixed-precision autocast that accelerate wraps around its forward, so it would be scored in bf16/fp16
    # while the saved weights, the export and every later prediction run in fp32.
    saved, _ = load_checkpoint(str(out_dir), for_training=False)
    return saved.to(trainer.model.device), tok, stats


def fit(cfg: TrainConfig, train_gold: list[Document], dev_docs: list[Document], out_dir: Path,
        resume: bool = False, log=print):
    """`fine_tune` on `training_documents(cfg, train_gold)`, or with `cfg.members` > 1 that many
    members (seeds seed, seed+1, ...; with `member_data: own` generated_seed + k too) saved under
    `out_dir/members/` and returned as one `ensemble.MeanProbability` model. On a CPU the members
    train side by side in their own processes, the threads shared out among them (a step at one
    thread is well over half as fast as at two); on a GPU one after the other."""
    import torch
    from .modeling import ENSEMBLE_FILE, load_checkpoint, save_preprocessing
    ensemble_file = out_dir / ENSEMBLE_FILE
    if cfg.members <= 1:
        ensemble_file.unlink(missing_ok=True)  # an older ensemble run in this directory is replaced, not loaded
        shutil.rmtree(out_dir / "members", ignore_errors=True)
        return fine_tune(cfg, training_documents(cfg, train_gold, log), dev_docs, out_dir, resume, log)
    from transformers import AutoTokenizer

    from .ensemble import write_ensemble
    ensemble_file.unlink(missing_ok=True)  # not an ensemble until every member is saved
    for stale in ("config.json", "model.safetensors"):  # a single model trained here before
        (out_dir / stale).unlink(missing_ok=True)
    dirs = [out_dir / "members" / str(k) for k in range(cfg.members)]
    own = cfg.member_data == "own"
    cfgs = [dataclasses.replace(cfg, seed=cfg.seed + k, members=1, generated_seed=cfg.generated_seed + k * own)
            for k in range(cfg.members)]
    shared = None if own else training_documents(cfg, train_gold, log)
    t0, gpu = time.time(), torch.cuda.is_available()
    if gpu:
        stats = []
        for k, (member_cfg, d) in enumerate(zip(cfgs, dirs)):
            log(f"--- member {k + 1}/{cfg.members}: seed {member_cfg.seed}")
            save_config(member_cfg, d)
            docs = shared or training_documents(member_cfg, train_gold, log)
            stats.append(fine_tune(member_cfg, docs, dev_docs, d, resume, log)[2])
    else:
        threads = max(1, (cfg.threads or os.cpu_count() or 1) // cfg.members)
        cfgs = [dataclasses.replace(c, threads=threads) for c in cfgs]
        if own:
            log(f"each member draws its own generated articles (generated_seed {[c.generated_seed for c in cfgs]})")
        stats = _members_side_by_side(cfgs, shared, train_gold, dev_docs, dirs, resume, log)
    AutoTokenizer.from_pretrained(str(dirs[0])).save_pretrained(str(out_dir))
    save_preprocessing(out_dir, Preprocessing.from_dict(cfg.preprocessing), cfg.max_length, cfg.stride)
    write_ensemble(out_dir, dirs)
    model, tok = load_checkpoint(str(out_dir), for_training=False)
    keys = ("train_windows", "train_tokens", "steps", "precision")
    combined = {**{k: stats[0][k] for k in keys}, "train_seconds": round(time.time() - t0, 1),
                "members": [{"seed": c.seed, **st} for c, st in zip(cfgs, stats)]}
    return model.to("cuda" if gpu else "cpu"), tok, combined


def _members_side_by_side(cfgs: list[TrainConfig], train_docs, train_gold, dev_docs, dirs: list[Path], resume: bool,
                          log=print) -> list[dict]:
    """Train each member in its own Python process (`python -m military_ner.training JOB`), its
    output in `DIR/train.log`; one progress bar over all of them. `train_docs` None: each member
    makes its own from `train_gold`. Returns each member's stats."""
    import pickle
    import subprocess

    from tqdm.auto import tqdm
    procs = []
    for cfg, d in zip(cfgs, dirs):
        save_config(cfg, d)
        job = d / "job.pkl"
        (d / "progress.json").unlink(missing_ok=True)
        job.write_bytes(pickle.dumps({"cfg": cfg, "train_docs": train_docs, "train_gold": train_gold,
                                      "dev_docs": dev_docs, "out_dir": d, "resume": resume}))
        with open(d / "train.log", "w", encoding="utf-8") as out:
            procs.append(subprocess.Popen([sys.executable, "-m", "military_ner.training", str(job)], stdout=out,
                                          stderr=subprocess.STDOUT, cwd=str(ROOT)))
    log(f"training {len(cfgs)} members side by side, {cfgs[0].threads} thread(s) each, seeds "
        f"{[c.seed for c in cfgs]}; each one's output in {dirs[0].parent}/N/train.log")
    bar = tqdm(total=None, unit="step", desc="members")
    try:
        while any(p.poll() is None for p in procs) and not any(p.poll() for p in procs):  # until all end or one fails
            time.sleep(2)
            done, per_member = 0, 0
            for d in dirs:
                try:
                    info = json.loads((d / "progress.json").read_text())
                    done, per_member = done + info["step"], max(per_member, info["max_steps"])
                except (OSError, ValueError, KeyError):
                    pass  # not started yet, or caught mid-write
            if per_member:
                bar.total, bar.n = per_member * len(dirs), done
                bar.refresh()
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        raise
    finally:
        bar.close()
    failed = [(d, p.returncode) for d, p in zip(dirs, procs) if p.poll() not in (None, 0)]
    if failed:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        tail = (failed[0][0] / "train.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
        raise MemberError("ensemble member(s) failed: " + ", ".join(f"{d} (exit {rc})" for d, rc in failed)
                          + f"; any still running were stopped. The end of {failed[0][0] / 'train.log'}:\n  " + "\n  ".join(tail))
    stats = []
    for d in dirs:
        stats.append(json.loads((d / "stats.json").read_text(encoding="utf-8")))
        (d / "job.pkl").unlink(missing_ok=True)
        (d / "progress.json").unlink(missing_ok=True)
    return stats


def _member_main(job_path: str) -> None:
    """One member's training, in its own process (see `_members_side_by_side`)."""
    import pickle
    job = pickle.loads(Path(job_path).read_bytes())
    d, cfg = job["out_dir"], job["cfg"]
    docs = job["train_docs"] or training_documents(cfg, job["train_gold"])
    stats = fine_tune(cfg, docs, job["dev_docs"], d, job["resume"], progress=d / "progress.json")[2]
    (d / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")


# ---------------------------------------------------------------------------- runs

def ensure_base(cfg: TrainConfig, log=print) -> None:
    """Offline configs: build the base model at `cfg.model` from our own text when it is
    missing, and rebuild it (saying why) when it was built from other settings or other
    generated text than this config and this code now give. Never used to replace a
    checkpoint that failed to load."""
    path = repo_path(cfg.model)
    if not cfg.build_base:
        return
    from .data.generate import generate_documents
    from .offline import BaseSpec, base_fingerprint, build_base
    texts = [d.text for d in generate_documents(cfg.base_generated_docs, seed=10_000 + cfg.generated_seed)]
    vocab_texts = []
    if cfg.base_wordfreq_words:
        import wordfreq  # real-news vocabulary: frequent words weigh more in the WordPiece counts
        words = wordfreq.top_n_list("ar", cfg.base_wordfreq_words)
        for w in words:
            vocab_texts.append(" ".join([w] * max(2, round(wordfreq.zipf_frequency(w, "ar") - 1))))
    spec, pre = BaseSpec(**cfg.base), Preprocessing.from_dict(cfg.preprocessing)
    if (path / "config.json").exists():
        want = base_fingerprint(texts, spec, pre, vocab_texts)
        info_path = path / "base_info.json"
        have = json.loads(info_path.read_text(encoding="utf-8")).get("fingerprint") if info_path.exists() else None
        if have == want:
            return
        log(f"rebuilding the offline base in {path}: it was built from other settings or other generated text "
            f"(fingerprint {have or 'none'}, this config and code give {want})")
    build_base(path, texts, spec, pre, log, vocab_texts=vocab_texts)


def real_dev_documents(cfg: TrainConfig) -> list[Document]:
    from .schema import read_span_jsonl
    path = repo_path(cfg.real_dev)
    return read_span_jsonl(path) if cfg.real_dev and path.exists() else []


def train_and_evaluate(cfg: TrainConfig, train_gold: list[Document], test_gold: list[Document], out_dir: Path,
                       resume: bool = False, log=print) -> dict:
    """One run: data -> fine-tune (early stopping on `test_gold` only in a plain run, see
    `dev_for_stopping`) -> evaluate on the held-out gold and the real-news dev set."""
    from .evaluation import evaluate
    from .modeling import TorchRecognizer
    overlap = {d.id for d in train_gold} & {d.id for d in test_gold}
    assert not overlap, f"held-out articles in training data: {overlap}"
    save_config(cfg, out_dir)
    model, tok, stats = fit(cfg, train_gold, test_gold if cfg.early_stopping_patience else [], out_dir, resume, log)
    pre = Preprocessing.from_dict(cfg.preprocessing)
    rec = TorchRecognizer(model, tok, pre, cfg.max_length, cfg.stride)
    metrics = {"training": stats, "heldout_ids": [d.id for d in test_gold]}
    if test_gold:
        metrics["heldout_gold"], _ = evaluate(rec.predict, test_gold)
    dev = real_dev_documents(cfg)
    if dev:
        metrics["real_dev"], _ = evaluate(rec.predict, dev)
        from .data.baseline import GazetteerTagger  # what the model must beat, same set, same scorer
        metrics["baseline_real_dev"], _ = evaluate(GazetteerTagger.from_gazetteers().predict, dev)
    return metrics


def cross_validate(cfg: TrainConfig, out_dir: Path, log=print) -> dict:
    """Leave-one-article-out over the gold: train on four (+ generated data), test on the
    fifth. No early stopping on the test article: every fold trains its fixed budget.
    Augmentation only sees the fold's training articles. Per-fold and pooled scores."""
    from .annotations import load_gold
    from .evaluation import score
    from .modeling import TorchRecognizer
    gold = load_gold(repo_path(cfg.annotations), repo_path(cfg.seeds))
    fold_cfg = dataclasses.replace(cfg, early_stopping_patience=0, real_dev="")
    folds, pooled_pred = {}, {}
    for k, test in enumerate(gold):
        train = [d for d in gold if d.id != test.id]
        log(f"--- fold {k + 1}/{len(gold)}: test {test.id}")
        fold_dir = out_dir / f"fold-{k + 1}"
        save_config(fold_cfg, fold_dir)
        model, tok, stats = fit(fold_cfg, train, [], fold_dir, log=log)
        rec = TorchRecognizer(model, tok, Preprocessing.from_dict(cfg.preprocessing), cfg.max_length, cfg.stride)
        pred = rec.predict([test.text])[0]
        pooled_pred[test.id] = pred
        folds[test.id] = {"metrics": score([test], {test.id: pred}), "training": stats}
        shutil.rmtree(fold_dir, ignore_errors=True)  # fold models are not kept
    return {"folds": folds, "pooled": score(gold, pooled_pred)}


if __name__ == "__main__":  # one ensemble member's process: python -m military_ner.training JOB
    _member_main(sys.argv[1])
