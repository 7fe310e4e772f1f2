"""Word splitting and normalization keep offsets into the original text."""
import pytest
from hypothesis import given, settings, strategies as st

from military_ner.text import Preprocessing, is_punct, model_words, normalize, split_sentences, split_words

CASES = [
    ("والسفير البريطاني", ["والسفير", "البريطاني"]),  # clitics stay attached
    ("النمروش، اليوم", ["النمروش", "،", "اليوم"]),
    ("التمرين “فلنت لوك”.", ["التمرين", "“", "فلنت", "لوك", "”", "."]),
    ("«أفريكوم»", ["«", "أفريكوم", "»"]),
    ("لواء (التحرير الآلي/6)", ["لواء", "(", "التحرير", "الآلي", "/", "6", ")"]),
    ("لـ 34 مجلساً", ["لـ", "34", "مجلساً"]),  # tatweel and tanween stay in the word
    ("(١١) و 80%", ["(", "١١", ")", "و", "80", "%"]),
    ("طرابلس- المنشر", ["طرابلس", "-", "المنشر"]),
    ("a\u200fb\ufeff c", ["a", "b", "c"]),  # format characters separate, never belong
    ("", []),
    ("   \n ", []),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_split_words_matches_guideline(text, expected):
    words = split_words(text)
    assert [w.text for w in words] == expected
    assert all(text[w.start:w.end] == w.text for w in words)


@given(st.text(alphabet=st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهوية أإآىءؤئ ً ٌ ٍ َ ُ ِ ّ ْ ـ٠١٢٣4567،.؛:!؟?\"“”«»()[]-–—/\n\t\u200f")),
               max_size=80))
@settings(max_examples=300, deadline=None)
def test_words_cover_every_visible_character_once(text):
    words = split_words(text)
    assert all(text[w.start:w.end] == w.text for w in words)
    covered = "".join(w.text for w in words)
    assert covered == "".join(c for c in text if not (c.isspace() or c == "\u200f"))
    assert all(len(w.text) == 1 for w in words if is_punct(w.text[0]))
    for a, b in split_sentences(text, words):
        assert 0 <= a < b <= len(words)


def test_normalization_is_per_word_and_keeps_offsets():
    text = "القُوّات المسلّحة (١١) لـ التحرير/6 وووووو"
    words, norm = model_words(text)
    assert [text[w.start:w.end] for w in words] == [w.text for w in words]
    assert norm == ["القوات", "المسلحة", "(", "11", ")", "ل", "التحرير", "-", "6", "وو"]


def test_lone_tatweel_is_kept_rather_than_emptied():
    assert normalize("ـ") == "ـ"


def test_optional_letter_unification():
    p = Preprocessing(unify_alef=True, unify_ya=True, unify_ta_marbuta=True)
    assert normalize("أإى آمر القيادة", p) == "ااي امر القياده"
    assert normalize("أإآى") == "أإآى"


def test_unknown_preprocessing_setting_is_an_error():
    with pytest.raises(ValueError, match="unknown preprocessing setting"):
        Preprocessing.from_dict({"strip_vowels": True})


def test_sentences_break_at_lines_and_full_stops_not_decimals():
    text = "بلغ 5.9 مليار. وقال “نعم.” ثم\nسطر"
    words = split_words(text)
    sents = [" ".join(w.text for w in words[a:b]) for a, b in split_sentences(text, words)]
    assert sents == ["بلغ 5 . 9 مليار .", "وقال “ نعم . ”", "ثم", "سطر"]
