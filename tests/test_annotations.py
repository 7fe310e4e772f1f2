"""The annotation checker accepts the shipped gold and names file and line for each error."""
import json
import shutil

import pytest

from military_ner.annotations import load, write_conll
from military_ner.cli import main
from military_ner.schema import TYPES, read_span_jsonl, spans_to_tags, tags_to_spans
from military_ner.text import split_words


def test_shipped_annotations_pass_the_check(root, capsys):
    assert main(["annotations", "check"]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out


def test_gold_has_every_seed_and_every_type(root, gold):
    assert sorted(d.id for d in gold) == sorted(p.stem for p in (root / "seeds").glob("*.txt"))
    assert {s.label for d in gold for s in d.entities} == set(TYPES)


def test_export_round_trips_spans_bio_spans(tmp_path, gold):
    out = tmp_path / "gold.jsonl"
    assert main(["annotations", "export", "--out", str(out)]) == 0
    docs = read_span_jsonl(out)
    assert [d.id for d in docs] == [d.id for d in gold]
    for d, g in zip(docs, gold):
        words = split_words(d.text)
        assert tags_to_spans(d.text, words, spans_to_tags(words, d.entities)) == d.entities == g.entities
        assert all(d.text[s.start:s.end] == s.text for s in d.entities)


def test_import_reproduces_the_shipped_files(tmp_path, root, gold):
    for d in gold:
        path = write_conll(d, tmp_path)
        assert path.read_bytes() == (root / "annotations" / path.name).read_bytes()


@pytest.fixture()
def copy(tmp_path, root):
    ann, seeds = tmp_path / "annotations", tmp_path / "seeds"
    shutil.copytree(root / "annotations", ann)
    shutil.copytree(root / "seeds", seeds)
    return ann, seeds


def _plant(ann, old_line_pred, new_line):
    path = ann / "001_edbaaf092845f8a2.conll"
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if old_line_pred(line):
            lines[i] = new_line(line)
            path.write_text("\n".join(lines), encoding="utf-8")
            return path, i + 1
    raise AssertionError("nothing to plant on")


PLANTS = {
    "unknown tag": (lambda l: l == "أفريكوم\tB-UNIT", lambda l: "أفريكوم\tB-AFRICOM", "unknown tag 'B-AFRICOM'"),
    "I without B": (lambda l: l == "أركان\tB-UNIT", lambda l: "أركان\tI-UNIT", "does not continue a UNIT span"),
    "missing tab": (lambda l: l == "رفيع\tO", lambda l: "رفيع O", "expected 'word<TAB>tag'"),
    "wrong word": (lambda l: l == "رفيع\tO", lambda l: "وضيع\tO", "does not continue the seed text"),
    "span on punctuation": (lambda l: l == "(\tO", lambda l: "(\tB-UNIT", "starts on punctuation"),
}


@pytest.mark.parametrize("kind", PLANTS)
def test_each_planted_error_is_reported_with_file_and_line(copy, kind, capsys):
    ann, seeds = copy
    pred, new, message = PLANTS[kind]
    path, line = _plant(ann, pred, new)
    code = main(["annotations", "check", "--annotations", str(ann), "--seeds", str(seeds)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{path}:{line}: error:" in err and message in err


def test_punctuation_split_differently_is_an_error(copy, capsys):
    ann, seeds = copy
    path = ann / "001_edbaaf092845f8a2.conll"
    text = path.read_text(encoding="utf-8").replace("طرابلس\tO\n-\tO\n", "طرابلس-\tO\n", 1)
    path.write_text(text, encoding="utf-8")
    assert main(["annotations", "check", "--annotations", str(ann), "--seeds", str(seeds)]) == 1
    assert "not a word of the shared splitter" in capsys.readouterr().err


def test_missing_seed_and_missing_doc_id_are_errors(copy, capsys):
    ann, seeds = copy
    (seeds / "003_57296b024b3f908e.txt").unlink()
    (ann / "extra.conll").write_text("كلمة\tO\n", encoding="utf-8")
    assert main(["annotations", "check", "--annotations", str(ann), "--seeds", str(seeds)]) == 1
    err = capsys.readouterr().err
    assert "no seed article" in err and "missing '# doc_id" in err


def test_inconsistent_labels_are_warned_not_failed(copy):
    ann, seeds = copy
    # un-annotate one أفريكوم: it becomes O here but UNIT elsewhere
    path = ann / "004_f00c3430c6cb4abd.conll"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[::-1].replace("TINU-B\tموكيرفأ", "O\tموكيرفأ", 1)[::-1], encoding="utf-8")
    docs, problems = load(ann, seeds)
    warnings = [p for p in problems if p.severity == "warning"]
    assert any("'أفريكوم' is O here but labelled UNIT" in p.message for p in warnings)
    assert not [p for p in problems if p.severity == "error"]


def test_bad_span_jsonl_names_file_and_line(tmp_path):
    from military_ner.schema import SchemaError
    bad = tmp_path / "bad.jsonl"
    good = {"id": "a", "text": "الجيش الليبي", "entities": [{"start": 0, "end": 12, "label": "UNIT"}]}
    bad.write_text(json.dumps(good, ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad.jsonl:2: not valid JSON"):
        read_span_jsonl(bad)
    good["entities"][0]["label"] = "WEAPON"
    bad.write_text(json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad.jsonl:1: entity 0 has unknown label 'WEAPON'"):
        read_span_jsonl(bad)


def test_span_off_word_boundary_is_rejected():
    from military_ner.schema import SchemaError, Span
    text = "والسفير البريطاني"
    with pytest.raises(SchemaError, match="word boundaries"):
        spans_to_tags(split_words(text), [Span(1, 7, "FOREIGN_ENVOY", text[1:7])])
