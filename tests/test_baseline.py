"""The gazetteer baseline tags known mentions (with clitics) and scores with the same scorer."""
import json

from military_ner.cli import main
from military_ner.data.baseline import GazetteerTagger

POOLS = {"UNIT": ["القوات المسلحة", "أفريكوم", "القيادة العامة"], "MILITARY_RANK": ["الفريق", "الفريق أول"],
         "FOREIGN_ENVOY_ROLE": ["السفير البريطاني"], "FOREIGN_NAME": ["جون برينان"]}


def test_longest_match_with_clitics_and_normalization():
    text = "وأكد الفريق أول النمروش أن للقوات المسلّحة و«أفريكوم» وبالسفير البريطاني والقيادة العامة والفريق جون برينان"
    spans = GazetteerTagger(POOLS).predict_one(text)
    assert [(s.text, s.label) for s in spans] == [
        ("الفريق أول", "MILITARY_RANK"), ("للقوات المسلّحة", "UNIT"), ("أفريكوم", "UNIT"),
        ("وبالسفير البريطاني", "FOREIGN_ENVOY"), ("والقيادة العامة", "UNIT"), ("والفريق", "MILITARY_RANK"),
        ("جون برينان", "FOREIGN_ENVOY")]
    assert all(text[s.start:s.end] == s.text for s in spans)


def test_baseline_command_scores_a_gold_file(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    assert main(["annotations", "export", "--out", str(gold)]) == 0
    out = tmp_path / "m.json"
    assert main(["baseline", "--gold", str(gold), "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert metrics["documents"] == 5 and 0 < metrics["strict"]["micro"]["f1"] <= 1
    assert "strict micro F1" in capsys.readouterr().out


def test_evaluate_against_the_baseline_gives_the_paired_difference(tmp_path, capsys):
    """Predictions equal to the gold, against the baseline on the same five articles: the
    difference is 1 - baseline F1, with an interval from the same resamples."""
    gold = tmp_path / "gold.jsonl"
    assert main(["annotations", "export", "--out", str(gold)]) == 0
    out = tmp_path / "m.json"
    assert main(["evaluate", "--predictions", str(gold), "--gold", str(gold), "--against-baseline",
                 "--out", str(out)]) == 0
    m = json.loads(out.read_text())
    base = m["baseline"]["strict"]["micro"]["f1"]
    assert m["strict"]["micro"]["f1"] == 1.0 and base < 1.0
    d = m["minus_baseline"]
    assert abs(d["micro_f1"] - (1 - base)) < 1e-3 and 0 <= d["low"] <= d["micro_f1"] <= d["high"]
    assert "model minus baseline" in capsys.readouterr().out


def test_evaluate_names_what_a_model_directory_lacks(tmp_path, capsys):
    """A directory that is neither a bundle nor a run directory is an error that says what to pass."""
    gold = tmp_path / "gold.jsonl"
    assert main(["annotations", "export", "--out", str(gold)]) == 0
    (tmp_path / "empty").mkdir()
    assert main(["evaluate", "--model", str(tmp_path / "empty"), "--gold", str(gold)]) != 0
    err = capsys.readouterr().err
    assert "neither a bundle" in err and "military-ner export" in err
