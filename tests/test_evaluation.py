"""Scores, error breakdown, boundary shapes and pooled runs: what each count means, on a
hand-made document."""
import json
import subprocess
import sys
from pathlib import Path

import yaml

from military_ner.evaluation import (bootstrap_f1, boundary_shapes, error_breakdown, errors_md, score,
                                    spurious_shapes)
from military_ner.schema import Document, Span

TEXT = "استقبل رئيس أركان الجيش الليبي الفريق محمد في مقر القيادة العامة للقوات المسلحة"


def span(phrase, label):
    start = TEXT.index(phrase)
    return Span(start, start + len(phrase), label, phrase)


GOLD = [Document("d", TEXT, [span("أركان الجيش الليبي", "UNIT"), span("الفريق", "MILITARY_RANK"),
                             span("القيادة العامة للقوات المسلحة", "UNIT")])]


def test_error_breakdown_sorts_every_gold_span_and_every_stray_prediction():
    pred = {"d": [span("أركان الجيش الليبي", "UNIT"), span("الفريق", "UNIT"), span("القيادة العامة", "UNIT"),
                  span("محمد", "FOREIGN_ENVOY")]}
    e = error_breakdown(GOLD, pred)
    assert e["UNIT"]["exact"] == 1 and e["UNIT"]["boundary"] == 1
    assert e["MILITARY_RANK"]["type"] == 1
    assert e["FOREIGN_ENVOY"]["spurious"] == 1
    assert "| UNIT | 1 | 1 |" in errors_md(e)


def test_boundary_shapes_tell_short_split_and_long_spans_apart():
    short = {"d": [span("أركان الجيش", "UNIT"), span("القيادة العامة", "UNIT"), span("للقوات المسلحة", "UNIT")]}
    s = boundary_shapes(GOLD, short)
    assert s["UNIT"]["ends early"] == 1 and s["UNIT"]["split"] == 1
    long = {"d": [span("رئيس أركان الجيش الليبي", "UNIT"), span("الفريق محمد", "MILITARY_RANK")]}
    s = boundary_shapes(GOLD, long)
    assert s["UNIT"]["starts early"] == 1 and s["MILITARY_RANK"]["ends late"] == 1
    assert sum(boundary_shapes(GOLD, {"d": GOLD[0].entities})["UNIT"].values()) == 0
    assert "| gold type | ends early |" in errors_md(s)


def test_spurious_shapes_say_what_lies_next_to_a_stray_span():
    pred = {"d": [span("محمد", "FOREIGN_ENVOY"), span("استقبل", "UNIT"), span("مقر", "UNIT"),
                  span("الفريق", "MILITARY_RANK")]}
    s = spurious_shapes(GOLD, pred)
    assert s["FOREIGN_ENVOY"]["after a rank"] == 1
    assert s["UNIT"]["beside a gold span"] == 1 and s["UNIT"]["other"] == 1  # "مقر" touches a gold unit
    assert sum(s["MILITARY_RANK"].values()) == 0  # a rank on its gold span is no stray
    text = "قال الفريق إن الفريق سيصل"
    gold = [Document("e", text, [Span(4, 10, "MILITARY_RANK", "الفريق")])]
    s = spurious_shapes(gold, {"e": [Span(14, 20, "MILITARY_RANK", "الفريق"), Span(21, 25, "UNIT", "سيصل")]})
    assert s["MILITARY_RANK"]["gold text elsewhere"] == 1 and s["UNIT"]["other"] == 1
    assert "| predicted type | after a rank |" in errors_md(s, first="predicted type")


def test_score_counts_are_what_precision_and_recall_were_computed_from():
    pred = {"d": [span("أركان الجيش الليبي", "UNIT"), span("القيادة العامة", "UNIT"), span("الفريق", "MILITARY_RANK"),
                  span("محمد", "FOREIGN_ENVOY")]}
    strict = score(GOLD, pred)["strict"]
    assert (strict["UNIT"]["correct"], strict["UNIT"]["predicted"], strict["UNIT"]["support"]) == (1, 2, 2)
    assert (strict["FOREIGN_ENVOY"]["correct"], strict["FOREIGN_ENVOY"]["predicted"]) == (0, 1)
    assert (strict["micro"]["correct"], strict["micro"]["predicted"]) == (2, 4)
    assert strict["micro"]["precision"] == 0.5 and round(strict["micro"]["recall"], 4) == 0.6667


