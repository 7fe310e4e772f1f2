"""train.py end to end on the smoke config: reports, reproducibility, resume, clear load errors."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from military_ner.config import load_config, parse_overrides

PY = sys.executable


def run_train(root, *args, env=None, **kw):
    e = dict(os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", **(env or {}))
    return subprocess.run([PY, str(root / "train.py"), *args], cwd=root.parent, env=e, capture_output=True,
                          text=True, **kw)


def test_unknown_config_key_names_the_known_ones(root):
    with pytest.raises(ValueError, match=r"unknown config key\(s\) \['epoch'\].*known keys: .*epochs"):
        load_config(root / "configs/smoke.yaml", {"epoch": 3})


def test_reading_a_config_loads_neither_torch_nor_transformers(root, heavy_modules_after):
    code = f"from military_ner.config import load_config; load_config({str(root / 'configs/offline.yaml')!r})"
    assert heavy_modules_after(code) == []


def test_reports_name_the_command_as_run_from_the_repository_root(root, tmp_path):
    from military_ner.config import command_line
    assert command_line([str(root / "scripts/data_report.py"), "generated_docs=3", "--out", "a b.md"]) == \
        "python scripts/data_report.py generated_docs=3 --out 'a b.md'"
    assert command_line([str(root / "train.py"), "--config", "configs/offline.yaml"]) == \
        "python train.py --config configs/offline.yaml"
    assert command_line([str(tmp_path / "x.py")]) == f"python {tmp_path / 'x.py'}"  # outside the repository


def test_wrong_config_type_is_an_error(root):
    with pytest.raises(ValueError, match="'batch_size' must be an integer"):
        load_config(root / "configs/smoke.yaml", parse_overrides(["batch_size=2.5"]))
    with pytest.raises(ValueError, match="'all_gold' must be bool"):
        load_config(root / "configs/smoke.yaml", parse_overrides(["all_gold=yes please"]))
    with pytest.raises(ValueError, match="unknown preprocessing setting"):
        load_config(root / "configs/smoke.yaml", {"preprocessing": {"remove_vowels": True}})


def test_every_shipped_config_loads(root):
    for path in (root / "configs").glob("*.yaml"):
        load_config(path)


def test_arabert_without_network_fails_fast_naming_the_offline_ways(root, tmp_path):
    t0 = time.time()
    r = run_train(root, "--config", "configs/arabert.yaml", "--output-dir", str(tmp_path / "run"), timeout=120)
    assert r.returncode != 0
    assert time.time() - t0 < 60
    assert "configs/offline.yaml" in r.stderr and "--model /path/to/" in r.stderr
    assert not (tmp_path / "run" / "config.json").exists()


def test_missing_local_checkpoint_is_a_clear_error(root, tmp_path):
    r = run_train(root, "--config", "configs/smoke.yaml", "--model", str(tmp_path / "nothing-here"), timeout=120)
    assert r.returncode != 0
    assert "no such model directory" in r.stderr and "configs/offline.yaml" in r.stderr


@pytest.fixture(scope="session")
def smoke(root, tmp_path_factory):
    """The smoke config trained once into a temporary run directory (base built there too)."""
    tmp = tmp_path_factory.mktemp("smoke")
    args = ["--config", "configs/smoke.yaml", "--output-dir", str(tmp / "run"), f"model={tmp / 'base'}"]
    r = run_train(root, *args, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp, args, r


@pytest.mark.slow
def test_smoke_run_writes_a_standard_model_directory_with_reports(smoke):
    tmp, _, r = smoke
    run = tmp / "run"
    for name in ("config.json", "model.safetensors", "tokenizer.json", "preprocessing.json", "metrics.json",
                 "report.md", "README.md", "config.yaml"):
        assert (run / name).exists(), name
    assert not (run / "checkpoints").exists()
    config = json.loads((run / "config.json").read_text())
    assert config["id2label"]["0"] == "O" and len(config["id2label"]) == 9
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["heldout_ids"] == ["001_edbaaf092845f8a2"]
    assert metrics["heldout_gold"]["gold_entities"] > 0 and "real_dev" in metrics
    report = (run / "report.md").read_text()
    dev = metrics["real_dev"]["bootstrap"]
    assert dev["documents"] == metrics["real_dev"]["documents"] and dev["low"] <= dev["micro_f1"] <= dev["high"]
    assert "Model minus baseline, strict micro F1:" in report and "95% interval" in report
    assert "python" in metrics["command"] and "smoke.yaml" in metrics["command"]
    assert (tmp / "base" / "base_info.json").exists()
    from transformers import AutoModelForTokenClassification
    AutoModelForTokenClassification.from_pretrained(run)  # anything that accepts from_pretrained


@pytest.mark.slow
def test_same_seed_gives_the_same_metrics(root, smoke, tmp_path):
    tmp, args, _ = smoke
    again = [a if not a.startswith("--output-dir") else a for a in args]
    again[again.index("--output-dir") + 1] = str(tmp_path / "run2")
    r = run_train(root, *again, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    first = json.loads((tmp / "run" / "metrics.json").read_text())
    second = json.loads((tmp_path / "run2" / "metrics.json").read_text())
    for key in ("heldout_gold", "real_dev"):
        assert first[key] == second[key]
    assert first["training"]["train_loss"] == second["training"]["train_loss"]


@pytest.mark.slow
def test_killed_run_resumes_and_finishes_with_a_model(root, smoke, tmp_path):
    tmp, _, _ = smoke
    out = tmp_path / "run"
    args = ["--config", "configs/smoke.yaml", "--output-dir", str(out), f"model={tmp / 'base'}",
            "max_steps=300", "eval_every=10", "early_stopping_patience=0", "generated_docs=10"]
    env = dict(os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([PY, str(root / "train.py"), *args], cwd=root.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not list((out / "checkpoints").glob("checkpoint-*/trainer_state.json")):
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "model.safetensors").exists(), "the run finished before it could be killed"
    done = sorted(int(p.name.split("-")[1]) for p in (out / "checkpoints").glob("checkpoint-*"))
    assert done, "no checkpoint was written before the kill"
    # a kill during a save leaves a newer directory without trainer_state.json; make sure there is one
    half = out / "checkpoints" / f"checkpoint-{done[-1] + 10}"
    if not half.exists():
        shutil.copytree(out / "checkpoints" / f"checkpoint-{done[-1]}", half)
    (half / "trainer_state.json").unlink(missing_ok=True)
    r = run_train(root, *args, "--resume", timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "model.safetensors").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["steps"] == 300


def test_offline_base_is_rebuilt_when_its_settings_change_and_kept_otherwise(root, tmp_path):
    """A base built for other preprocessing or other generated text would tokenize differently
    from what the config says: ensure_base rebuilds it and says why; same settings, no rebuild."""
    from military_ner.training import ensure_base
    over = {"model": str(tmp_path / "base"), "base_generated_docs": 5, "base_wordfreq_words": 0}
    cfg = load_config(root / "configs/smoke.yaml", over)
    logs = []
    ensure_base(cfg, log=logs.append)
    info = json.loads((tmp_path / "base" / "base_info.json").read_text(encoding="utf-8"))
    assert info["fingerprint"] and logs
    logs.clear()
    ensure_base(cfg, log=logs.append)
    assert logs == []  # same settings: nothing rebuilt
    cfg = load_config(root / "configs/smoke.yaml", {**over, "preprocessing": {"unify_ta_marbuta": True}})
    ensure_base(cfg, log=logs.append)
    assert "rebuilding the offline base" in logs[0]
    new = json.loads((tmp_path / "base" / "base_info.json").read_text(encoding="utf-8"))
    assert new["fingerprint"] != info["fingerprint"] and new["preprocessing"]["unify_ta_marbuta"] is True


def test_resume_skips_and_removes_a_checkpoint_the_kill_left_half_written(tmp_path):
    """A run killed while saving leaves checkpoint-N without trainer_state.json (written last);
    resuming must start from the newest complete one, not crash on the half-written one."""
    from military_ner.training import last_complete_checkpoint
    ckpt = tmp_path / "checkpoints"
    for step, state in ((10, '{"global_step": 10}'), (20, '{"global_step": 20}'), (30, None), (40, '{"glob')):
        d = ckpt / f"checkpoint-{step}"
        d.mkdir(parents=True)
        (d / "model.safetensors").write_bytes(b"x")
        if state is not None:
            (d / "trainer_state.json").write_text(state)
    logs = []
    assert last_complete_checkpoint(ckpt, logs.append) == ckpt / "checkpoint-20"
    assert sorted(p.name for p in ckpt.iterdir()) == ["checkpoint-10", "checkpoint-20"]
    assert len(logs) == 2 and all("incomplete" in m for m in logs)
    assert last_complete_checkpoint(tmp_path / "missing", logs.append) is None


def test_masked_lm_pretraining_lowers_the_loss_and_the_base_loads(tmp_path):
    """The offline recipe pretrains its base (mlm_epochs 1); the smoke config does not, so this
    covers pretrain_mlm: it must learn something from repeated text and leave a loadable model."""
    from military_ner.data.generate import generate_documents
    from military_ner.modeling import load_checkpoint
    from military_ner.offline import BaseSpec, build_base
    from military_ner.text import Preprocessing
    texts = [d.text for d in generate_documents(20, seed=3)] * 3
    spec = BaseSpec(vocab_size=600, layers=1, hidden=32, heads=2, intermediate=64, max_position=128,
                    mlm_epochs=3.0, mlm_seq_len=64, mlm_batch_size=16, mlm_lr=3e-3)
    out = build_base(tmp_path / "base", texts, spec, Preprocessing(), log=lambda *a: None)
    mlm = json.loads((out / "base_info.json").read_text())["mlm"]
    assert mlm["steps"] > 20 and mlm["loss_last"] < mlm["loss_first"] - 0.3, mlm
    model, tok = load_checkpoint(str(out))
    assert model.config.num_hidden_layers == 1 and len(tok) <= 600


def test_masked_lm_loss_is_the_full_heads_loss():
    """pretrain_mlm runs the MLM head on masked positions only; the loss must be the one
    BertForMaskedLM computes over every position."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from military_ner.offline import masked_lm_loss
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=300, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                       intermediate_size=64, max_position_embeddings=64)).eval()
    ids = torch.randint(5, 300, (4, 40))
    labels = torch.where(torch.rand(ids.shape) < 0.15, ids, torch.full_like(ids, -100))
    labels[0, 0] = ids[0, 0]
    want = model(input_ids=ids, labels=labels).loss
    assert torch.allclose(masked_lm_loss(model, ids, labels), want, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_parallel_runs_hold_out_each_article_once_and_pool_them(root, smoke, tmp_path):
    """scripts/parallel_runs.sh: one run per gold article held out, the extra seeds asked for,
    and a pooled report whose CV covers every article exactly once."""
    tmp, _, _ = smoke
    out = tmp_path / "par"
    env = dict(os.environ, PYTHON=PY, CONFIG="configs/smoke.yaml", THREADS="1", SEEDS="7", JOBS="2")
    r = subprocess.run(["bash", str(root / "scripts/parallel_runs.sh"), str(out), f"model={tmp / 'base'}",
                        "build_base=false", "max_steps=3", "generated_docs=5"],
                       cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "6 runs, 2 at a time, threads per run: 1" in r.stderr
    ids = sorted(p.stem for p in (root / "annotations").glob("*.conll"))
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted([f"heldout-{i}" for i in ids] + ["seed-7"])
    for i in ids:
        assert json.loads((out / f"heldout-{i}" / "metrics.json").read_text())["heldout_ids"] == [i]
    report = (out / "report.md").read_text()
    assert f"pooled over {len(ids)} runs (seed 42" in report and "over 6 runs" in report


def test_length_grouped_order_is_a_seeded_permutation_with_little_padding():
    import random

    from military_ner.training import length_grouped_order
    r = random.Random(0)
    lengths = [r.choice([128] * 5 + list(range(10, 128))) for _ in range(1000)]
    order = length_grouped_order(lengths, 32, seed=42, epoch=0)
    assert sorted(order) == list(range(1000))
    assert order == length_grouped_order(lengths, 32, seed=42, epoch=0)
    assert order != length_grouped_order(lengths, 32, seed=42, epoch=1)
    assert order != length_grouped_order(lengths, 32, seed=7, epoch=0)
    batches = [order[k:k + 32] for k in range(0, 1000, 32)]
    assert all(len(b) == 32 for b in batches[:-1]) and len(batches[-1]) == 1000 % 32  # the short batch last
    shuffled = list(range(1000))
    r.shuffle(shuffled)

    def fill(o):
        return sum(lengths) / sum(max(lengths[i] for i in o[k:k + 32]) * len(o[k:k + 32]) for k in range(0, 1000, 32))
    assert fill(order) > 0.95 > fill(shuffled) + 0.2


@pytest.mark.slow
@pytest.mark.parametrize("group_by_length, input_mask", [(True, 0.0), (False, 0.0), (True, 0.2)])
def test_resume_from_a_checkpoint_gives_the_weights_of_an_uninterrupted_run(root, smoke, tmp_path, monkeypatch,
                                                                            group_by_length, input_mask):
    """Resuming mid-epoch, several epochs before the end, repeats the uninterrupted run exactly:
    the training order depends on (seed, epoch) only, and the Trainer restores the rest."""
    import torch
    from safetensors.torch import load_file

    from military_ner import training
    from military_ner.annotations import load_gold
    tmp, _, _ = smoke
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tmp / "base"), "max_steps": 24, "eval_every": 10, "early_stopping_patience": 0,
        "generated_docs": 6, "gold_repeat": 1, "group_by_length": group_by_length, "input_mask": input_mask})
    gold = load_gold(root / cfg.annotations, root / cfg.seeds)[:2]
    docs = training.training_documents(cfg, gold, log=lambda *_: None)
    quiet = dict(log=lambda *_: None)
    training.fine_tune(cfg, docs, [], tmp_path / "whole", **quiet)
    monkeypatch.setattr(training.shutil, "rmtree", lambda *a, **k: None)  # keep the checkpoints this time
    _, _, stats = training.fine_tune(cfg, docs, [], tmp_path / "cut", **quiet)
    per_epoch = -(-stats["train_windows"] // cfg.batch_size)
    assert 20 % per_epoch and 20 // per_epoch < 24 // per_epoch  # resumed mid-epoch, with an epoch still to start
    shutil.rmtree(tmp_path / "cut" / "checkpoints" / "checkpoint-24")  # as if killed after step 20
    (tmp_path / "cut" / "model.safetensors").unlink()
    training.fine_tune(cfg, docs, [], tmp_path / "cut", resume=True, **quiet)
    want, got = load_file(tmp_path / "whole" / "model.safetensors"), load_file(tmp_path / "cut" / "model.safetensors")
    assert want.keys() == got.keys()
    assert all(torch.equal(want[k], got[k]) for k in want)


def test_input_mask_hides_a_share_of_the_sub_words_and_never_the_special_ones():
    import torch

    from military_ner.training import mask_inputs
    ids = torch.randint(5, 1000, (64, 128))
    ids[:, 0], ids[:, -1], ids[:8, 100:] = 2, 3, 0  # [CLS], [SEP], padding
    g = torch.Generator().manual_seed(0)
    masked = mask_inputs(ids, 0.25, 4, {0, 2, 3}, generator=g)
    hidden = masked == 4
    assert not hidden[:, 0].any() and not hidden[:, -1].any() and not hidden[:8, 100:].any()
    assert torch.equal(masked[~hidden], ids[~hidden])
    share = hidden.sum().item() / (ids.numel() - 2 * 64 - 8 * 28)
    assert 0.23 < share < 0.27
    assert torch.equal(mask_inputs(ids, 0.0, 4, {0, 2, 3}), ids)
    with pytest.raises(ValueError, match="input_mask"):
        load_config(None, {"input_mask": 1.0})


def test_dropout_reaches_every_layer_the_forward_pass_uses_and_the_saved_config():
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from military_ner.training import set_dropout
    model = BertForTokenClassification(BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=2,
                                                  num_attention_heads=2, intermediate_size=64, num_labels=9)).train()
    ids = torch.randint(5, 60, (4, 16))
    assert set_dropout(model, 0.0) > 0
    assert torch.equal(model(input_ids=ids).logits, model(input_ids=ids).logits)  # no layer left at 0.1
    set_dropout(model, 0.3)
    assert {m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)} == {0.3}
    assert not torch.equal(model(input_ids=ids).logits, model(input_ids=ids).logits)
    assert (model.config.hidden_dropout_prob, model.config.attention_probs_dropout_prob,
            model.config.classifier_dropout) == (0.3, 0.3, 0.3)
    assert load_config(None, {}).dropout == -1.0  # the checkpoint's own unless asked
    for bad in (1.0, -0.5):
        with pytest.raises(ValueError, match="dropout"):
            load_config(None, {"dropout": bad})


