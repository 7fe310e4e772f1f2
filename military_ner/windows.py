"""From words to model windows and back: sub-word encoding, striding and merging.

Shared by training (labelled windows), the PyTorch predictor and the torch-free ONNX
runtime, so all three cut documents the same way. Needs only `tokenizers` and numpy.

- Each normalized word is encoded on its own with the model's `tokenizers.Tokenizer`
  (no special tokens), the same as `is_split_into_words=True`. A word that yields no
  sub-word (e.g. a symbol missing from the vocabulary) has no prediction and is `O`.
- A document longer than the window is cut into windows of at most `max_length` tokens
  ([CLS] ... [SEP]) that never split a word; consecutive windows overlap by about
  `stride` tokens, so nothing is truncated.
- Labels and predictions live on a word's FIRST sub-word (aggregation "first"); the rest
  are ignored (-100 in training).
- Merging: a word seen by several windows takes its logits from the window in which it
  sits farthest from an edge (the most context on both sides).
- Decoding: the most probable tag sequence that is valid BIO (`viterbi_tags`: an `I-X`
  only after `B-X` or `I-X`, never first), not the argmax of each word: where the argmax
  would leave a stray `I-X` after an `O`, the decoder either extends the span back over the
  word before or drops the fragment, whichever the model finds more probable. Then one
  repair (`continue_fragments`): a `B-X` right after an `X` word, separated by spaces only
  and not starting with the conjunction و, becomes `I-X`. Small models split names into
  one span per word (`[أركان] [الجيش الليبي]`); two entities of one type side by side with
  nothing between them are rare in news (the gold has none; coordinated ones start with و).
  A span ends at a line break (`line_breaks`: headlines, sub-headings and list items are lines
  of their own). Then the guideline's rules for quoted names and punctuation (`punctuation_edges`): a quoted
  name ends at its closing mark, so a closing quote or bracket that closes one opened inside the
  span ends it (`[التمرين “فلنت لوك]” 2026`), and a span that stops inside a quote it opened runs
  on to the closing mark when only a few plain, untagged words on the same line lie between
  (`[التمرين “فلنت] لوك”` -> `[التمرين “فلنت لوك]”`); a span never starts or ends on punctuation.
  Finally, one name, one span, throughout a document (`same_name_same_span`): a span lying
  inside the same words that the model spanned longer elsewhere in the document grows to them.
  Last, the guideline's one introduction per exercise (`one_introduction`): a descriptor-only
  EXERCISE span (`التمرين المشترك`) whose words all appeared in an earlier EXERCISE span of the
  document is a later mention and becomes O.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .schema import Span, tags_to_spans
from .text import Preprocessing, is_punct, normalize

IGNORE = -100
AGGREGATION = "first"


@dataclass
class Window:
    input_ids: list[int]
    word_index: list[int]   # per position: the word whose FIRST sub-word is there, else -1
    first: int              # first word in the window
    last: int               # one past the last word


class WordEncoder:
    """Encodes words to sub-word ids with a `tokenizers.Tokenizer`, caching per word."""

    def __init__(self, tokenizer, cls_token: str = "[CLS]", sep_token: str = "[SEP]",
                 pad_token: str = "[PAD]"):
        self.tok = tokenizer
        self.cls_id = tokenizer.token_to_id(cls_token)
        self.sep_id = tokenizer.token_to_id(sep_token)
        self.pad_id = tokenizer.token_to_id(pad_token)
        if None in (self.cls_id, self.sep_id, self.pad_id):
            raise ValueError(f"tokenizer lacks one of {cls_token}, {sep_token}, {pad_token}")
        self._cache: dict[str, list[int]] = {}

    def word_ids(self, words: list[str]) -> list[list[int]]:
        missing = [w for w in dict.fromkeys(words) if w not in self._cache]
        if missing:
            encs = self.tok.encode_batch([[w] for w in missing], is_pretokenized=True, add_special_tokens=False)
            for w, e in zip(missing, encs):
                self._cache[w] = list(e.ids)
        if len(self._cache) > 200_000:
            self._cache.clear()
        return [self._cache[w] for w in words]


def make_windows(pieces: list[list[int]], max_length: int, stride: int, cls_id: int, sep_id: int) -> list[Window]:
    """Cut a document (sub-word ids per word) into overlapping windows; see module doc."""
    budget = max_length - 2
    if budget < 1 or not 0 <= stride < budget:
        raise ValueError(f"need max_length > 2 and 0 <= stride < max_length - 2 (got {max_length}, {stride})")
    pieces = [p[:budget] for p in pieces]  # a single word longer than a window is cut
    windows: list[Window] = []
    n, start = len(pieces), 0
    while True:
        end, used = start, 0
        while end < n and used + len(pieces[end]) <= budget:
            used += len(pieces[end])
            end += 1
        ids, index = [cls_id], [-1]
        for w in range(start, end):
            for k, t in enumerate(pieces[w]):
                ids.append(t)
                index.append(w if k == 0 else -1)
        ids.append(sep_id)
        index.append(-1)
        windows.append(Window(ids, index, start, end))
        if end >= n:
            return windows
        # step back so the next window repeats about `stride` tokens of context
        back, nxt = 0, end
        while nxt > start + 1 and back + len(pieces[nxt - 1]) <= stride:
            nxt -= 1
            back += len(pieces[nxt])
        start = nxt


def window_labels(window: Window, word_labels: list[int]) -> list[int]:
    return [word_labels[w] if w >= 0 else IGNORE for w in window.word_index]


def merge_word_logits(windows: list[Window], logits: list[np.ndarray], n_words: int, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-word logits (n_words x n_labels) from per-window logits; `has` marks words that
    had a sub-word. Each window's logits array is (len(window.input_ids) x n_labels)
    (padding beyond that is ignored)."""
    out = np.zeros((n_words, n_labels), dtype=np.float32)
    best = np.full(n_words, -1, dtype=np.int64)
    for win, lg in zip(windows, logits):
        for pos, w in enumerate(win.word_index):
            if w < 0:
                continue
            margin = min(w - win.first, win.last - 1 - w)
            if margin > best[w]:
                best[w] = margin
                out[w] = lg[pos]
    return out, best >= 0


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float64 (the Node example computes it the same way)."""
    x = x.astype(np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def pad_batch(windows: list[Window], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask (int64), padded to the longest window of the batch."""
    width = max(len(w.input_ids) for w in windows)
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for i, w in enumerate(windows):
        ids[i, :len(w.input_ids)] = w.input_ids
        mask[i, :len(w.input_ids)] = 1
    return ids, mask


