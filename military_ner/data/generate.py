"""Generate labelled synthetic news articles: `generate_documents(n, seed)`.

Each article is written about one Arab host country (about twenty, see countries.yaml) and
is one of seven kinds: reception of a foreign delegation, meeting with a diplomat, exercise,
graduation or training course, official statement, official visit abroad, inspection of a
formation. It has a headline, sometimes a sub-title and a dateline, a lead, body paragraphs,
sometimes sub-headings, a bullet list and a "related articles" list, 80-300 words in all
(`count_words`: punctuation marks are not words).

The text is built by concatenating segments from `article.py` (templates and mentions);
every labelled segment becomes a `Span` with offsets recorded while concatenating (nothing
is searched afterwards). "Foreign" is relative to the host country: its officials' names are
O, every other state's envoys and visiting officers are FOREIGN_ENVOY.

Deterministic: article i of seed s depends only on (s, i). Surface noise the real news
has is applied per article: Eastern Arabic digits, a diacritic or tatweel here and there,
a spaced Arabic comma; quote styles vary per exercise. It does not write files (see
`military-ner data generate`) and does not touch gold articles (see `augment.py`).
"""
from __future__ import annotations

import random
import re
from functools import lru_cache

from ..schema import Document, Span
from ..text import is_punct, is_space
from . import templates as T
from .article import Article
from .filler import Filler, filler_vocabulary
from .gazetteers import Gazetteers, load_gazetteers
from .mentions import Picker, Seg, join, o

KIND_WEIGHTS = {"reception": 20, "envoy": 17, "exercise": 20, "graduation": 12, "statement": 11, "visit": 10,
                "inspection": 10}
BILATERAL = {"reception", "envoy", "visit"}


# ---------------------------------------------------------------------------- articles

WORD = re.compile(r"[^\W_]+")


def count_words(text: str) -> int:
    """Words as the length limits count them: runs of letters and digits (punctuation is not a word)."""
    return sum(1 for tok in text.split() if WORD.search(tok))


def _words(lines: list[list[Seg]]) -> int:
    return sum(count_words("".join(t for t, _ in line)) for line in lines)


def compose(art: Article) -> list[list[Seg]]:
    """The lines of one article: headline, sub-title, dateline, lead, body, lists."""
    rng, K = art.rng, T.KINDS[art.kind]
    head = [art.render(rng.choice(K["headline"]))]
    if rng.random() < 0.35:
        head.append(art.render(rng.choice(K["subtitle"])))
    if rng.random() < 0.3:
        head.append(art.render(rng.choice(T.COMMON["dateline"])))
    body_pool = art.pick_templates("body", len(K["body"]))
    lead = art.render(rng.choice(K["lead"]))
    if body_pool and rng.random() < 0.5:
        lead = join(lead, art.render(body_pool.pop()))
    lines = head + [lead]
    target = rng.randint(90, 270)
    subs = rng.sample(K["sub"], min(2, len(K["sub"])))
    while body_pool and _words(lines) < target:
        if subs and rng.random() < 0.3:
            lines.append(art.render(subs.pop()))
        para = art.render(body_pool.pop())
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            if body_pool:
                para = join(para, art.render(body_pool.pop()))
        lines.append(para)
    tail = []  # optional groups, dropped from the end when the article runs past 300 words
    if rng.random() < 0.3:
        bullet = rng.choice(T.COMMON["bullet"])
        items = rng.sample(K["bullets"], min(len(K["bullets"]), rng.randint(2, 4)))
        tail.append([art.render(rng.choice(K["bullets_intro"]))] + [[(bullet, None)] + art.render(it) for it in items])
    closings = T.COMMON["closing_any"] + (T.COMMON["closing"] if art.kind in BILATERAL else [])
    if rng.random() < 0.45:
        tail.append([art.render(rng.choice(closings))])
    if rng.random() < 0.3:
        group = [o(rng.choice(T.COMMON["related_intro"]))]
        for _ in range(rng.randint(2, 4)):
            other = Article(art.g, art.pick, art.host.code, _kind(rng), art.names)
            group.append(other.render(rng.choice(T.KINDS[other.kind]["headline"])))
        tail.append(group)
    while tail and _words(lines) + sum(_words(t) for t in tail) > 300:
        tail.pop()
    while _words(lines) > 300 and len(lines) > len(head) + 1:
        lines.pop()
    lines += [line for group in tail for line in group]
    while _words(lines) < 80:
        lines.append(art.render(body_pool.pop() if body_pool else rng.choice(closings)))
    return lines