def test_outside_scope_masks_only_the_sub_words_of_words_labelled_O():
    import torch

    from military_ner.training import mask_inputs
    from military_ner.windows import IGNORE
    # [CLS] w0 w1 w1' w2 w2' w2'' w3 [SEP] pad: w1 is B-UNIT (two sub-words), w2 I-UNIT, w0 and w3 O
    ids = torch.tensor([[2, 10, 11, 12, 13, 14, 15, 16, 3, 0]] * 4000)
    labels = torch.tensor([[IGNORE, 0, 3, IGNORE, 4, IGNORE, IGNORE, 0, IGNORE, IGNORE]] * 4000)
    masked = mask_inputs(ids, 0.5, 4, {0, 2, 3}, generator=torch.Generator().manual_seed(0), labels=labels)
    hidden = (masked == 4).float().mean(dim=0)
    assert hidden[[0, 2, 3, 4, 5, 6, 8, 9]].eq(0).all()  # special tokens, padding and every entity sub-word
    assert 0.45 < hidden[1] < 0.55 and 0.45 < hidden[7] < 0.55
    with pytest.raises(ValueError, match="input_mask_scope"):
        load_config(None, {"input_mask_scope": "inside"})


def test_input_mask_changes_training_batches_only(root, smoke, tmp_path, monkeypatch):
    """Masking happens in the training step: the held-out article's windows are scored as they are."""
    from military_ner import training
    from military_ner.annotations import load_gold
    tmp, _, _ = smoke
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tmp / "base"), "max_steps": 6, "eval_every": 3, "early_stopping_patience": 0,
        "generated_docs": 4, "gold_repeat": 1, "input_mask": 0.3, "input_mask_scope": "outside"})
    gold = load_gold(root / cfg.annotations, root / cfg.seeds)
    calls, mask = [], training.mask_inputs
    monkeypatch.setattr(training, "mask_inputs",
                        lambda ids, *a, labels, **k: calls.append(labels.shape) or mask(ids, *a, labels=labels, **k))
    docs = training.training_documents(cfg, gold[1:3], log=lambda *_: None)
    _, _, stats = training.fine_tune(cfg, docs, gold[:1], tmp_path / "run", log=lambda *_: None)
    assert len(calls) == stats["steps"] == 6  # two evaluations ran and masked nothing