def continue_fragments(text: str, words, tags: list[str]) -> list[str]:
    """`B-X` -> `I-X` where the word directly follows an `X` word with only spaces (no line
    break) between them and does not start with و ("and"). See the module docstring."""
    out = list(tags)
    for i in range(1, len(out)):
        prev, tag = out[i - 1], out[i]
        if tag.startswith("B-") and prev != "O" and prev[2:] == tag[2:]:
            gap = text[words[i - 1].end:words[i].start]
            if gap and gap.isspace() and "\n" not in gap and not text.startswith("و", words[i].start):
                out[i] = "I-" + tag[2:]
    return out


def line_break_before(text: str, words, i: int) -> bool:
    """Whether a line break separates word i from the word before it."""
    return "\n" in text[words[i - 1].end:words[i].start]


def line_breaks(text: str, words, tags: list[str]) -> list[str]:
    """A span ends at a line break: an `I-X` word with a line break before it becomes O, and so does
    the rest of its span (a headline, sub-heading or list item is a line of its own, and no entity
    runs from one into the next)."""
    out = list(tags)
    broken = False
    for i in range(1, len(out)):
        if not out[i].startswith("I-"):
            broken = False
        elif broken or line_break_before(text, words, i):
            out[i], broken = "O", True
    return out


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first word, one past the last, label) for each span of a BIO sequence (`B-X I-X*`; a
    stray `I-X` opens a span, as `schema.tags_to_spans` reads it)."""
    spans, i, n = [], 0, len(tags)
    while i < n:
        if tags[i] == "O":
            i += 1
            continue
        j = i + 1
        while j < n and tags[j] == "I-" + tags[i][2:]:
            j += 1
        spans.append((i, j, tags[i][2:]))
        i = j
    return spans


PAIRS = {"“": "”", "«": "»", "(": ")", "[": "]", "‘": "’", '"': '"', "″": "″", "'": "'"}
MAX_QUOTED = 6  # words a span may run on by to reach the mark that closes its quoted name


def punctuation_edges(text: str, words, tags: list[str]) -> list[str]:
    """Tags that obey the guideline on quoted names and punctuation. Within each span: the first
    closing mark that closes an opening one inside the span ends it (the mark and every word after
    it in the span become O); a span whose last opening mark stays open runs on to its closing
    mark when at most `MAX_QUOTED` words lie between, all O, none punctuation, no line break; then
    punctuation words at either edge become O (the word after a dropped first word becomes `B-`),
    and a span of punctuation only disappears."""
    out, n = list(tags), len(tags)
    for i, j, label in bio_spans(tags):  # a run-on only takes O words, so the spans ahead stay put
        opened = []
        for k in range(i, j):
            w = words[k].text
            if opened and w == PAIRS[opened[-1]]:
                out[k:j] = ["O"] * (j - k)
                j = k
                break
            if w in PAIRS:
                opened.append(w)
        else:
            k = j
            while (opened and k < n and k - j < MAX_QUOTED and out[k] == "O" and not is_punct(words[k].text[0])
                   and not line_break_before(text, words, k)):
                k += 1
            if opened and k > j and k < n and words[k].text == PAIRS[opened[-1]] \
                    and not line_break_before(text, words, k):
                out[j:k] = [f"I-{label}"] * (k - j)
                j = k
        a, b = i, j
        while a < b and is_punct(words[a].text[0]):
            a += 1
        while b > a and is_punct(words[b - 1].text[0]):
            b -= 1
        out[i:j] = ["O"] * (a - i) + [f"B-{label}"] * (b > a) + [f"I-{label}"] * max(0, b - a - 1) + ["O"] * (j - b)
    return out


def same_name_same_span(text: str, words, tags: list[str]) -> list[str]:
    """One name, one span, throughout a document: a span that lies inside an occurrence of a longer
    span of its label found elsewhere in the same document (the same words, on one line, touching
    no other span) grows to that occurrence: `[الحبيب] النيري` -> `[الحبيب النيري]` when the model
    spanned `[الحبيب النيري]` in another sentence. The longest such form wins; nothing new is
    tagged where the model saw no entity."""
    spans = bio_spans(tags)
    found: dict[str, set[tuple[str, ...]]] = {}
    for a, b, label in spans:
        if b - a >= 2:
            found.setdefault(label, set()).add(tuple(w.text for w in words[a:b]))
    forms = {label: sorted(f, key=lambda form: (-len(form), form)) for label, f in found.items()}  # longest first
    owner = [-1] * len(tags)
    for k, (a, b, _) in enumerate(spans):
        owner[a:b] = [k] * (b - a)
    out = list(tags)
    for k, (a, b, label) in enumerate(spans):
        best = None
        for form in forms.get(label, ()):
            n = len(form)
            if n <= b - a:
                continue
            for s in range(max(0, b - n), a + 1):
                e = s + n
                if e <= len(words) and all(owner[m] in (-1, k) for m in range(s, e)) \
                        and tuple(w.text for w in words[s:e]) == form \
                        and not any(line_break_before(text, words, m) for m in range(s + 1, e)):
                    best = (s, e)
                    break
            if best:
                break
        if best:
            s, e = best
            out[s:e] = [f"B-{label}"] + [f"I-{label}"] * (e - s - 1)
            owner[s:e] = [k] * (e - s)
    return out


# the offline model's folding (text.normalize): no diacritics or tatweel, one alef, ى as ي, ة as ه
_FOLDED = Preprocessing(unify_alef=True, unify_ya=True, unify_ta_marbuta=True)
# the nouns that head an exercise descriptor ("[بالتمرين التعبوي المشترك]"), spelled as _fold leaves them
EXERCISE_HEADS = frozenset("تمرين التمرين تمارين التمارين تمرينات التمرينات مناوره المناوره مناورات المناورات "
                           "تدريب التدريب تدريبات التدريبات".split())
# the other adjectives a descriptor takes; nisba ones ("العسكري", "العماني") are matched by their shape.
# Ordinals are left out: an ordinal belongs to a name ("درع الجزيرة المشترك العاشر")
EXERCISE_ADJECTIVES = frozenset("المشترك المشتركه العابر متعدد متعدده الجنسيات الحيه بالذخيره الكبير الكبري "
                                "السنوي السنويه الشامل الشامله المختلط المختلطه".split())


def _fold(word: str) -> str:
    """A word as the descriptor lists spell it (`text.normalize` with alef, ya and ta marbuta folded)."""
    return normalize(word, _FOLDED)


def _strip_clitics(word: str) -> list[str]:
    """The word and what it may be without a leading و/ف and ب/ل/ك (لل- reads as ال-)."""
    forms = [word]
    for w in list(forms):
        if len(w) > 3 and w[0] in "وف":
            forms.append(w[1:])
    for w in list(forms):
        if len(w) > 4 and w.startswith("لل"):
            forms.append("ا" + w[1:])
        elif len(w) > 3 and w[0] in "بلك":
            forms.append(w[1:])
    return forms


def is_descriptor_only(words) -> bool:
    """Whether the words of an EXERCISE span are a descriptor with adjectives and no name: a head noun
    (`التمرين`, `مناورات`, `التدريب`, with clitics) followed only by descriptor adjectives or nisba
    adjectives with the article (`العسكري المشترك العماني البريطاني`); a quote, bracket, digit or
    any other word makes it a named exercise."""
    folded = [_fold(w.text) for w in words]
    if not folded or not any(f in EXERCISE_HEADS for f in _strip_clitics(folded[0])):
        return False
    for f in folded[1:]:
        if f in EXERCISE_ADJECTIVES or (f.startswith("ال") and len(f) > 4 and f.endswith(("ي", "يه"))
                                        and f not in ("الثاني", "الثانيه", "الحادي")):
            continue
        return False
    return True


# lines that open a list of other articles' headlines ("اقرأ أيضاً:", "أخبار ذات صلة"), as _fold spells them
RELATED_LIST = ("ذات صله", "اقرا ايضا", "الاكثر قراءه", "شاهد ايضا")


def related_list_start(text: str) -> int:
    """Where a list of other articles' headlines begins (the offset of its heading line), or len(text)."""
    offset = 0
    for line in text.split("\n"):
        if len(line) < 40 and any(m in _fold(line) for m in RELATED_LIST):
            return offset
        offset += len(line) + 1
    return len(text)


