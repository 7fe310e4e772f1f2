"""The decoding repair shared by the PyTorch path, the ONNX runtime and the Node example."""
from military_ner.schema import tags_to_spans
from military_ner.text import split_words
from military_ner.windows import (continue_fragments, is_descriptor_only, line_breaks, one_introduction, punctuation_edges,
                                  same_name_same_span)


def spans(text, tags):
    words = split_words(text)
    assert len(words) == len(tags), [w.text for w in words]
    return [(s.label, s.text) for s in tags_to_spans(text, words, continue_fragments(text, words, tags))]


def edged(text, tags):
    words = split_words(text)
    assert len(words) == len(tags), [w.text for w in words]
    return [(s.label, s.text) for s in tags_to_spans(text, words, punctuation_edges(text, words, tags))]


def test_a_name_split_into_one_span_per_word_is_joined():
    assert spans("رئيس أركان الجيش الليبي", ["O", "B-UNIT", "B-UNIT", "I-UNIT"]) == [("UNIT", "أركان الجيش الليبي")]
    assert spans("السفير جيريمي بيرندت", ["O", "B-FOREIGN_ENVOY", "B-FOREIGN_ENVOY"]) == \
        [("FOREIGN_ENVOY", "جيريمي بيرندت")]


def test_coordination_line_breaks_punctuation_and_other_types_keep_spans_apart():
    assert spans("الجيش الليبي والقوات البحرية", ["B-UNIT", "I-UNIT", "B-UNIT", "I-UNIT"]) == \
        [("UNIT", "الجيش الليبي"), ("UNIT", "والقوات البحرية")]
    assert spans("الجيش الليبي\nالقوات البحرية", ["B-UNIT", "I-UNIT", "B-UNIT", "I-UNIT"]) == \
        [("UNIT", "الجيش الليبي"), ("UNIT", "القوات البحرية")]
    assert spans("أفريكوم ، الجيش", ["B-UNIT", "O", "B-UNIT"]) == [("UNIT", "أفريكوم"), ("UNIT", "الجيش")]
    assert spans("الجنرال برينان", ["B-MILITARY_RANK", "B-FOREIGN_ENVOY"]) == \
        [("MILITARY_RANK", "الجنرال"), ("FOREIGN_ENVOY", "برينان")]


SPAN_RULES = (line_breaks, punctuation_edges, same_name_same_span, one_introduction)


def assert_kept(doc, rules=SPAN_RULES):
    from military_ner.schema import spans_to_tags
    words = split_words(doc.text)
    tags = spans_to_tags(words, doc.entities)
    for rule in rules:
        assert rule(doc.text, words, tags) == tags, (doc.id, rule.__name__)


def test_gold_tags_are_left_as_they_are(gold):
    """On every gold article the repairs change nothing: the guideline's spans never touch that
    way, never cross a line, never start or end on punctuation, never run past the mark that closes
    a quoted name, and one name has one span."""
    for d in gold:
        assert_kept(d, (continue_fragments, *SPAN_RULES))


def test_generated_tags_are_left_as_they_are_by_the_span_rules():
    from military_ner.data.generate import generate_documents
    docs = generate_documents(150, seed=5)
    assert sum(s.label == "EXERCISE" and any(q in s.text for q in "“«\"″(") for d in docs for s in d.entities) > 5
    for d in docs:
        assert_kept(d)


def test_a_span_ends_at_a_line_break():
    text = "زيارة قيادة اللواء\nميجا حضر الجيش\n\nالليبي أمس"
    words = split_words(text)
    tags = ["O", "B-UNIT", "I-UNIT", "I-UNIT", "I-UNIT", "B-UNIT", "I-UNIT", "O"]
    assert len(words) == len(tags)
    got = tags_to_spans(text, words, line_breaks(text, words, tags))
    assert [(s.label, s.text) for s in got] == [("UNIT", "قيادة اللواء"), ("UNIT", "الجيش")]


