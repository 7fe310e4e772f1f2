"""The decoding repair shared by the PyTorch path, the ONNX runtime and the Node example."""
from military_ner.schema import tags_to_spans
from military_ner.text import split_words
from military_ner.windows import continue_fragments


def spans(text, tags):
    words = split_words(text)
    assert len(words) == len(tags), [w.text for w in words]
    return [(s.label, s.text) for s in tags_to_spans(text, words, continue_fragments(text, words, tags))]


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


def test_gold_tags_are_left_as_they_are(gold):
    """On every gold article the repair changes nothing: the guideline's spans never touch that way."""
    from military_ner.schema import spans_to_tags
    for d in gold:
        words = split_words(d.text)
        tags = spans_to_tags(words, d.entities)
        assert continue_fragments(d.text, words, tags) == tags, d.id
