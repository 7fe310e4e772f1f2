"""The ONNX export: a complete bundle whose gate passes, and a gate that catches a bad graph."""
import json

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from military_ner import cli, export as ex
from military_ner.runtime import BundleError, Recognizer


def test_export_writes_a_complete_bundle_whose_gate_passes(bundle):
    for name in ("model.onnx", "model.int8.onnx", "tokenizer.json", "bundle.json"):
        assert (bundle / name).exists(), name
    info = json.loads((bundle / "bundle.json").read_text())
    assert info["valid"] and info["gate"]["passed"] and info["gate"]["failures"] == []
    checks = {c["name"]: c for c in info["gate"]["checks"]}
    assert checks["max abs logit diff"]["value"] <= 1e-3
    assert checks["argmax agreement"]["value"] >= 0.999
    assert checks["dynamic axes"]["passed"] and checks["input names"]["passed"]
    assert info["labels"][0] == "O" and len(info["labels"]) == 9
    assert info["aggregation"]["rule"] == "first" and info["preprocessing"]["unify_alef"] is True
    assert {"torch", "transformers", "onnxruntime"} <= set(info["versions"])
    assert info["optimizations"]["bert_fusions"].get("Attention") == 2  # the tiny model has two layers
    g = onnx.load(str(bundle / "model.onnx")).graph
    assert [i.name for i in g.input] == ["input_ids", "attention_mask"] and [o.name for o in g.output] == ["logits"]


def test_int8_is_scored_next_to_fp32_on_the_gold(bundle):
    int8 = json.loads((bundle / "bundle.json").read_text())["gate"]["int8"]
    assert int8["fp32_f1"] > 0.5, "the overfitted tiny model should tag its own training articles"
    assert int8["met"] and int8["drop_points"] <= 0.5
    assert int8["tries"][0]["per_channel"] is False and "f1" in int8["tries"][0]


def test_int8_gate_documents_are_the_gold_plus_articles_no_training_run_draws(gold):
    docs, record = ex.int8_gate_documents(gold, 3)
    assert docs[:len(gold)] == list(gold) and len(docs) == len(gold) + 3
    assert record["gold"] == len(gold) and record["generated"] == 3
    assert [d.text for d in ex.int8_gate_documents(gold, 3)[0]] == [d.text for d in docs]  # the same every time
    from military_ner.data.generate import generate_documents
    from military_ner.config import TrainConfig
    seed = TrainConfig().generated_seed
    noise = {k: v for k, v in ex.INT8_GENERATED_SETTINGS.items() if k != "seed"}
    drawn = {d.text for d in generate_documents(50, seed, **noise)}  # the first training articles, drawn alike
    drawn |= {d.text for d in generate_documents(50, 10_000 + seed)}  # and the base's
    assert len(drawn) == 100 and not drawn & {d.text for d in docs[len(gold):]}
    assert ex.int8_gate_documents(gold, 0) == (list(gold), {"gold": len(gold), "generated": 0})
    with pytest.raises(ValueError, match=">= 0"):
        ex.int8_gate_documents(gold, -1)


def test_export_scores_int8_on_the_generated_articles_too(tiny_run, tmp_path, capsys):
    assert cli.main(["export", "--model", str(tiny_run), "--output", str(tmp_path / "b"), "--int8-generated", "4"]) == 0
    info = json.loads((tmp_path / "b" / "bundle.json").read_text())
    int8 = info["gate"]["int8"]
    assert int8["documents"]["generated"] == 4 and int8["documents"]["gold"] == info["gate"]["gold_documents"]
    # the tiny model learnt the gold only: fp32 on gold + generated is far below fp32 on the gold
    assert int8["fp32_f1"] < info["gate"]["torch_f1"] - 0.05
    assert "int8 against fp32 on 5 gold + 4 generated documents" in capsys.readouterr().out


def _perturb(src, dst, rename_output=False):
    m = onnx.load(str(src))
    bias = next(t for t in m.graph.initializer if list(t.dims) == [9])  # the classifier bias
    bias.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(bias) + np.float32(0.05), bias.name))
    if rename_output:
        old = m.graph.output[0].name
        for node in m.graph.node:
            node.output[:] = ["scores" if o == old else o for o in node.output]
        m.graph.output[0].name = "scores"
    onnx.save(m, str(dst))


@pytest.fixture(scope="module")
def reference(tiny_run, gold):
    model, tok, info = ex.load_run(tiny_run)
    batches = ex.gate_batches([d.text for d in gold], tok, {**info})
    return batches, ex.torch_logits(model, batches)


def test_a_perturbed_graph_fails_the_gate_with_the_difference(bundle, reference, tmp_path):
    batches, ref = reference
    _perturb(bundle / "model.onnx", tmp_path / "bad.onnx")
    gate = ex.validate_model_outputs(tmp_path / "bad.onnx", ref, batches, 9)
    assert len(gate.failures) == 1
    assert "max abs logit diff 5.00e-02 exceeds 1e-03" in gate.failures[0]
    assert not ex.validate_model_outputs(bundle / "model.onnx", ref, batches, 9).failures


def test_every_check_runs_and_all_failures_are_listed(bundle, reference, tmp_path):
    batches, ref = reference
    _perturb(bundle / "model.onnx", tmp_path / "bad.onnx", rename_output=True)
    gate = ex.validate_model_outputs(tmp_path / "bad.onnx", ref, batches, 9)
    failed = {c.name for c in gate.checks if not c.passed}
    assert {"output names", "runs on real inputs (batch and sequence vary)", "max abs logit diff",
            "argmax agreement"} <= failed
    assert len(gate.checks) == 8 and "input names" not in failed


def test_a_bad_export_exits_nonzero_and_marks_the_bundle_invalid(tiny_run, tmp_path, monkeypatch, capsys):
    real = ex.to_onnx

    def broken(model, path, opset=ex.OPSET):
        real(model, path, opset)
        _perturb(path, path)
    monkeypatch.setattr(ex, "to_onnx", broken)
    out = tmp_path / "bundle"
    assert cli.main(["export", "--model", str(tiny_run), "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert "max abs logit diff" in captured.err and "| max abs logit diff | NO:" in captured.out
    info = json.loads((out / "bundle.json").read_text())
    assert info["valid"] is False and info["gate"]["failures"]
    with pytest.raises(BundleError, match="export gate failed.*re-run `military-ner export`"):
        Recognizer.load(out)


def test_export_of_a_directory_that_is_not_a_run_says_what_it_expects(tmp_path, capsys):
    assert cli.main(["export", "--model", str(tmp_path), "--output", str(tmp_path / "b")]) == 2
    assert "preprocessing.json" in capsys.readouterr().err