def one_introduction(text: str, words, tags: list[str]) -> list[str]:
    """The guideline's descriptor-only exercise mentions: only the one that introduces an exercise is
    EXERCISE; a later descriptor mention of the same exercise is O. A descriptor-only EXERCISE span
    (`is_descriptor_only`) becomes O when each of its words (folded, with or without clitics) is a word
    of an EXERCISE span earlier in the document: `[بالتمرين التعبوي المشترك] ... التمرين المشترك`. A
    descriptor with words not seen before (`التمرين الجوي المصري الفرنسي` after `[فلنت لوك]`) may
    introduce another exercise and stays, and so does everything in a list of other articles'
    headlines (`related_list_start`). The model sees one window of a document at a time and cannot
    know whether the exercise was introduced a window earlier."""
    exercises = [(a, b) for a, b, label in bio_spans(tags) if label == "EXERCISE"]
    if len(exercises) < 2:  # nothing earlier to refer back to
        return list(tags)
    out = list(tags)
    seen: set[str] = set()
    related = related_list_start(text)
    for a, b in exercises:
        if words[a].start >= related:
            continue
        forms = [_strip_clitics(_fold(w.text)) for w in words[a:b]]
        if seen and is_descriptor_only(words[a:b]) and all(any(f in seen for f in fs) for fs in forms):
            out[a:b] = ["O"] * (b - a)
        seen.update(f for fs in forms for f in fs)
    return out