def _kind(rng: random.Random) -> str:
    return rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]


# ---------------------------------------------------------------------------- noise and assembly

EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_WORD = re.compile(r"[\u0621-\u064A]{4,}")
NON_JOINING = "ادذرزوةىأإآؤء"  # no tatweel after these letters
NO_MARK = "اأإآىةئؤء"          # no diacritic after these
DIACRITICS = "\u064e\u064f\u0650\u0651\u064b\u0652"


def _noisy(text: str, label: str | None, style: dict, rng: random.Random) -> str:
    if style["eastern"]:
        text = text.translate(EASTERN)
    if label is None and style["spaced_comma"]:
        text = text.replace("، ", " ، ")
    if style["marks"]:
        def mark(m):
            w = m.group(0)
            r = rng.random()
            if r < 0.03:
                k = rng.randrange(1, len(w))
                if w[k - 1] not in NO_MARK:
                    return w[:k] + rng.choice(DIACRITICS) + w[k:]
            if r < 0.04:
                k = rng.randrange(1, len(w) - 1)
                if w[k - 1] not in NON_JOINING:
                    return w[:k] + "\u0640" + w[k:]
            return w
        text = ARABIC_WORD.sub(mark, text)
    return text


def assemble(lines: list[list[Seg]], rng: random.Random, doc_id: str) -> tuple[str, list[Span]]:
    style = {"eastern": rng.random() < 0.12, "spaced_comma": rng.random() < 0.1, "marks": rng.random() < 0.2}
    pieces, spans, pos = [], [], 0
    for n, line in enumerate(lines):
        if n:
            pieces.append("\n")
            pos += 1
        for text, label in line:
            text = _noisy(text, label, style, rng)
            if label is not None:
                spans.append(Span(pos, pos + len(text), label, text))
            pieces.append(text)
            pos += len(text)
    text = "".join(pieces)
    for s in spans:  # our own invariant: spans sit on word boundaries and never on punctuation
        ok = (s.start == 0 or is_space(text[s.start - 1]) or is_punct(text[s.start - 1])) and \
             (s.end == len(text) or is_space(text[s.end]) or is_punct(text[s.end]))
        assert ok and not is_punct(s.text[0]) and not is_punct(s.text[-1]) and s.text.strip() == s.text, \
            f"{doc_id}: span {s.text!r} is not on word boundaries"
    return text, spans


def add_filler(lines: list[list[Seg]], filler: Filler, mean: float, rng: random.Random) -> None:
    """Mix about `mean` O-labelled filler sentences (see filler.py) into the article's body:
    some as paragraphs of their own, some after a paragraph's last sentence."""
    k = sum(rng.random() < mean / 4 for _ in range(4)) if mean < 4 else round(mean)
    for _ in range(k):
        at = rng.randrange(1, len(lines) + 1)
        if rng.random() < 0.5 or at == len(lines):
            lines.insert(at, [(filler.sentence(rng), None)])
        else:
            lines[at] = lines[at] + [(" " + filler.sentence(rng), None)]


NOISY_TYPES = ("UNIT", "EXERCISE")
CLITIC_START = ("ال", "و", "ب", "ل", "ف", "ك")
DEFINITE_PREFIXES = ("وبال", "وال", "بال", "لل", "ال")  # longest first