def _wordpiece_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    letters = "الفرقاطةكتيب"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "الفرقاطة", "الكتيبة", "444", "##اطة"]
    vocab += list(letters) + ["##" + c for c in letters]
    tk = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return PreTrainedTokenizerFast(tokenizer_object=tk, cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]",
                                   unk_token="[UNK]", mask_token="[MASK]")


def test_subword_split_cuts_letter_words_into_pieces_that_spell_them():
    from military_ner.training import SubwordSplitter
    tok = _wordpiece_tokenizer()
    words = ["الفرقاطة", "الكتيبة", "444"] * 200
    pieces = [tok.backend_tokenizer.encode([w], is_pretokenized=True, add_special_tokens=False).ids for w in words]
    assert pieces[:3] == [[5], [6], [7]]  # the tokenizer's own encoding: one sub-word each
    cut = SubwordSplitter(tok.backend_tokenizer, 1.0, seed=0)(words, pieces)
    for word, ids in zip(words, cut):
        toks = tok.convert_ids_to_tokens(ids)
        assert "".join(t.removeprefix("##") for t in toks) == word  # the pieces spell the word
        assert not toks[0].startswith("##") and all(t.startswith("##") for t in toks[1:])
        assert len(ids) > 1 or word == "444"  # letters only: numbers stay whole
    half = SubwordSplitter(tok.backend_tokenizer, 0.5, seed=1)(words, pieces)
    share = sum(a != b for a, b in zip(half, pieces)) / 400
    assert 0.4 < share < 0.6
    assert half == SubwordSplitter(tok.backend_tokenizer, 0.5, seed=1)(words, pieces)  # seeded
    assert half != SubwordSplitter(tok.backend_tokenizer, 0.5, seed=2)(words, pieces)