def _fake_run(root: Path, name: str, heldout: str, seed: int, table: dict, dev_f1: float) -> Path:
    """A run directory as train.py leaves it (metrics.json + config.yaml), with chosen scores."""
    d = root / name
    d.mkdir()
    row = lambda c, p, g: {"precision": c / p if p else 0, "recall": c / g if g else 0, "f1": 0,  # noqa: E731
                           "support": g, "correct": c, "predicted": p}
    strict = {t: row(*table.get(t, (0, 0, 0))) for t in ("MILITARY_RANK", "UNIT", "EXERCISE", "FOREIGN_ENVOY")}
    strict["micro"] = row(*(sum(v[i] for v in table.values()) for i in range(3)))
    dev = {k: {"f1": dev_f1} for k in (*strict, "micro")}
    metrics = {"training": {"steps": 10, "train_seconds": 1.0}, "heldout_ids": [heldout],
               "heldout_gold": {"strict": strict, "per_document": {heldout: [strict["micro"][k] for k in (
                   "correct", "predicted", "support")]}}, "real_dev": {"strict": dev},
               "baseline_real_dev": {"strict": {"micro": {"f1": 0.5}}}}
    (d / "metrics.json").write_text(json.dumps(metrics))
    (d / "config.yaml").write_text(yaml.safe_dump({"seed": seed, "generated_seed": 1}))
    return d


def test_per_document_counts_add_up_to_the_micro_row_and_the_interval_holds_the_score():
    other = Document("e", TEXT, [span("الفريق", "MILITARY_RANK")])
    pred = {"d": [span("أركان الجيش الليبي", "UNIT"), span("القيادة العامة", "UNIT")], "e": [span("الفريق", "MILITARY_RANK")]}
    m = score(GOLD + [other], pred)
    assert m["per_document"] == {"d": [1, 2, 3], "e": [1, 1, 1]}
    micro = m["strict"]["micro"]
    assert [sum(c[k] for c in m["per_document"].values()) for k in range(3)] == [
        micro["correct"], micro["predicted"], micro["support"]]
    b = m["bootstrap"]
    assert b["micro_f1"] == micro["f1"] and b["low"] <= micro["f1"] <= b["high"] and b["documents"] == 2
    assert b["low"] < b["high"]  # one document is perfect, the other is not: resamples differ
    assert score(GOLD, {"d": []})["bootstrap"] is None  # one document: no interval


def test_paired_bootstrap_of_a_system_against_itself_is_zero_and_the_better_one_is_positive():
    a = {f"d{i}": [2, 3, 3] for i in range(6)}
    worse = {f"d{i}": [1, 3, 3] for i in range(6)}
    assert bootstrap_f1(a, a) == {"micro_f1": 0.0, "low": 0.0, "high": 0.0, "resamples": 2000, "documents": 6}
    d = bootstrap_f1(a, worse)
    assert d["micro_f1"] > 0 and d["low"] > 0
    assert bootstrap_f1(a, worse) == d  # seeded


