"""Batch tagging: text files, directories and JSONL in, span JSONL out, one line per document.

    military-ner predict --model models/bundle --input seeds/ news.jsonl --output out.jsonl
    cat article.txt | military-ner predict --model models/bundle --input - --output out.jsonl

Inputs: a `.txt` file (id = file name without `.txt`), a directory (every `*.txt` below it,
sorted; id = relative path without `.txt`, so `seeds/` gives the gold ids), a `.jsonl`
file of `{"id", "text"}` lines, or `-` for stdin (JSONL when it starts with `{`, else one
plain-text document with id `stdin`). Other files given by name are read as text.

Output: `{"id", "entities": [{"start", "end", "label", "text", "score"}]}` per document,
offsets into the original text (`schema.Span.to_dict`). A document that cannot be read or
tagged (not UTF-8, binary, empty, longer than `max_chars`, a bad JSONL line, a model error)
becomes `{"id", "error"}` and the batch goes on; every line is flushed as it is written, so
a crash loses nothing already written, and `resume` appends, skipping ids already in the
output. This module reads and writes files; tagging is the recognizer's (`runtime.py` for
a bundle, `modeling.TorchRecognizer` for a run directory).
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

DEFAULT_MAX_CHARS = 500_000
GROUP = 32  # documents per recognizer call: their windows are batched together by length


@dataclass
class Item:
    id: str
    text: str | None = None
    error: str | None = None


def check_text(text: str, max_chars: int) -> str | None:
    """Why `text` cannot be tagged, or None."""
    if "\x00" in text:
        return f"binary content (NUL character at offset {text.index(chr(0))}); expected text"
    if not text.strip():
        return "empty document (no text after removing whitespace)"
    if len(text) > max_chars:
        return (f"{len(text)} characters; the limit is {max_chars}: split the document or raise --max-chars")
    return None


def decode(data: bytes, max_chars: int) -> tuple[str | None, str | None]:
    """(text, None) or (None, why) for the bytes of one document."""
    if b"\x00" in data:
        return None, f"binary file (NUL byte at byte {data.index(0)}); expected UTF-8 text"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (f"not UTF-8 (byte 0x{data[exc.start]:02x} at byte {exc.start}); convert it first, e.g. "
                      "iconv -f WINDOWS-1256 -t UTF-8 FILE > FILE.utf8.txt")
    err = check_text(text, max_chars)
    return (None, err) if err else (text, None)


def jsonl_items(lines: Iterable[bytes], where: str, max_chars: int) -> Iterator[Item]:
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        here = f"{where}:{n}"
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield Item(here, error=f"{here}: not UTF-8 (byte at {exc.start} of the line)")
            continue
        except json.JSONDecodeError as exc:
            yield Item(here, error=f"{here}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("text"), str):
            yield Item(str(obj.get("id", here)) if isinstance(obj, dict) else here,
                       error=f"{here}: expected a JSON object with \"id\" and a string \"text\"")
            continue
        err = check_text(obj["text"], max_chars)
        yield Item(str(obj["id"]), None if err else obj["text"], err)


def file_item(path: Path, doc_id: str, max_chars: int) -> Item:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Item(doc_id, error=f"{path}: cannot read ({exc.strerror})")
    text, err = decode(data, max_chars)
    return Item(doc_id, text, err and f"{path}: {err}")


def iter_items(inputs: list[str], max_chars: int, stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Documents of every input, in order (see the module docstring)."""
    for name in inputs:
        if name == "-":
            data = (stdin or sys.stdin.buffer).read()
            if data.lstrip()[:1] == b"{":
                yield from jsonl_items(data.splitlines(), "stdin", max_chars)
            else:
                text, err = decode(data, max_chars)
                yield Item("stdin", text, err and f"stdin: {err}")
            continue
        path = Path(name)
        if path.is_dir():
            for f in sorted(path.rglob("*.txt")):
                yield file_item(f, f.relative_to(path).with_suffix("").as_posix(), max_chars)
        elif path.suffix == ".jsonl" and path.is_file():
            with path.open("rb") as f:
                yield from jsonl_items(f, str(path), max_chars)
        elif path.is_file():
            yield file_item(path, path.stem if path.suffix == ".txt" else path.name, max_chars)
        else:
            yield Item(name, error=f"{name}: no such file or directory")


def count_items(inputs: list[str]) -> int | None:
    """How many documents the inputs hold (None when stdin makes it unknowable)."""
    n = 0
    for name in inputs:
        path = Path(name)
        if name == "-":
            return None
        if path.is_dir():
            n += sum(1 for _ in path.rglob("*.txt"))
        elif path.suffix == ".jsonl" and path.is_file():
            with path.open("rb") as f:
                n += sum(1 for line in f if line.strip())
        else:
            n += 1
    return n