def test_subword_split_keeps_one_label_per_word_and_needs_wordpiece():
    from tokenizers import Tokenizer, models

    from military_ner.schema import Document, Span
    from military_ner.text import Preprocessing
    from military_ner.training import SubwordSplitter, encode
    from military_ner.windows import IGNORE
    tok = _wordpiece_tokenizer()
    doc = Document("d", "الكتيبة 444 الفرقاطة", [Span(0, 11, "UNIT", "الكتيبة 444")])
    plain = encode([doc], tok, Preprocessing(), 64, 16)
    cut = encode([doc], tok, Preprocessing(), 64, 16, subword_split=0.99, seed=3)
    assert len(cut["input_ids"][0]) > len(plain["input_ids"][0])
    assert [x for x in cut["labels"][0] if x != IGNORE] == [x for x in plain["labels"][0] if x != IGNORE]
    with pytest.raises(ValueError, match="WordPiece tokenizer.*subword_split=0"):
        SubwordSplitter(Tokenizer(models.BPE()), 0.1, seed=0)
    with pytest.raises(ValueError, match="subword_split"):
        load_config(None, {"subword_split": 1.0})


def test_weight_average_is_the_running_mean_of_the_last_share_of_steps(tmp_path):
    import torch
    from types import SimpleNamespace

    from military_ner.training import weight_average_callback
    model, args = torch.nn.Linear(2, 1), SimpleNamespace(output_dir=str(tmp_path))
    average = weight_average_callback(0.5)
    average.on_train_begin(args, SimpleNamespace(max_steps=6, global_step=0), None)
    for step in range(1, 7):
        with torch.no_grad():
            model.weight.fill_(float(step))
            model.bias.fill_(-2.0 * step)
        average.on_step_end(args, SimpleNamespace(max_steps=6, global_step=step), None, model=model)
    assert average.apply(model) == 3  # steps 4, 5 and 6
    assert torch.allclose(model.weight, torch.full_like(model.weight, 5.0))
    assert torch.allclose(model.bias, torch.full_like(model.bias, -10.0))