def test_a_name_spanned_whole_once_is_spanned_whole_everywhere_in_the_document():
    def run(text, tags):
        words = split_words(text)
        assert len(words) == len(tags), [w.text for w in words]
        return [(s.label, s.text) for s in tags_to_spans(text, words, same_name_same_span(text, words, tags))]
    env = "B-FOREIGN_ENVOY", "I-FOREIGN_ENVOY"
    text = "استقبل السفير الحبيب النيري . وأكد الحبيب النيري أن"
    assert run(text, ["O", "O", env[0], env[1], "O", "O", env[0], "O", "O"]) == \
        [("FOREIGN_ENVOY", "الحبيب النيري"), ("FOREIGN_ENVOY", "الحبيب النيري")]
    assert run(text, ["O", "O", env[0], env[1], "O", "O", "O", env[0], "O"]) == \
        [("FOREIGN_ENVOY", "الحبيب النيري"), ("FOREIGN_ENVOY", "الحبيب النيري")]
    # nothing is tagged where the model saw nothing, another span's words are not taken, a line ends it
    assert run(text, ["O", "O", env[0], env[1], "O", "O", "O", "O", "O"]) == [("FOREIGN_ENVOY", "الحبيب النيري")]
    assert run(text, ["O", "O", env[0], env[1], "O", "O", env[0], "B-UNIT", "O"]) == \
        [("FOREIGN_ENVOY", "الحبيب النيري"), ("FOREIGN_ENVOY", "الحبيب"), ("UNIT", "النيري")]
    assert run("الحبيب النيري .\nالحبيب\nالنيري", [env[0], env[1], "O", env[0], "O"]) == \
        [("FOREIGN_ENVOY", "الحبيب النيري"), ("FOREIGN_ENVOY", "الحبيب")]
    # the longest form wins, and only its own label's forms count
    units = "B-UNIT", "I-UNIT"
    assert run("الجيش الليبي الجديد ، الجيش الليبي ، الجيش الليبي الجديد", [units[0], units[1], units[1], "O", units[0], units[1],
                                                                        "O", units[0], "O", "O"]) == \
        [("UNIT", "الجيش الليبي الجديد"), ("UNIT", "الجيش الليبي"), ("UNIT", "الجيش الليبي الجديد")]
    assert run("جون برينان ، جون برينان", [env[0], env[1], "O", "B-UNIT", "O"]) == \
        [("FOREIGN_ENVOY", "جون برينان"), ("UNIT", "جون")]


EX = "B-EXERCISE", "I-EXERCISE"


def test_a_closing_mark_ends_the_quoted_name_it_closes():
    assert edged("التمرين “فلنت لوك” 2026 اليوم", [EX[0], EX[1], EX[1], EX[1], EX[1], EX[1], "O"]) == \
        [("EXERCISE", "التمرين “فلنت لوك")]
    assert edged('تمرين "زايد 5" بنجاح', [EX[0], EX[1], EX[1], EX[1], EX[1], "O"]) == [("EXERCISE", 'تمرين "زايد 5')]
    assert edged("المناورات (رماح الكرامة) بنجاح", [EX[0], EX[1], EX[1], EX[1], EX[1], EX[1]]) == \
        [("EXERCISE", "المناورات (رماح الكرامة")]
    # an opening mark whose closing one lies outside the span is the guideline's inner punctuation
    assert edged("التمرين “فلنت لوك” اليوم", [EX[0], EX[1], EX[1], EX[1], "O", "O"]) == \
        [("EXERCISE", "التمرين “فلنت لوك")]


