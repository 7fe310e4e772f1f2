"""Label-safe augmentation of gold training articles.

Each copy of a gold article is rebuilt word by word, so the spans move with the words:
- mention replacement: an entity is swapped for another of the same kind from the
  gazetteers (a rank for a rank, a unit for a unit, a foreign name for a named envoy, a
  role for a role-only envoy, an exercise name after the same descriptor and quote),
  carrying over the clitic of the original (`لل` + `القوات` -> `للقوات`, `و` + `أفريكوم`);
- surface noise the real news has: quote styles swapped (“ ” « » "), a tatweel or a
  diacritic inside a word, hamza-less alef, Eastern Arabic digits.
It only sees the articles it is given: in cross-validation, the fold's training articles.
It does not generate new articles (see `generate.py`).
"""
from __future__ import annotations

import random

from ..schema import Document, Span, spans_to_tags
from ..text import is_punct, split_words

CLITICS = (("وبال", "وب"), ("ولل", "ول"), ("وال", "و"), ("بال", "ب"), ("لل", "ل"), ("كال", "ك"))
ROLE_WORDS = ("سفير", "سفيرة", "القائم", "ملحق", "الملحق", "المبعوث", "مبعوث", "القنصل")
QUOTES = [("“", "”"), ("«", "»"), ('"', '"')]


def clitic_of(word: str) -> str:
    for prefix, clitic in CLITICS:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            return clitic
    return ""


def attach(clitic: str, mention: str) -> str:
    if not clitic:
        return mention
    if mention.startswith("ال") and clitic.endswith("ل"):
        return clitic + mention[1:]          # ل + القوات -> للقوات
    return clitic + mention


def strip_clitic(word: str) -> str:
    c = clitic_of(word)
    if not c:
        return word
    return ("ا" + word[len(c):]) if c.endswith("ل") else word[len(c):]


def _role_clitic(text: str) -> str | None:
    """The clitic before a diplomatic role word (`ب` in `بملحق`), "" for none, None if no role."""
    for w in text.split()[:2]:
        for role in ROLE_WORDS:
            if w == role:
                return ""
            if w.endswith(role) and w[:-len(role)] in ("و", "ب", "ل", "وب", "ول", "وال", "بال"):
                return clitic_of(w) or w[:-len(role)]
    return None


def replacement(span_text: str, label: str, pools: dict[str, list[str]], rng: random.Random) -> str | None:
    """A same-kind mention for `span_text`, or None to keep it."""
    first = span_text.split()[0]
    clitic = clitic_of(first)
    if label == "EXERCISE":
        for q in "“«\"(":
            if q in span_text:
                head = span_text[:span_text.index(q) + 1]
                return head + rng.choice(pools["EXERCISE"]) if pools.get("EXERCISE") else None
        return None
    key = label
    if label == "FOREIGN_ENVOY":
        role_clitic = _role_clitic(span_text)
        key = "FOREIGN_NAME" if role_clitic is None else "FOREIGN_ENVOY_ROLE"
        clitic = role_clitic or ""  # a name's first letter cannot be told from a clitic: names stay bare
    pool = pools.get(key)
    if not pool:
        return None
    return attach(clitic, rng.choice(pool))


def _noise(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not ("\u0621" <= word[0] <= "\u064a"):
        return word
    r = rng.random()
    if r < 0.03:
        k = rng.randrange(1, len(word) - 1)
        return word[:k] + "\u0640" + word[k:]
    if r < 0.06:
        k = rng.randrange(1, len(word))
        return word[:k] + rng.choice("\u064e\u064f\u0650\u0651") + word[k:]
    if r < 0.12 and word[0] in "أإ":
        return "ا" + word[1:]
    return word


def augment_document(doc: Document, pools: dict[str, list[str]], rng: random.Random, copy: int,
                     p_replace: float = 0.7) -> Document:
    words = split_words(doc.text)
    tags = spans_to_tags(words, doc.entities, where=f"{doc.id}: ")
    by_start = {s.start: s for s in doc.entities}
    quotes = rng.choice(QUOTES)
    eastern = rng.random() < 0.2
    out, spans, pos, i = [], [], 0, 0

    def emit(piece: str) -> tuple[int, int]:
        start = sum(map(len, out))
        out.append(piece)
        return start, start + len(piece)

    def restyle(piece: str) -> str:
        piece = piece.replace("“", quotes[0]).replace("”", quotes[1]).replace("«", quotes[0]).replace("»", quotes[1])
        if eastern:
            piece = piece.translate({ord(str(k)): chr(0x0660 + k) for k in range(10)})
        return piece

    while i < len(words):
        w = words[i]
        emit(doc.text[pos:w.start])
        span = by_start.get(w.start) if tags[i].startswith("B-") else None
        if span is not None:
            j = i
            while j + 1 < len(words) and words[j + 1].end <= span.end:
                j += 1
            new = replacement(span.text, span.label, pools, rng) if rng.random() < p_replace else None
            a, b = emit(restyle(new if new else span.text))
            spans.append(Span(a, b, span.label, ""))
            pos, i = words[j].end, j + 1
            continue
        emit(restyle(_noise(w.text, rng)) if not is_punct(w.text[0]) else restyle(w.text))
        pos, i = w.end, i + 1
    emit(doc.text[pos:])
    text = "".join(out)
    spans = [Span(s.start, s.end, s.label, text[s.start:s.end]) for s in spans]
    spans_to_tags(split_words(text), spans, where=f"augmented {doc.id}: ")  # still on word boundaries
    return Document(f"{doc.id}-aug{copy}", text, spans, {"augmented_from": doc.id})


def augment_documents(docs: list[Document], copies: int, seed: int,
                      pools: dict[str, list[str]] | None = None) -> list[Document]:
    """`copies` augmented versions of each document, deterministic for a seed."""
    if pools is None:
        from .gazetteers import mention_pools
        pools = mention_pools()
    rng = random.Random(seed)
    return [augment_document(d, pools, rng, c) for d in docs for c in range(copies)]