def test_weight_average_settings_that_cannot_work_are_refused(root):
    with pytest.raises(ValueError, match="weight_average and early_stopping_patience"):
        load_config(root / "configs/smoke.yaml", {"weight_average": 0.4, "early_stopping_patience": 3})
    with pytest.raises(ValueError, match="share of the steps"):
        load_config(root / "configs/smoke.yaml", {"weight_average": 1.0, "early_stopping_patience": 0})
    with pytest.raises(ValueError, match="keep_last_step .* needs weight_average"):
        load_config(root / "configs/smoke.yaml", {"keep_last_step": True})


def test_weight_average_saves_the_mean_beside_the_last_step_and_resumes_to_the_same_mean(root, smoke, tmp_path,
                                                                                        monkeypatch):
    import torch
    from safetensors.torch import load_file

    from military_ner import training
    from military_ner.annotations import load_gold
    tmp, _, _ = smoke
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tmp / "base"), "max_steps": 24, "eval_every": 10, "early_stopping_patience": 0,
        "generated_docs": 6, "gold_repeat": 1, "weight_average": 0.5, "keep_last_step": True})
    gold = load_gold(root / cfg.annotations, root / cfg.seeds)[:2]
    docs = training.training_documents(cfg, gold, log=lambda *_: None)
    quiet = dict(log=lambda *_: None)
    _, _, stats = training.fine_tune(cfg, docs, [], tmp_path / "whole", **quiet)
    assert stats["averaged_steps"] == 12
    mean, last = (load_file(tmp_path / "whole" / p / "model.safetensors") for p in (".", "last-step"))
    assert mean.keys() == last.keys() and not all(torch.equal(mean[k], last[k]) for k in mean)
    monkeypatch.setattr(training.shutil, "rmtree", lambda *a, **k: None)  # keep the checkpoints this time
    training.fine_tune(cfg, docs, [], tmp_path / "cut", **quiet)
    shutil.rmtree(tmp_path / "cut" / "checkpoints" / "checkpoint-24")  # as if killed after step 20
    (tmp_path / "cut" / "model.safetensors").unlink()
    training.fine_tune(cfg, docs, [], tmp_path / "cut", resume=True, **quiet)
    got = load_file(tmp_path / "cut" / "model.safetensors")
    assert all(torch.equal(mean[k], got[k]) for k in mean)


