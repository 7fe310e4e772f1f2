"""The entity schema, the one `Span` type, and the span-JSONL exchange format.

Every stage speaks span JSONL: gold export, `predict`, `evaluate --gold` and the
service. One line per document::

    {"id": "...", "text": "...", "entities": [{"start": 0, "end": 5, "label": "UNIT",
                                               "text": "...", "score": 0.98}]}

Offsets are Python string indices (code points) into the *original* text, `end`
exclusive. This module also converts between spans and BIO tags over the words of
`military_ner.text`. It does not split words or normalize text (see `text.py`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .text import Word

TYPES = ("MILITARY_RANK", "UNIT", "EXERCISE", "FOREIGN_ENVOY")
LABELS = ("O",) + tuple(f"{prefix}-{t}" for t in TYPES for prefix in ("B", "I"))


class SchemaError(ValueError):
    """Input that breaks the schema or the span-JSONL format (the message says where)."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    text: str
    score: float | None = None

    def to_dict(self) -> dict:
        d = {"start": self.start, "end": self.end, "label": self.label, "text": self.text}
        if self.score is not None:
            d["score"] = round(float(self.score), 4)
        return d


@dataclass
class Document:
    id: str
    text: str
    entities: list[Span] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # other keys of the JSON line (url, country...)

    def to_dict(self, with_text: bool = True) -> dict:
        d = {"id": self.id}
        if with_text:
            d["text"] = self.text
        d.update(self.meta)
        d["entities"] = [s.to_dict() for s in self.entities]
        return d


# ---------------------------------------------------------------------------- BIO <-> spans

def spans_to_tags(words: Sequence[Word], spans: Iterable[Span], where: str = "") -> list[str]:
    """BIO tags for `words` from character spans. Each span must start at a word's start
    and end at a word's end; otherwise a SchemaError names the span."""
    starts = {w.start: i for i, w in enumerate(words)}
    ends = {w.end: i for i, w in enumerate(words)}
    tags = ["O"] * len(words)
    for s in sorted(spans, key=lambda s: s.start):
        if s.label not in TYPES:
            raise SchemaError(f"{where}unknown label {s.label!r} for {s.text!r}; accepted: {', '.join(TYPES)}")
        if s.start not in starts or s.end not in ends:
            raise SchemaError(
                f"{where}span {s.start}-{s.end} {s.text!r} ({s.label}) does not fall on word "
                f"boundaries; spans must cover whole words of military_ner.text.split_words")
        i, j = starts[s.start], ends[s.end]
        if any(t != "O" for t in tags[i:j + 1]):
            raise SchemaError(f"{where}span {s.start}-{s.end} {s.text!r} overlaps another span")
        tags[i] = f"B-{s.label}"
        for k in range(i + 1, j + 1):
            tags[k] = f"I-{s.label}"
    return tags


def tags_to_spans(text: str, words: Sequence[Word], tags: Sequence[str],
                  scores: Sequence[float] | None = None) -> list[Span]:
    """Character spans from BIO tags. An `I-X` that does not continue an `X` span opens a
    new one (the lenient reading of model output). A span's score is the mean of its
    words' scores when scores are given."""
    spans: list[Span] = []
    cur: list[int] | None = None  # [first word, last word]
    cur_type = None

    def close():
        if cur is not None:
            a, b = words[cur[0]], words[cur[1]]
            sc = None
            if scores is not None:
                sc = sum(scores[cur[0]:cur[1] + 1]) / (cur[1] - cur[0] + 1)
            spans.append(Span(a.start, b.end, cur_type, text[a.start:b.end], sc))

    for i, tag in enumerate(tags):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != cur_type):
            close()
            cur, cur_type = (None, None) if tag == "O" else ([i, i], tag[2:])
        else:
            cur[1] = i
    close()
    return spans


# ---------------------------------------------------------------------------- span JSONL

def _parse_line(obj: dict, where: str) -> Document:
    if not isinstance(obj, dict):
        raise SchemaError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    if "id" not in obj or "text" not in obj:
        raise SchemaError(f"{where}: a gold line needs \"id\" and \"text\" (found keys {sorted(obj)})")
    text = obj["text"]
    if not isinstance(text, str):
        raise SchemaError(f"{where}: \"text\" must be a string")
    ents = []
    for k, e in enumerate(obj.get("entities", [])):
        try:
            s = Span(int(e["start"]), int(e["end"]), str(e["label"]), str(e.get("text", "")),
                     e.get("score"))
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(f"{where}: entity {k} needs integer start/end and a label ({exc})")
        if s.label not in TYPES:
            raise SchemaError(f"{where}: entity {k} has unknown label {s.label!r}; accepted: {', '.join(TYPES)}")
        if not 0 <= s.start < s.end <= len(text):
            raise SchemaError(f"{where}: entity {k} offsets {s.start}-{s.end} are outside the text (length {len(text)})")
        if s.text and text[s.start:s.end] != s.text:
            raise SchemaError(f"{where}: entity {k} says {s.text!r} but the text at {s.start}-{s.end} "
                              f"is {text[s.start:s.end]!r}")
        ents.append(Span(s.start, s.end, s.label, text[s.start:s.end], s.score))
    meta = {k: v for k, v in obj.items() if k not in ("id", "text", "entities")}
    return Document(str(obj["id"]), text, sorted(ents, key=lambda s: s.start), meta)


def read_span_jsonl(path: str | Path) -> list[Document]:
    """Read a span-JSONL gold file; a bad line raises SchemaError naming file and line."""
    path = Path(path)
    if not path.exists():
        raise SchemaError(f"{path}: no such file; expected span JSONL "
                          "(one {\"id\", \"text\", \"entities\"} object per line)")
    docs = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SchemaError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            docs.append(_parse_line(obj, where))
    return docs


def write_span_jsonl(docs: Iterable[Document], path: str | Path, with_text: bool = True) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d.to_dict(with_text), ensure_ascii=False) + "\n")
            n += 1
    return n


def iter_entities(docs: Iterable[Document]) -> Iterator[tuple[str, Span]]:
    for d in docs:
        for s in d.entities:
            yield d.id, s
