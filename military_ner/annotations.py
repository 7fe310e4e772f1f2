"""Gold annotations: the CoNLL files in `annotations/`, their checker, and span export.

One file per seed article, `annotations/<doc_id>.conll`, `doc_id` being the seed's file
name without `.txt`::

    # doc_id = 000_fef7c47d1b4e8100
    # sent_id = 1
    استقبل<TAB>O
    رئيس<TAB>O
    الأركان<TAB>B-UNIT
    ...
    <blank line between sentences>

Words are exactly those of `military_ner.text.split_words` over the seed text, in order;
tags are IOB2 over `military_ner.schema.LABELS`. This module reads and writes that
format, checks it against the seeds (`check`), and converts between it and span JSONL
(`to_documents`, `write_conll`). It does not train or predict.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .schema import LABELS, Document, SchemaError, spans_to_tags, tags_to_spans
from .text import is_punct, is_space, split_sentences, split_words


@dataclass
class Problem:
    file: str
    line: int
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


@dataclass
class ConllDoc:
    path: Path
    doc_id: str | None = None
    words: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)       # file line of each word
    sentence_starts: list[int] = field(default_factory=list)


def read_conll(path: Path, problems: list[Problem]) -> ConllDoc:
    """Parse one CoNLL file; format errors are appended to `problems` with their line."""
    doc = ConllDoc(path)
    new_sentence = True
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            new_sentence = True
            continue
        if line.startswith("# "):
            key, _, value = line[2:].partition(" = ")
            if key == "doc_id":
                doc.doc_id = value.strip()
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0]:
            problems.append(Problem(str(path), n, f"expected 'word<TAB>tag', got {line!r}"))
            continue
        word, tag = parts
        if tag not in LABELS:
            problems.append(Problem(str(path), n, f"unknown tag {tag!r} for {word!r}; accepted: {', '.join(LABELS)}"))
            tag = "O"
        if new_sentence:
            doc.sentence_starts.append(len(doc.words))
            new_sentence = False
        doc.words.append(word)
        doc.tags.append(tag)
        doc.lines.append(n)
    if doc.doc_id is None:
        problems.append(Problem(str(path), 1, "missing '# doc_id = <seed file name without .txt>' line"))
    return doc


def write_conll(doc: Document, out_dir: Path) -> Path:
    """Write one gold document (spans over its text) as CoNLL; returns the path."""
    words = split_words(doc.text)
    tags = spans_to_tags(words, doc.entities, where=f"{doc.id}: ")
    lines = [f"# doc_id = {doc.id}"]
    for k, (a, b) in enumerate(split_sentences(doc.text, words), 1):
        lines.append(f"# sent_id = {k}")
        lines += [f"{w.text}\t{t}" for w, t in zip(words[a:b], tags[a:b])]
        lines.append("")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{doc.id}.conll"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _check_doc(doc: ConllDoc, text: str, problems: list[Problem]) -> bool:
    """Words reassemble the seed, match the shared word splitter, BIO is well formed and
    no span starts or ends on punctuation. Returns True when the document is usable."""
    f = str(doc.path)
    ok = True
    pos = 0
    expected = {(w.start, w.end) for w in split_words(text)}
    for word, line in zip(doc.words, doc.lines):
        while pos < len(text) and is_space(text[pos]):
            pos += 1
        if text[pos:pos + len(word)] != word:
            found = text[pos:pos + len(word) + 10].split("\n")[0]
            problems.append(Problem(f, line, f"word {word!r} does not continue the seed text, which reads "
                                             f"{found!r} at character {pos}; the words must reassemble the seed in order"))
            return False
        if (pos, pos + len(word)) not in expected:
            problems.append(Problem(f, line, f"word {word!r} at character {pos} is not a word of the shared splitter "
                                             "(punctuation must be split off, clitics kept attached)"))
            ok = False
        pos += len(word)
    rest = text[pos:]
    if rest.strip() and any(not is_space(c) for c in rest):
        problems.append(Problem(f, doc.lines[-1] if doc.lines else 1,
                                f"the seed text goes on after the last word: {rest.strip()[:40]!r}..."))
        ok = False
    prev = "O"
    for k, (word, tag, line) in enumerate(zip(doc.words, doc.tags, doc.lines)):
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            problems.append(Problem(f, line, f"{tag} on {word!r} does not continue a {tag[2:]} span "
                                             f"(previous tag {prev}); IOB2 starts every span with B-"))
            ok = False
        nxt = doc.tags[k + 1] if k + 1 < len(doc.tags) else "O"
        starts = tag.startswith("B-")
        ends = tag != "O" and not (nxt.startswith("I-") and nxt[2:] == tag[2:])
        if (starts or ends) and all(is_punct(c) for c in word):
            problems.append(Problem(f, line, f"span {'starts' if starts else 'ends'} on punctuation {word!r}; "
                                             "move the span edge to the neighbouring word"))
            ok = False
        prev = tag
    return ok


def _warn_inconsistent(docs: list[tuple[ConllDoc, Document]], problems: list[Problem]) -> None:
    """Warn when the same surface string is labelled differently, or is an entity in one
    place and left entirely O in another."""
    labels: dict[str, set[str]] = defaultdict(set)
    first_seen: dict[str, tuple[str, int]] = {}
    for conll, d in docs:
        for s in d.entities:
            labels[s.text].add(s.label)
            first_seen.setdefault(s.text, (str(conll.path), s.start))
    for text, labs in labels.items():
        if len(labs) > 1:
            f, _ = first_seen[text]
            problems.append(Problem(f, 1, f"{text!r} is labelled {' and '.join(sorted(labs))} in different places",
                                    "warning"))
    for conll, d in docs:
        words = split_words(d.text)
        tags = spans_to_tags(words, d.entities)
        for text in labels:
            n = len(split_words(text))
            for i in range(len(words) - n + 1):
                if all(t == "O" for t in tags[i:i + n]) and d.text[words[i].start:words[i + n - 1].end] == text:
                    problems.append(Problem(str(conll.path), conll.lines[i],
                                            f"{text!r} is O here but labelled {'/'.join(sorted(labels[text]))} elsewhere",
                                            "warning"))


def load(annotations_dir: Path, seeds_dir: Path) -> tuple[list[Document], list[Problem]]:
    """Read and check every annotation file. Returns the usable documents (as gold spans
    over the seed text) and every problem found."""
    problems: list[Problem] = []
    files = sorted(annotations_dir.glob("*.conll"))
    if not files:
        problems.append(Problem(str(annotations_dir), 0, "no *.conll files found"))
    pairs = []
    for path in files:
        conll = read_conll(path, problems)
        doc_id = conll.doc_id or path.stem
        if doc_id != path.stem:
            problems.append(Problem(str(path), 1, f"doc_id {doc_id!r} does not match the file name {path.stem!r}"))
        seed = seeds_dir / f"{doc_id}.txt"
        if not seed.exists():
            problems.append(Problem(str(path), 1, f"no seed article {seed} for doc_id {doc_id!r}"))
            continue
        text = seed.read_text(encoding="utf-8")
        if not _check_doc(conll, text, problems):
            continue
        words = split_words(text)
        pairs.append((conll, Document(doc_id, text, tags_to_spans(text, words, conll.tags))))
    seeds = {p.stem for p in seeds_dir.glob("*.txt")}
    for missing in sorted(seeds - {d.id for _, d in pairs} - {p.stem for p in files}):
        problems.append(Problem(str(annotations_dir), 0, f"seed {missing}.txt has no annotation file", "warning"))
    _warn_inconsistent(pairs, problems)
    return [d for _, d in pairs], problems


def load_gold(annotations_dir: Path, seeds_dir: Path) -> list[Document]:
    """The gold documents, or a SchemaError listing every error (for training code)."""
    docs, problems = load(annotations_dir, seeds_dir)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SchemaError("the gold annotations have errors; run `military-ner annotations check`:\n"
                          + "\n".join(map(str, errors)))
    return docs