@pytest.mark.parametrize("precision, computes_in", [("bf16", "bfloat16"), ("fp32", "float32")])
def test_precision_sets_the_math_of_training_steps_and_weights_stay_fp32(root, smoke, tmp_path, monkeypatch,
                                                                         precision, computes_in):
    """precision=bf16 runs the training steps under bf16 autocast on a CPU too; the saved weights stay fp32."""
    import torch

    from military_ner import modeling, training
    from military_ner.annotations import load_gold
    tmp, _, _ = smoke
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tmp / "base"), "max_steps": 3, "early_stopping_patience": 0, "generated_docs": 4,
        "gold_repeat": 1, "precision": precision})
    seen, load = set(), modeling.load_checkpoint

    def load_and_watch(*a, **k):
        model, tok = load(*a, **k)
        model.classifier.register_forward_hook(lambda m, i, out: seen.add(str(out.dtype).split(".")[-1]))
        return model, tok
    monkeypatch.setattr(modeling, "load_checkpoint", load_and_watch)
    gold = load_gold(root / cfg.annotations, root / cfg.seeds)
    docs = training.training_documents(cfg, gold[1:2], log=lambda *_: None)
    model, _, stats = training.fine_tune(cfg, docs, [], tmp_path / "run", log=lambda *_: None)
    assert seen == {computes_in} and stats["precision"] == precision
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    after = set()  # the returned model, which the run's report scores, computes in fp32 like the saved one
    model.classifier.register_forward_hook(lambda m, i, out: after.add(out.dtype))
    model(input_ids=torch.tensor([[2, 10, 11, 3]]))
    assert after == {torch.float32}
    assert training.training_precision("auto", gpu=False) == "fp32"  # CPU runs change only when asked
    with pytest.raises(ValueError, match="precision"):
        load_config(None, {"precision": "fp8"})