@lru_cache(maxsize=2)
def _swap_pools(n_words: int = 30000) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Filler words for `add_name_noise`: (stems of definite nouns and adjectives, words without
    a proclitic)."""
    common, rare = filler_vocabulary(n_words)
    words = common + rare
    return (tuple(w[2:] for w in words if w.startswith("ال") and len(w) >= 5),
            tuple(w for w in words if not w.startswith(CLITIC_START)))


@lru_cache(maxsize=1)
def _nationality_stems() -> frozenset[str]:
    g = load_gazetteers()
    return frozenset(w.removeprefix("ال") for c in g.countries.values() for a in (*c.adj_m, *c.adj_f)
                     for w in a.split())


def _definite_prefix(word: str) -> str:
    return next((p for p in DEFINITE_PREFIXES if word.startswith(p)), "")


def _bare(word: str) -> str:
    return word[len(_definite_prefix(word)):]


def _swap_word(word: str, rng: random.Random) -> str:
    """A random real word in place of `word`, with its definite article and clitics
    ("بالبرية" -> "بالX", "البرية" -> "الX"; "قتال" -> "X")."""
    definite, bare = _swap_pools()
    prefix = _definite_prefix(word)
    return prefix + rng.choice(definite) if prefix else rng.choice(bare)


def add_name_noise(lines: list[list[Seg]], p: float, rng: random.Random) -> None:
    """Unit and exercise names as real news writes ones we never listed: with probability `p`, a
    name of three words or more gets one of its inner words (never the first, the head that says
    what it is, never the last unless a closing quote ends the name, never a number or a
    nationality adjective) replaced by a real Arabic word from the filler vocabulary (filler.py),
    keeping the word's article and clitics. The swap holds for the whole article: every later
    mention with that word changes the same way. Labels stay:
    "[القيادة العامة للقوات الجوية]" -> "[القيادة العامة للقوات الX]". A model trained only on
    listed names stops a span at the first word inside a name it has not seen; this teaches it
    that the name's structure carries the span. Two-word names are left alone, so that "القوات
    المشاركة" and the like stay generic (O)."""
    swaps: dict[str, str] = {}
    for line in lines:
        for k, (text, label) in enumerate(line):
            if label not in NOISY_TYPES:
                continue
            words = text.split(" ")
            if len(words) < 3:
                continue
            # an exercise's name is what follows its opening quote, when it has one; nationality
            # adjectives are a closed list the gazetteers already cover, so they are kept
            quote = next((j for j, w in enumerate(words) if not w[:1].isalpha()), None)
            start = 1 if quote is None else quote + 1
            # the last word stays, unless a closing quote follows it: a name that may end in any
            # word teaches the model to run a span on into the next one ("... الأمريكية الجنرال")
            end = len(words) if quote is not None else len(words) - 1
            slots = [j for j in range(start, end) if words[j].isalpha() and len(words[j]) >= 3
                     and _bare(words[j]) not in _nationality_stems()]
            words = [swaps.get(w, w) if j in slots else w for j, w in enumerate(words)]
            if slots and not any(words[j] in swaps.values() for j in slots) and rng.random() < p:
                j = rng.choice(slots)
                swaps[words[j]] = _swap_word(words[j], rng)
                words[j] = swaps[words[j]]
            line[k] = (" ".join(words), label)


ARABIC_RUN = re.compile(r"[\u0621-\u064A]+")


@lru_cache(maxsize=2)
def _family_names(split: str) -> dict[str, tuple[str, ...]]:
    """Every family name of the gazetteers (of this split) -> the family names of its origin."""
    g = load_gazetteers(split=split)
    return {f: o.family for o in g.names.values() for f in o.family if len(f) >= 3}


@lru_cache(maxsize=2)
def _given_names(split: str) -> dict[str, tuple[str, ...]]:
    """Every one-word given name of a foreign origin that is neither a family name nor a given name
    of an Arab host country (a well-known, closed set) -> the given names of its origin and sex.
    Transliterated given names are as open a class as family names."""
    g = load_gazetteers(split=split)
    arab_origins = {c.names for c in g.countries.values() if c.host}
    keep = set(_family_names(split)).union(*(g.names[k].male + g.names[k].female for k in arab_origins))
    out: dict[str, tuple[str, ...]] = {}
    for origin in g.names.values():
        for names in (origin.male, origin.female):
            for n in names:
                if len(n) >= 3 and " " not in n and n not in keep:
                    out.setdefault(n, names)  # a name of several origins splices with its first one's
    return out