def done_ids(output: Path) -> set[str]:
    """Ids already in `output`; a last line cut short by a crash is removed first."""
    if not output.exists():
        return set()
    data = output.read_bytes()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with output.open("r+b") as f:
            f.truncate(keep)
        data = data[:keep]
    ids = set()
    for line in data.splitlines():
        try:
            ids.add(str(json.loads(line)["id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def load_model(model: str, precision: str | None, batch_size: int, threads: int | None):
    """(recognizer, description) for a bundle or a training run directory."""
    path = Path(model)
    if (path / "bundle.json").exists():
        from .runtime import Recognizer
        rec = Recognizer.load(path, precision, threads=threads, spinning=True, batch_size=batch_size)
        return rec, f"ONNX bundle {path}, {rec.precision_reason}"
    if not (path / "config.json").exists():
        raise ValueError(f"{model}: neither a bundle (bundle.json) nor a training run directory (config.json); "
                         "pass the directory written by `military-ner export` or by train.py")
    if precision == "int8":
        raise ValueError(f"{model} is a training run directory (PyTorch fp32); int8 needs a bundle: "
                         f"military-ner export --model {model} --output BUNDLE_DIR")
    from .modeling import TorchRecognizer
    if threads:
        import torch
        torch.set_num_threads(threads)
    return TorchRecognizer.load(path, batch_size=batch_size), f"PyTorch run directory {path}, fp32"


def _tag(rec, group: list[Item]) -> list[dict]:
    """Output records for a group, in order; a failing group is retried one document at a
    time so one bad document fails alone."""
    todo = [it for it in group if it.error is None]
    try:
        spans = dict(zip((id(it) for it in todo), rec.predict([it.text for it in todo]))) if todo else {}
    except Exception:  # noqa: BLE001 - isolate the culprit below
        spans = {}
        for it in todo:
            try:
                spans[id(it)] = rec.predict([it.text])[0]
            except Exception as exc:  # noqa: BLE001 - a bad document is reported, the batch goes on
                it.error = f"tagging failed: {type(exc).__name__}: {exc}"
    return [{"id": it.id, "error": it.error} if it.error else
            {"id": it.id, "entities": [s.to_dict() for s in spans[id(it)]]} for it in group]


def predict_files(model: str, inputs: list[str], output: str | Path, precision: str | None = None,
                  resume: bool = False, overwrite: bool = False, batch_size: int = 16,
                  max_chars: int = DEFAULT_MAX_CHARS, threads: int | None = None, stdin: BinaryIO | None = None,
                  log=print) -> dict:
    """Tag every document of `inputs` into `output` (span JSONL). Returns counts."""
    from tqdm.auto import tqdm
    output = Path(output)
    if output.exists() and output.stat().st_size and not (resume or overwrite):
        raise ValueError(f"{output} exists; pass --resume to continue it or --overwrite to start again")
    if batch_size < 1 or max_chars < 1:
        raise ValueError(f"--batch-size and --max-chars must be positive (got {batch_size}, {max_chars})")
    rec, description = load_model(model, precision, batch_size, threads)
    log(f"model: {description}")
    done = done_ids(output) if resume else set()
    output.parent.mkdir(parents=True, exist_ok=True)
    stats = {"documents": 0, "failed": 0, "skipped": 0, "duplicates": 0, "entities": 0}
    seen: set[str] = set()
    t0 = time.time()
    total = count_items(inputs)
    with output.open("a" if resume else "w", encoding="utf-8") as out, \
            tqdm(total=total, unit="doc", desc="predict", file=sys.stderr) as bar:
        def write(group):
            for rec_ in _tag(rec, group):
                out.write(json.dumps(rec_, ensure_ascii=False) + "\n")
                out.flush()
                stats["documents"] += 1
                stats["failed"] += "error" in rec_
                stats["entities"] += len(rec_.get("entities", []))
            bar.update(len(group))
            group.clear()

        group: list[Item] = []
        for item in iter_items(inputs, max_chars, stdin):
            if item.id in done:
                stats["skipped"] += 1
                bar.update(1)
                continue
            if item.id in seen:
                stats["duplicates"] += 1
                bar.update(1)
                tqdm.write(f"skipped a second document with id {item.id!r} (ids must be unique)", file=sys.stderr)
                continue
            seen.add(item.id)
            group.append(item)
            if len(group) >= GROUP:
                write(group)
        write(group)
    stats["seconds"] = round(time.time() - t0, 1)
    log(f"wrote {stats['documents']} documents ({stats['entities']} entities) to {output} in {stats['seconds']} s"
        + (f"; skipped {stats['skipped']} already there (--resume)" if resume else "")
        + (f"; skipped {stats['duplicates']} with a repeated id" if stats["duplicates"] else ""))
    log(f"{stats['failed']} of {stats['documents']} documents failed" + (f"; see {output}" if stats["failed"] else ""))
    return stats
