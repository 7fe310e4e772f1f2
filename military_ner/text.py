"""Words, sentences and Arabic normalization, with offsets into the original text.

This is the only module that decides what a word is or how Arabic is normalized;
annotation checking, training, the torch predictor and the ONNX runtime all call it.

Words (per the annotation guideline)
    A word is a maximal run of characters that are neither whitespace nor punctuation.
    Every punctuation or symbol character (Unicode categories P* and S*: ، . : ؛ ! ؟ " “ ”
    « » ( ) [ ] - – — / % ...) is a word of its own. Clitics stay attached (`والسفير`).
    Invisible format characters (category Cf: RLM, LRM, BOM, ZWNJ...) separate words like
    whitespace and never belong to one. Each `Word` keeps `start`/`end` into the text.

Normalization (what the model sees)
    Applied word by word and character by character, so a word's offsets never move: the
    model reads `normalize(word.text)` and the predicted label goes back to `word.start`/
    `word.end` in the untouched text. Settings live in `Preprocessing` and are saved with
    every model. The defaults reproduce the preprocessing AraBERT v02's authors apply
    before tokenization, restricted to what acts inside a word:
      - strip tashkeel: fathatan, dammatan, kasratan, fatha, damma, kasra, shadda, sukun
        (U+064B-U+0652) are removed;
      - strip tatweel: U+0640 is removed;
      - Eastern Arabic-Indic digits (U+0660-U+0669) become 0-9;
      - a letter repeated more than twice in a row is cut to two (digits are kept);
      - "/" becomes "-".
    (AraBERT's whitespace insertion around punctuation is our word split; its HTML, URL and
    emoji handling does not apply to news text and is not reproduced.)
    Optional, off for AraBERT (its vocabulary distinguishes them), useful for a model
    trained from scratch: `unify_alef` (أ إ آ ٱ -> ا), `unify_ya` (ى -> ي),
    `unify_ta_marbuta` (ة -> ه), `persian_digits` (۰-۹ -> 0-9).
    A word that normalizes to nothing (a lone tatweel) is passed on unchanged.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from functools import lru_cache


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def split_words(text: str) -> list[Word]:
    """Split `text` into words with offsets; see the module docstring for the rule."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if is_space(ch):
            i += 1
        elif is_punct(ch):
            words.append(Word(ch, i, i + 1))
            i += 1
        else:
            j = i + 1
            while j < n and not is_space(text[j]) and not is_punct(text[j]):
                j += 1
            words.append(Word(text[i:j], i, j))
            i = j
    return words


SENTENCE_END = {".", "!", "?", "؟", "…"}
CLOSERS = {"”", "»", '"', "’", "'", ")", "]", "″"}


def split_sentences(text: str, words: list[Word]) -> list[tuple[int, int]]:
    """Sentences as [first, last+1) word-index ranges. A sentence ends at a line break, or
    after ., !, ?, ؟ or … followed by whitespace (so 5.9 stays whole), taking any closing
    quote or bracket that follows it directly."""
    out, first = [], 0
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is None:
            break
        gap = text[w.end:nxt.start]
        end_here = "\n" in gap
        if not end_here and w.text in SENTENCE_END and gap:
            end_here = True
        if not end_here and w.text in CLOSERS and gap and i > first and words[i - 1].text in SENTENCE_END:
            end_here = True
        if end_here:
            out.append((first, i + 1))
            first = i + 1
    if words:
        out.append((first, len(words)))
    return out


# ---------------------------------------------------------------------------- normalization

TASHKEEL = "".join(chr(c) for c in range(0x064B, 0x0653))
TATWEEL = "\u0640"


@dataclass(frozen=True)
class Preprocessing:
    """How words are normalized before the tokenizer; saved with every model."""
    strip_tashkeel: bool = True
    strip_tatweel: bool = True
    hindi_digits: bool = True
    collapse_repeats: bool = True
    slash_to_dash: bool = True
    unify_alef: bool = False
    unify_ya: bool = False
    unify_ta_marbuta: bool = False
    persian_digits: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "Preprocessing":
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown preprocessing setting(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**d)

    def char_map(self) -> dict[int, str]:
        """The per-character part of the normalization, as a str.translate table."""
        return _char_map(self)


@lru_cache(maxsize=None)
def _char_map(p: Preprocessing) -> dict[int, str]:
    m: dict[int, str] = {}
    if p.strip_tashkeel:
        m.update({ord(c): "" for c in TASHKEEL})
    if p.strip_tatweel:
        m[ord(TATWEEL)] = ""
    if p.hindi_digits:
        m.update({0x0660 + k: str(k) for k in range(10)})
    if p.persian_digits:
        m.update({0x06F0 + k: str(k) for k in range(10)})
    if p.slash_to_dash:
        m[ord("/")] = "-"
    if p.unify_alef:
        m.update({ord(c): "ا" for c in "أإآٱ"})
    if p.unify_ya:
        m[ord("ى")] = "ي"
    if p.unify_ta_marbuta:
        m[ord("ة")] = "ه"
    return m


_REPEAT = re.compile(r"([^\d])\1{2,}")


def normalize(word: str, p: Preprocessing = Preprocessing()) -> str:
    """Normalize one word (see the module docstring); never returns an empty string for
    a non-empty word."""
    out = word.translate(p.char_map())
    if p.collapse_repeats:
        out = _REPEAT.sub(r"\1\1", out)
    return out or word


def model_words(text: str, p: Preprocessing = Preprocessing()) -> tuple[list[Word], list[str]]:
    """The words of `text` (offsets into `text`) and their normalized forms for the model."""
    words = split_words(text)
    return words, [normalize(w.text, p) for w in words]
