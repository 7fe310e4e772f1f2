"""Augmented gold keeps every span on word boundaries and swaps mentions for their own kind."""
import pytest

from military_ner.data.augment import attach, augment_documents, replacement
from military_ner.schema import spans_to_tags
from military_ner.text import split_words

POOLS = {"MILITARY_RANK": ["العميد الركن"], "UNIT": ["القوات البحرية الملكية"], "EXERCISE": ["درع الخليج 2025"],
         "FOREIGN_NAME": ["مايكل لانغلي"], "FOREIGN_ENVOY_ROLE": ["السفير الإيطالي"]}


@pytest.mark.parametrize("clitic,mention,expected", [
    ("ل", "القوات المسلحة", "للقوات المسلحة"), ("و", "القوات", "والقوات"), ("ب", "السفير", "بالسفير"),
    ("و", "أفريكوم", "وأفريكوم"), ("", "الجيش", "الجيش")])
def test_clitics_are_carried_over(clitic, mention, expected):
    assert attach(clitic, mention) == expected


def test_roles_stay_roles_and_names_stay_names():
    import random
    rng = random.Random(0)
    assert replacement("بملحق الدفاع الأمريكي", "FOREIGN_ENVOY", POOLS, rng) == "بالسفير الإيطالي"
    assert replacement("جون برينان", "FOREIGN_ENVOY", POOLS, rng) == "مايكل لانغلي"
    assert replacement("التمرين التعبوي المشترك “فلنت لوك", "EXERCISE", POOLS, rng) == "التمرين التعبوي المشترك “درع الخليج 2025"
    assert replacement("بالتمرين التعبوي المشترك", "EXERCISE", POOLS, rng) is None  # descriptor-only: kept


def test_augmented_documents_are_valid_and_deterministic(gold):
    a = augment_documents(gold, 2, seed=3, pools=POOLS)
    b = augment_documents(gold, 2, seed=3, pools=POOLS)
    assert [d.text for d in a] == [d.text for d in b]
    assert len(a) == 2 * len(gold)
    for d, src in zip(a, [g for g in gold for _ in range(2)]):
        spans_to_tags(split_words(d.text), d.entities)  # raises if a span left the word grid
        assert all(d.text[s.start:s.end] == s.text for s in d.entities)
        assert [s.label for s in d.entities] == [s.label for s in src.entities]
    assert any(s.text == "مايكل لانغلي" for d in a for s in d.entities)
