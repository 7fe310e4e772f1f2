"""Ensembles (`members: N`): members trained side by side, one model whose probabilities are
their mean, loaded, scored and exported like any run directory."""
import json
import shutil

import numpy as np
import pytest
import torch

from military_ner.ensemble import COMBINE, MeanProbability
from military_ner.modeling import ModelLoadError, TorchRecognizer, load_checkpoint
from military_ner.windows import log_softmax


@pytest.fixture(scope="module")
def ensemble_run(tiny_run, gold, tmp_path_factory, root):
    """Two members fine-tuned from the tiny run's base, side by side in their own processes."""
    from military_ner.config import load_config
    from military_ner.training import fit
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tiny_run.parent / "base"), "build_base": False, "max_steps": 30, "eval_every": 1000,
        "early_stopping_patience": 0, "lr": 0.003, "generated_docs": 0, "members": 2, "threads": 2})
    out = tmp_path_factory.mktemp("ensemble") / "run"
    model, tok, stats = fit(cfg, gold, [], out, log=lambda *a: None)
    return out, model, stats


def test_members_train_with_their_own_seeds_and_are_saved_as_one_ensemble(ensemble_run):
    out, model, stats = ensemble_run
    info = json.loads((out / "ensemble.json").read_text())
    assert info == {"members": ["members/0", "members/1"], "combine": COMBINE}
    assert [m["seed"] for m in stats["members"]] == [42, 43] and stats["steps"] == 30
    for k, seed in enumerate((42, 43)):
        member = out / "members" / str(k)
        assert (member / "model.safetensors").exists() and (member / "train.log").exists()
        assert f"seed: {seed}" in (member / "config.yaml").read_text()
        assert not (member / "job.pkl").exists() and not (member / "progress.json").exists()
    assert not (out / "model.safetensors").exists()  # the root holds no single model to confuse a loader
    assert isinstance(model, MeanProbability) and len(model.members) == 2
    a, b = (torch.cat([p.flatten() for p in m.parameters()]) for m in model.members)
    assert not torch.equal(a, b)  # two seeds, two models


def test_the_ensemble_predicts_the_mean_of_its_members_probabilities(ensemble_run, gold):
    out, _, _ = ensemble_run
    rec = TorchRecognizer.load(out)
    members = [TorchRecognizer.load(out / "members" / str(k)) for k in range(2)]
    from military_ner.text import model_words
    _, norm = model_words(gold[0].text, rec.pre)
    logits, has = rec.word_logits(norm)
    probs = [np.exp(log_softmax(m.word_logits(norm)[0])) for m in members]
    mean = (probs[0] + probs[1]) / 2
    got = np.exp(log_softmax(logits))
    np.testing.assert_allclose(got[has], mean[has], atol=1e-5)
    assert not np.allclose(probs[0][has], probs[1][has], atol=1e-3)  # the mean is not just one member


def test_an_ensemble_exports_to_one_graph_that_the_runtime_reads_like_any_bundle(ensemble_run, gold, tmp_path):
    from military_ner.export import export
    from military_ner.runtime import Recognizer
    out, _, _ = ensemble_run
    info = export(out, tmp_path / "bundle", log=lambda *a: None, int8_generated=0)
    assert info["gate"]["passed"] and info["source"]["members"] == 2
    assert [i["name"] for i in info["inputs"]] == ["input_ids", "attention_mask"]
    assert (info["optimizations"]["bert_fusions"].get("Attention") == 4  # two layers in each of two members
            or info["optimizations"]["kept"].startswith("unfused"))
    onnx_rec = Recognizer.load(tmp_path / "bundle", precision="fp32")
    torch_rec = TorchRecognizer.load(out)
    texts = [d.text for d in gold]

    def keys(docs):
        return [[(s.start, s.end, s.label) for s in doc] for doc in docs]
    assert keys(onnx_rec.predict(texts)) == keys(torch_rec.predict(texts))


def test_an_ensemble_cannot_be_fine_tuned_and_a_missing_member_says_what_to_do(ensemble_run, tmp_path):
    out, _, _ = ensemble_run
    with pytest.raises(ModelLoadError, match="fine-tune one of its members"):
        load_checkpoint(str(out), for_training=True)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "members" / "1")
    with pytest.raises(ModelLoadError, match="members/1"):
        load_checkpoint(str(copy), for_training=False)


def test_members_must_be_at_least_one(root):
    from military_ner.config import load_config
    with pytest.raises(ValueError, match="'members'"):
        load_config(root / "configs/smoke.yaml", {"members": 0})


def test_a_single_model_trained_over_an_ensemble_replaces_it(ensemble_run, gold, tmp_path, root, tiny_run):
    from military_ner.config import load_config
    from military_ner.training import fit
    out, _, _ = ensemble_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tiny_run.parent / "base"), "build_base": False, "max_steps": 3, "eval_every": 1000,
        "early_stopping_patience": 0, "generated_docs": 0})
    model, _, _ = fit(cfg, gold, [], copy, log=lambda *a: None)
    assert not (copy / "ensemble.json").exists() and not (copy / "members").exists()
    assert not isinstance(model, MeanProbability) and not isinstance(load_checkpoint(str(copy), False)[0], MeanProbability)


def test_a_failing_member_stops_the_others_and_its_log_says_why(gold, tmp_path, root):
    from military_ner.config import load_config
    from military_ner.training import MemberError, fit
    cfg = load_config(root / "configs/smoke.yaml", {"model": str(tmp_path / "no-base"), "build_base": False,
                                                   "members": 2, "threads": 2, "generated_docs": 0})
    with pytest.raises(MemberError, match="could not load the checkpoint") as err:
        fit(cfg, gold, [], tmp_path / "run", log=lambda *a: None)
    assert "train.log" in str(err.value) and not (tmp_path / "run" / "ensemble.json").exists()


def test_members_with_their_own_data_draw_their_own_generated_articles(tiny_run, gold, tmp_path, root):
    from military_ner.config import load_config
    from military_ner.training import fit
    cfg = load_config(root / "configs/smoke.yaml", {
        "model": str(tiny_run.parent / "base"), "build_base": False, "max_steps": 2, "eval_every": 1000,
        "early_stopping_patience": 0, "generated_docs": 3, "members": 2, "threads": 2, "member_data": "own"})
    _, _, stats = fit(cfg, gold, [], tmp_path / "run", log=lambda *a: None)
    import yaml
    seeds = [yaml.safe_load((tmp_path / "run" / "members" / str(k) / "config.yaml").read_text())["generated_seed"]
             for k in range(2)]
    assert seeds == [1, 2] and [m["seed"] for m in stats["members"]] == [42, 43]
    for k in range(2):
        assert "3 generated articles" in (tmp_path / "run" / "members" / str(k) / "train.log").read_text()
    with pytest.raises(ValueError, match="'member_data'"):
        load_config(root / "configs/smoke.yaml", {"member_data": "mine"})
