"""Out-of-template text: sentences of real Arabic words, all labelled O, for generated articles.

Why: the generator's own prose uses a few thousand words, while its entity slots are
filled from long lists of names, units and exercises. A model trained on that learns a
shortcut, "a word I have not seen is an entity", and on real news it tags ordinary words
(`دقيقة`, `ووفق`, `أوسع`) as envoys or units. Filler sentences break the shortcut: they put
thousands of real words the templates never use into the training data, as O.

The words come from the `wordfreq` package's Arabic list (see data/README.md for its
provenance and licence). They are not a corpus: a filler sentence is words drawn one by
one, half from the most frequent words (function words, verbs of reporting) and half from
the rest of the list, so it is not grammatical. It only has to be labelled right, and it
is: every word that is part of any gazetteer entry (a rank, a unit word, a country
adjective, a name, a role) is left out, with or without its clitics, so no filler word is
one that an entity could be made of.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache

ARABIC_ONLY = re.compile(r"^[\u0621-\u064A]{2,}$")
PROCLITICS = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
COMMON = 300  # the head of the frequency list: function words, which filler needs for some shape


def _stems(word: str) -> set[str]:
    """The word and its forms without proclitics (and, with 'ال', the bare noun)."""
    out = {word}
    for p in PROCLITICS:
        if word.startswith(p) and len(word) - len(p) >= 2:
            out.add(word[len(p):])
    return out


@lru_cache(maxsize=4)
def filler_vocabulary(n_words: int = 30000) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(frequent words, other words) of wordfreq's Arabic list, gazetteer words removed."""
    import wordfreq

    from .gazetteers import corpus_lines
    banned: set[str] = set()
    for line in corpus_lines():
        for tok in re.findall(r"[\u0621-\u064A]+", line):
            banned |= _stems(tok)
    keep = [w for w in wordfreq.top_n_list("ar", n_words)
            if ARABIC_ONLY.match(w) and not (_stems(w) & banned)]
    return tuple(keep[:COMMON]), tuple(keep[COMMON:])


class Filler:
    """Draws O-labelled filler sentences; deterministic for the random generator it is given."""

    def __init__(self, n_words: int = 30000):
        self.common, self.rare = filler_vocabulary(n_words)
        if not self.rare:
            raise ValueError("the wordfreq Arabic list gave no filler words; is the wordfreq package installed?")

    def words(self, rng: random.Random, n: int) -> list[str]:
        return [rng.choice(self.common if rng.random() < 0.5 else self.rare) for _ in range(n)]

    def sentence(self, rng: random.Random, lo: int = 6, hi: int = 18) -> str:
        """Words with a comma or two and a final full stop."""
        words = self.words(rng, rng.randint(lo, hi))
        for _ in range(rng.choice([0, 0, 1, 2])):
            k = rng.randrange(2, len(words) - 1)
            words[k] += "،"
        return " ".join(words) + "."