# the span rules `decode` applies after the Viterbi and `continue_fragments`, in this order (by name, so
# that scripts measuring them can switch one off)
SPAN_RULES = ("line_breaks", "punctuation_edges", "same_name_same_span", "one_introduction")


@lru_cache(maxsize=8)
def bio_transitions(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(allowed[prev, cur], allowed_first[cur]) for BIO: `I-X` only after `B-X`/`I-X`.
    Built once per label set (read-only arrays)."""
    def ok(prev: str | None, cur: str) -> bool:
        return not cur.startswith("I-") or (prev is not None and prev != "O" and prev[2:] == cur[2:])
    allowed = np.array([[ok(p, c) for c in labels] for p in labels])
    first = np.array([ok(None, c) for c in labels])
    allowed.setflags(write=False)
    first.setflags(write=False)
    return allowed, first


def viterbi_tags(log_probs: np.ndarray, allowed: np.ndarray, allowed_first: np.ndarray) -> list[int]:
    """The label sequence with the highest summed log-probability among those whose
    transitions are all allowed. log_probs: (n_words x n_labels)."""
    n = len(log_probs)
    if n == 0:
        return []
    blocked = np.where(allowed, 0.0, -np.inf)
    score = np.where(allowed_first, log_probs[0], -np.inf)
    back = np.zeros(log_probs.shape, dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + blocked          # cand[prev, cur]
        back[t] = cand.argmax(0)
        score = cand.max(0) + log_probs[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def decode(text, words, logits: np.ndarray, has: np.ndarray, id2label: dict[int, str]) -> list[Span]:
    """Word logits -> BIO tags (`viterbi_tags` over log-softmax; a word without a sub-word
    is O; then `continue_fragments`) -> spans; a span's score is the mean softmax
    probability of its words' tags."""
    labels = tuple(id2label[i] for i in range(len(id2label)))
    log_probs = log_softmax(logits)
    probs = np.exp(log_probs)
    log_probs[~has] = -np.inf
    log_probs[~has, labels.index("O")] = 0.0
    best = viterbi_tags(log_probs, *bio_transitions(labels))
    tags = continue_fragments(text, words, [labels[b] for b in best])
    for rule in SPAN_RULES:  # looked up by name at each call, so a script can switch one off
        tags = globals()[rule](text, words, tags)
    scores = [float(p[b]) for p, b in zip(probs, best)]
    return tags_to_spans(text, words, tags, scores)