def test_pool_runs_pools_held_out_articles_by_counts_and_spreads_the_dev_set(tmp_path):
    root = Path(__file__).resolve().parent.parent
    runs = [_fake_run(tmp_path, "a", "000", 42, {"UNIT": (3, 4, 5)}, 0.6),
            _fake_run(tmp_path, "b", "001", 42, {"UNIT": (1, 1, 1), "FOREIGN_ENVOY": (0, 2, 2)}, 0.8),
            _fake_run(tmp_path, "c", "001", 7, {"UNIT": (0, 1, 1)}, 0.7)]
    out = tmp_path / "report.md"
    r = subprocess.run([sys.executable, str(root / "scripts/pool_runs.py"), "--out", str(out), *map(str, runs)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    report = out.read_text()
    # seed 42 pools a and b: UNIT 4 correct of 5 predicted and 6 gold; micro 4 / 7 / 8; run c stands alone
    assert "pooled over 2 runs (seed 42" in report and "seed 7" not in report
    assert "| UNIT | 0.800 | 0.667 | 0.727 | 6 |" in report
    assert "| micro | 0.571 | 0.500 | 0.533 | 8 |" in report
    assert "Pooled strict micro F1 0.533, 95% interval" in report and "of the 2 documents" in report
    assert "| micro | 0.700 | 0.100 | 0.600 | 0.800 |" in report  # dev over all three runs
    bad = tmp_path / "unfinished"
    bad.mkdir()
    r = subprocess.run([sys.executable, str(root / "scripts/pool_runs.py"), "--out", str(out), str(bad)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "metrics.json not found" in r.stderr


def _script(name):
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_written_probe_sentences_parse_and_are_scored_exactly():
    """The bracketed probe sentences of out_of_template.py become spans over their own text, and
    `span_probes` counts exact and spurious spans of its label only."""
    from military_ner.schema import Span
    oot = _script("out_of_template")
    sets = {"WRITTEN_LEADERS": 9, "WRITTEN_ENVOYS": 15, "WRITTEN_ENVOYS_UNSEEN": 13, "WRITTEN_EXERCISES": 12,
            "WRITTEN_NOT_ENVOYS": 0}
    for name, n in sets.items():
        docs = oot.bracketed(getattr(oot, name), name)
        assert sum(len(d.entities) for d in docs) == n, name
        for d in docs:
            assert "[" not in d.text and "]" not in d.text
            assert all(d.text[s.start:s.end] == s.text for s in d.entities)
    docs = oot.bracketed(["قال [فلان الفلاني] إن [علان] حضر مع خبير.", "لا أحد هنا."], "t")

    class Stub:  # finds the first envoy, misses the second, tags one word nobody is, and a rank
        def predict(self, texts):
            a = docs[0].entities[0]
            return [[Span(a.start, a.end, "FOREIGN_ENVOY", a.text), Span(0, 3, "MILITARY_RANK", "قال")],
                    [Span(0, 2, "FOREIGN_ENVOY", "لا")]]
    assert oot.span_probes(docs, Stub()) == {"sentences": 2, "gold": 2, "exact": 1, "spurious": 1}


def test_written_errors_count_titles_misses_and_strays_of_every_set():
    oot = _script("out_of_template")
    results = {k: {"sentences": 5, "gold": 4, "exact": 4, "spurious": 0} for k in oot.WRITTEN_SETS}
    results["written_titles"] = {"probes": 36, "both_exact": 34, "unit_ran_on": 1}
    results["written_envoys"] = {"sentences": 5, "gold": 15, "exact": 11, "spurious": 2}
    errors = oot.written_errors(results)
    assert errors["written_titles"] == 2 and errors["written_envoys"] == 6 and errors["written_leaders"] == 0
    assert errors["total"] == 8 and len(errors) == len(oot.WRITTEN_SETS) + 2


def test_score_thresholds_drops_low_scoring_spans_before_scoring():
    from military_ner.schema import Document, Span
    st = _script("score_thresholds")
    doc = Document("d", "السفير جون برينان والجيش", [Span(7, 17, "FOREIGN_ENVOY", "جون برينان")])
    right, wrong = Span(7, 17, "FOREIGN_ENVOY", "جون برينان", 0.95), Span(0, 6, "FOREIGN_ENVOY", "السفير", 0.55)
    rows = {line.split(" |")[0]: line for line in st.table([doc], [[right, wrong]])}
    cells = rows["| FOREIGN_ENVOY (1)"].split(" | ")[1:]
    assert cells[0] == "0.667 (-0)"          # both kept: P 1/2, R 1/1
    assert cells[2] == "1.000 (-1)"          # at 0.6 the wrong one goes
    assert cells[-1].rstrip(" |") == "1.000 (-1)"
    assert rows["| UNIT (0)"].split(" | ")[1] == "0.000 (-0)"
