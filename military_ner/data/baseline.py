"""The rule/gazetteer baseline: tags text with the gazetteers alone.

Longest match, left to right, of gazetteer mentions over the words of
`military_ner.text`, compared after the offline normalization (diacritics, tatweel,
alef/ya folding), with a clitic (و ب ل لل وال بال ...) allowed on the first word. It is
what the model must beat: every training report scores it on the same sets with the
same scorer. It learns nothing and knows no context (so it cannot tell a local officer's
name from a foreign envoy's; it tags only names listed as foreign).
"""
from __future__ import annotations

from ..schema import Span
from ..text import Preprocessing, normalize, split_words

NORM = Preprocessing(unify_alef=True, unify_ya=True, unify_ta_marbuta=True, persian_digits=True)
LABEL_OF = {"MILITARY_RANK": "MILITARY_RANK", "UNIT": "UNIT", "EXERCISE": "EXERCISE",
            "FOREIGN_NAME": "FOREIGN_ENVOY", "FOREIGN_ENVOY_ROLE": "FOREIGN_ENVOY"}
# clitic prefix -> what it leaves of the word's article: لل+قوات is ل + القوات, وال+قوات is و + القوات
PREFIXES = {"وبال": "ال", "ولل": "ال", "وال": "ال", "بال": "ال", "لل": "ال",
            "وب": "", "ول": "", "و": "", "ب": "", "ل": ""}


def _key(words: list[str]) -> tuple[str, ...]:
    return tuple(normalize(w, NORM) for w in words)


class GazetteerTagger:
    def __init__(self, pools: dict[str, list[str]]):
        self.entries: dict[tuple[str, ...], str] = {}
        for pool, mentions in pools.items():
            label = LABEL_OF.get(pool)
            if label is None:
                continue
            for m in mentions:
                key = _key([w.text for w in split_words(m)])
                if key:
                    self.entries.setdefault(key, label)
        self.max_len = max((len(k) for k in self.entries), default=0)

    @classmethod
    def from_gazetteers(cls) -> "GazetteerTagger":
        from .gazetteers import mention_pools
        return cls(mention_pools())

    def _match(self, norm: list[str], i: int) -> tuple[int, str] | None:
        for n in range(min(self.max_len, len(norm) - i), 0, -1):
            key = tuple(norm[i:i + n])
            label = self.entries.get(key)
            if label is None:  # a clitic on the first word
                for prefix, article in PREFIXES.items():
                    if key[0].startswith(prefix) and len(key[0]) > len(prefix) + 1:
                        label = self.entries.get((article + key[0][len(prefix):],) + key[1:])
                        if label:
                            break
            if label:
                return n, label
        return None

    def predict_one(self, text: str) -> list[Span]:
        words = split_words(text)
        norm = [normalize(w.text, NORM) for w in words]
        spans, i = [], 0
        while i < len(words):
            m = self._match(norm, i)
            if m:
                n, label = m
                a, b = words[i].start, words[i + n - 1].end
                spans.append(Span(a, b, label, text[a:b]))
                i += n
            else:
                i += 1
        return spans

    def predict(self, texts: list[str]) -> list[list[Span]]:
        return [self.predict_one(t) for t in texts]