def test_a_span_that_stops_inside_its_quoted_name_runs_on_to_the_closing_mark():
    assert edged("التمرين «واحة ومات» أمس", [EX[0], EX[1], EX[1], "O", "O", "O"]) == [("EXERCISE", "التمرين «واحة ومات")]
    assert edged("التمرين المشترك « يصلي والطبيعة » أمس", [EX[0], EX[1], EX[1], "O", "O", "O", "O"]) == \
        [("EXERCISE", "التمرين المشترك « يصلي والطبيعة")]
    # not across punctuation, another span, a line break, or more than MAX_QUOTED words; no mark: as it was
    assert edged("التمرين «واحة ، ومات» أمس", [EX[0], EX[1], EX[1], "O", "O", "O", "O"]) == [("EXERCISE", "التمرين «واحة")]
    assert edged("التمرين «واحة الجيش» أمس", [EX[0], EX[1], EX[1], "B-UNIT", "O", "O"]) == \
        [("EXERCISE", "التمرين «واحة"), ("UNIT", "الجيش")]
    assert edged("التمرين «واحة\nومات» أمس", [EX[0], EX[1], EX[1], "O", "O", "O"]) == [("EXERCISE", "التمرين «واحة")]
    six, seven = (" ".join(["كلمة"] * k) for k in (6, 7))
    assert edged(f"التمرين «واحة {six}» أمس", [EX[0], EX[1], EX[1]] + ["O"] * 8) == \
        [("EXERCISE", f"التمرين «واحة {six}")]
    assert edged(f"التمرين «واحة {seven}» أمس", [EX[0], EX[1], EX[1]] + ["O"] * 9) == [("EXERCISE", "التمرين «واحة")]
    assert edged("التمرين «واحة ومات أمس", [EX[0], EX[1], EX[1], "O", "O"]) == [("EXERCISE", "التمرين «واحة")]


def test_a_span_never_starts_or_ends_on_punctuation():
    assert edged("«درع الصحراء» بدأ", [EX[0], EX[1], EX[1], EX[1], "O"]) == [("EXERCISE", "درع الصحراء")]
    assert edged("الجيش الليبي ، أمس", ["B-UNIT", "I-UNIT", "I-UNIT", "O"]) == [("UNIT", "الجيش الليبي")]
    assert edged("قال ، ثم", ["O", "B-UNIT", "O"]) == []
    assert edged("( أفريكوم ) و", ["B-UNIT", "I-UNIT", "I-UNIT", "O"]) == [("UNIT", "أفريكوم")]
    assert edged("الفريق برينان", ["B-MILITARY_RANK", "B-FOREIGN_ENVOY"]) == \
        [("MILITARY_RANK", "الفريق"), ("FOREIGN_ENVOY", "برينان")]


def test_only_the_descriptor_mention_that_introduces_an_exercise_is_an_exercise():
    def run(text, tags):
        words = split_words(text)
        assert len(words) == len(tags), [w.text for w in words]
        return [s.text for s in tags_to_spans(text, words, one_introduction(text, words, tags))]
    intro = "بدأ [بالتمرين التعبوي المشترك] أمس . وقال إن [التمرين التعبوي المشترك] نجح"
    text = intro.replace("[", "").replace("]", "")
    tags = ["O", EX[0], EX[1], EX[1], "O", "O", "O", "O", EX[0], EX[1], EX[1], "O"]
    assert run(text, tags) == ["بالتمرين التعبوي المشترك"]
    # after a named mention too (a headline); a descriptor with words not seen before may be another exercise
    text = "التمرين «فلنت لوك»\nانطلق التمرين ، ثم التمرين الجوي"
    tags = [EX[0], EX[1], EX[1], EX[1], "O", "O", EX[0], "O", "O", EX[0], EX[1]]
    assert run(text, tags) == ["التمرين «فلنت لوك", "التمرين الجوي"]
    # a later mention that names an exercise stays, and so does a first descriptor-only one
    text = "التمرين المشترك ثم التمرين المشترك «درع الصحراء» والمناورات البحرية المصرية 2025"
    tags = [EX[0], EX[1], "O", EX[0], EX[1], EX[1], EX[1], EX[1], EX[1], EX[0], EX[1], EX[1], EX[1]]
    assert run(text, tags) == ["التمرين المشترك", "التمرين المشترك «درع الصحراء»", "والمناورات البحرية المصرية 2025"]
    # a list of other articles' headlines speaks of other exercises
    text = "التمرين المشترك\nاقرأ أيضاً:\nالتمرين المشترك"
    assert run(text, [EX[0], EX[1], "O", "O", "O", EX[0], EX[1]]) == ["التمرين المشترك", "التمرين المشترك"]