def _novel_name(name: str, kin: tuple[str, ...], rng: random.Random) -> str | None:
    """A name no list has: the front of `name` joined to the back of another name of the same
    origin ("ماكنزي" + "أوستن" -> "ماكستن"), so it looks like the names it stands for."""
    for _ in range(4):
        other = rng.choice(kin)
        if other == name or len(other) < 3 or " " in other:  # a back half of "حسب الله" would add a word
            continue
        new = name[:max(2, len(name) // 2 + rng.choice((-1, 0, 1)))] + other[len(other) // 2 + rng.choice((-1, 0, 1)):]
        if len(new) >= 3 and new not in _family_names("all") and new not in _given_names("all"):
            return new
    return None


def add_person_noise(lines: list[list[Seg]], p: float, rng: random.Random, split: str = "all",
                     given: float = 0.0) -> None:
    """People as real news names them, with names no list of ours has: with probability `p`, each
    family name in the article (of an envoy, a visiting officer or a local official alike) becomes
    a new one made from two names of its origin (`_novel_name`), in every mention, labelled or
    not, with its clitic kept ("وبرينان" -> "وبرياتس"); with probability `given`, so does each
    one-word given name that is not also a family name. Labels stay. A model trained on listed
    names learns the names; real news brings new ones, and only the context (the title, the
    role, whose country) tells an envoy from a local official."""
    family, givens = _family_names(split), (_given_names(split) if given > 0 else {})
    swaps: dict[str, str | None] = {}

    def repl(m: re.Match) -> str:
        word = m.group(0)
        known = word[1:] if word.startswith("و") else None
        clitic, bare = ("و", known) if known in family or known in givens else ("", word)
        kin, share = (family[bare], p) if bare in family else (givens.get(bare), given)
        if kin is None:
            return word
        if bare not in swaps:
            swaps[bare] = _novel_name(bare, kin, rng) if rng.random() < share else None
        return clitic + (swaps[bare] or bare)

    for line in lines:
        for k, (text, label) in enumerate(line):
            if label in (None, "FOREIGN_ENVOY"):
                line[k] = (ARABIC_RUN.sub(repl, text), label)


def generate_document(g: Gazetteers, pick: Picker, seed: int, i: int, filler: Filler | None = None,
                      filler_mean: float = 0.0, name_noise: float = 0.0, person_noise: float = 0.0,
                      split: str = "all", given_noise: float = 0.0) -> Document:
    rng = random.Random(f"military-ner:{seed}:{i}")
    pick.rng = rng
    host = rng.choice(g.hosts())
    art = Article(g, pick, host, _kind(rng))
    lines = compose(art)
    if filler and filler_mean > 0:  # own random stream: the article itself is the same with or without filler
        add_filler(lines, filler, filler_mean, random.Random(f"military-ner:filler:{seed}:{i}"))
    if name_noise > 0:  # its own streams too
        add_name_noise(lines, name_noise, random.Random(f"military-ner:name-noise:{seed}:{i}"))
    if person_noise > 0 or given_noise > 0:
        add_person_noise(lines, person_noise, random.Random(f"military-ner:person-noise:{seed}:{i}"), split,
                         given_noise)
    doc_id = f"gen-{seed}-{i:05d}"
    text, spans = assemble(lines, rng, doc_id)
    meta = {"source": "generated", "kind": art.kind, "country": host, "guest": art.guest.code,
            "local_names": sorted(art.names["local"])}
    return Document(doc_id, text, spans, meta)


def generate_documents(n: int, seed: int, filler: float = 0.0, name_noise: float = 0.0,
                       split: str = "all", person_noise: float = 0.0, given_noise: float = 0.0) -> list[Document]:
    """`n` labelled synthetic articles, deterministic for `seed` (article i depends only on seed and i).
    `filler`: mean number of O-labelled sentences of real Arabic words mixed into each (filler.py).
    `name_noise`: share of unit and exercise names with one word swapped for a real word
    (`add_name_noise`); `person_noise` and `given_noise`: shares of family and given names replaced
    by new ones (`add_person_noise`). `split="train"`: drawn from gazetteers without their held-out
    fifth of names (`gazetteers.load_gazetteers`), for measuring generalisation to unseen names."""
    if filler < 0:
        raise ValueError(f"filler must be >= 0 (sentences per article), got {filler}")
    for what, share in (("name_noise", name_noise), ("person_noise", person_noise), ("given_noise", given_noise)):
        if not 0 <= share <= 1:
            raise ValueError(f"{what} must be a share between 0 and 1, got {share}")
    g = load_gazetteers(split=split)
    pick = Picker(g, random.Random(seed))
    fill = Filler() if filler > 0 else None
    return [generate_document(g, pick, seed, i, fill, filler, name_noise, person_noise, split, given_noise)
            for i in range(n)]
