"""The torch-free runtime: same spans as the PyTorch path, offsets into the original text."""
import json
import shutil

import pytest

from military_ner import cli
from military_ner.runtime import BundleError, Recognizer


def keys(spans):
    return [(s.start, s.end, s.label, s.text) for s in spans]


@pytest.fixture(scope="module")
def onnx_fp32(bundle):
    return Recognizer.load(bundle, "fp32")


def test_importing_and_running_the_runtime_loads_neither_torch_nor_transformers(bundle, heavy_modules_after):
    code = (f"from military_ner.runtime import Recognizer; r = Recognizer.load({str(bundle)!r}); "
            "r.predict(['الفريق أول ركن'])")
    assert heavy_modules_after(code) == []


def test_fp32_spans_equal_the_pytorch_spans_on_every_gold_article(bundle, tiny_run, gold, onnx_fp32):
    from military_ner.modeling import TorchRecognizer
    texts = [d.text for d in gold]
    torch_spans = TorchRecognizer.load(tiny_run).predict(texts)
    onnx_spans = onnx_fp32.predict(texts)
    assert sum(map(len, onnx_spans)) > 0
    for t, o in zip(torch_spans, onnx_spans):
        assert keys(o) == keys(t)
        assert [s.score for s in o] == pytest.approx([s.score for s in t], abs=1e-4)


def test_int8_is_the_default_when_the_gate_allows_it(bundle, gold):
    rec = Recognizer.load(bundle)
    assert rec.precision == "int8" and "export gate" in rec.precision_reason
    assert sum(map(len, rec.predict([d.text for d in gold]))) > 0


@pytest.mark.parametrize("text", [
    "استقبل الفريقُ أولُ ركنٍ صلاح الدين النمروش",        # tashkeel
    "وصل اللـــواء خليفة حفتر إلى المنطقة العسكرية",       # tatweel
    "\u200fالعقيد أحمد\u200f، قائد الكتيبة ١٦٦ مشاة.",     # RLM, Arabic comma, Eastern digits
    "«مناورات درع الصحراء» بمشاركة ملحق الدفاع الأمريكي",  # quotes
])
def test_spans_point_into_the_original_text(onnx_fp32, text):
    for s in onnx_fp32.predict([text])[0]:
        assert text[s.start:s.end] == s.text and 0 < s.score <= 1


def test_empty_and_blank_texts_give_no_entities(onnx_fp32):
    assert onnx_fp32.predict(["", "  \n\u200f", "."]) == [[], [], []]


def test_a_batch_gives_the_same_spans_as_one_text_at_a_time(onnx_fp32, gold):
    texts = [gold[0].text, "الفريق أول", gold[1].text + "\n" + gold[2].text, ""]
    together = onnx_fp32.predict(texts)
    assert [keys(s) for s in together] == [keys(onnx_fp32.predict([t])[0]) for t in texts]


def test_predict_documents_keeps_ids_and_meta(onnx_fp32, gold):
    out = onnx_fp32.predict_documents(gold[:2])
    assert [d.id for d in out] == [d.id for d in gold[:2]] and out[0].text == gold[0].text


def test_the_cli_loader_gives_the_onnx_recognizer_for_a_bundle(bundle):
    rec = cli.load_recognizer(str(bundle))
    assert isinstance(rec, Recognizer) and rec.info()["engine"] == "onnxruntime"


def test_a_directory_without_bundle_json_says_how_to_make_one(tmp_path):
    with pytest.raises(BundleError, match="military-ner export --model RUN_DIR"):
        Recognizer.load(tmp_path)


def test_a_bundle_missing_its_graph_says_so(bundle, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    (copy / "model.int8.onnx").unlink()
    with pytest.raises(BundleError, match="model.int8.onnx is missing"):
        Recognizer.load(copy, "int8")
    info = json.loads((copy / "bundle.json").read_text())
    with pytest.raises(BundleError, match="precision 'fp16' is not one of"):
        Recognizer.load(copy, "fp16")
    assert info["models"]["fp32"]["file"] == "model.onnx"
