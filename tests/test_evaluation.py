"""Error breakdown and boundary shapes: what each count means, on a hand-made document."""
from military_ner.evaluation import boundary_shapes, error_breakdown, errors_md
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