def test_what_counts_as_a_descriptor_without_a_name():
    def only(text):
        return is_descriptor_only(split_words(text))
    assert only("بالتمرين التعبوي المشترك") and only("للمناورات البحرية المشتركة") and only("التمرين متعدد الجنسيات")
    assert only("والتمرين العسكري المشترك العماني البريطاني") and only("التمرينات العسكريّة") and only("تمرين")
    assert not only("التمرين المشترك الأسد الأفريقي") and not only("مناورات درع الجزيرة")
    assert not only("التمرين «الأسد الأفريقي") and not only("التمرين البحري 2025")
    assert not only("التمرين المشترك الثاني") and not only("الأسد الأفريقي") and not only("الفريق")


# --- Viterbi over BIO: the most probable valid tag sequence

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from military_ner.windows import bio_transitions, viterbi_tags

LABELS = ("O", "B-UNIT", "I-UNIT", "B-FOREIGN_ENVOY", "I-FOREIGN_ENVOY")
ALLOWED, FIRST = bio_transitions(LABELS)


def valid(path):
    return FIRST[path[0]] and all(ALLOWED[a, b] for a, b in zip(path, path[1:]))


def test_transitions_are_bio():
    assert not FIRST[LABELS.index("I-UNIT")] and FIRST[LABELS.index("B-UNIT")]
    assert ALLOWED[LABELS.index("B-UNIT"), LABELS.index("I-UNIT")]
    assert ALLOWED[LABELS.index("I-UNIT"), LABELS.index("I-UNIT")]
    assert not ALLOWED[LABELS.index("O"), LABELS.index("I-UNIT")]
    assert not ALLOWED[LABELS.index("B-FOREIGN_ENVOY"), LABELS.index("I-UNIT")]


def test_a_stray_inside_tag_is_joined_or_dropped_by_probability():
    def tags(rows):
        return [LABELS[i] for i in viterbi_tags(np.log(np.array(rows)), ALLOWED, FIRST)]
    # "سفيرة [المملكة] المتحدة": the middle word leans O, the last leans I: the span is kept whole
    # when the inside evidence outweighs the O evidence ...
    assert tags([[.05, .05, .05, .8, .05], [.55, .05, .05, .05, .3], [.2, .05, .05, .05, .65]]) == \
        ["B-FOREIGN_ENVOY", "I-FOREIGN_ENVOY", "I-FOREIGN_ENVOY"]
    # ... and the fragment is dropped when the O evidence is stronger
    assert tags([[.05, .05, .05, .8, .05], [.85, .05, .05, .04, .01], [.4, .05, .05, .05, .45]]) == \
        ["B-FOREIGN_ENVOY", "O", "O"]
    # a valid argmax is returned as it is
    assert tags([[.1, .7, .1, .05, .05], [.1, .1, .7, .05, .05], [.7, .1, .1, .05, .05]]) == ["B-UNIT", "I-UNIT", "O"]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.lists(
    st.lists(st.floats(-8, 0), min_size=len(LABELS), max_size=len(LABELS)), min_size=n, max_size=n)))
def test_viterbi_finds_the_best_valid_path_by_brute_force(rows):
    lp = np.array(rows)
    got = viterbi_tags(lp, ALLOWED, FIRST)
    assert valid(got)
    best = max(sum(lp[t, j] for t, j in enumerate(p))
               for p in itertools.product(range(len(LABELS)), repeat=len(rows)) if valid(p))
    assert abs(sum(lp[t, j] for t, j in enumerate(got)) - best) < 1e-9
