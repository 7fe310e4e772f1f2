"""Batch tagging: text files, directories, JSONL and Parquet in, span JSONL out, one line per document.

    military-ner predict --model models/bundle --input seeds/ news.jsonl --output out.jsonl
    cat article.txt | military-ner predict --model models/bundle --input - --output out.jsonl

Inputs: a `.txt` file (id = file name without `.txt`), a `.jsonl` file of `{"id", "text"}`
lines, a `.parquet` file with columns `id` and `text`, a directory (every `.txt`, `.jsonl`
and `.parquet` file below it, sorted by path; a `.txt` file's id is its relative path without
`.txt`, so `seeds/` gives the gold ids), or `-` for stdin (JSONL when it starts with `{`,
else one plain-text document with id `stdin`). Other files given by name are read as text.

Output: `{"id", "entities": [{"start", "end", "label", "text", "score"}]}` per document,
offsets into the original text (`schema.Span.to_dict`). A document that cannot be read or
tagged (not UTF-8, binary, empty, longer than `max_chars`, a bad JSONL line or Parquet row,
a model error) becomes `{"id", "error"}` and the batch goes on. An output path ending in
`.parquet` is a directory of Parquet shards (`part-NNNNN.parquet`, columns id, entities,
error; `read_records` turns rows back into the same records); anything else is a JSONL
file. JSONL lines are flushed as they are written and Parquet shards are renamed into
place whole, so a crash loses nothing already written (at most the shard being filled),
and `resume` appends, skipping ids already in the output.

Documents are tagged `GROUP` at a time in input order (`groups`); the Ray engine
(`distributed.py`) tags exactly the same groups with the same `tag_group`, which is why both
engines write the same records. This module reads and writes files; tagging is the
recognizer's (`runtime.py` for a bundle, `modeling.TorchRecognizer` for a run directory).
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


def parquet_items(path: Path, max_chars: int) -> Iterator[Item]:
    """Rows of a Parquet file with columns `id` and `text`, one record batch at a time (memory
    stays bounded); row n of a file is named `path:n` in errors, like a JSONL line."""
    import pyarrow.parquet as pq  # pyarrow comes with `datasets`, a core dependency
    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ...
        yield Item(str(path), error=f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})")
        return
    if "id" not in names or "text" not in names:
        yield Item(str(path), error=f"{path}: expected Parquet columns \"id\" and \"text\"; it has {names}")
        return
    n = 0
    try:
        for batch in pf.iter_batches(batch_size=1024, columns=["id", "text"]):
            for doc_id, text in zip(batch.column("id").to_pylist(), batch.column("text").to_pylist()):
                n += 1
                here = f"{path}:{n}"
                if doc_id is None or not isinstance(text, str):
                    yield Item(here if doc_id is None else str(doc_id),
                               error=f"{here}: expected a non-null \"id\" and a string \"text\"")
                    continue
                err = check_text(text, max_chars)
                yield Item(str(doc_id), None if err else text, err)
    except Exception as exc:  # noqa: BLE001 - a corrupt page: report where reading stopped
        yield Item(f"{path}:{n + 1}",
                   error=f"{path}: rows from {n + 1} on cannot be read ({type(exc).__name__}: {exc})")


INPUT_SUFFIXES = (".txt", ".jsonl", ".parquet")


def _below(path: Path, exclude: Path | None) -> list[Path]:
    """Input files under a directory, sorted; the output itself (file or shard directory) is
    left out, so `--input DIR --output DIR/out.jsonl --resume` never reads its own output."""
    out = exclude.resolve() if exclude else None
    if out and not out.is_relative_to(path.resolve()):
        out = None  # the usual case: no per-file check needed
    return sorted(f for f in path.rglob("*") if f.suffix in INPUT_SUFFIXES and f.is_file()
                  and not (out and (f.resolve() == out or out in f.resolve().parents)))


def iter_items(inputs: list[str], max_chars: int, stdin: BinaryIO | None = None,
               exclude: Path | None = None) -> Iterator[Item]:
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
        in_dir = path.is_dir()
        for f in _below(path, exclude) if in_dir else [path]:
            if not f.is_file():
                yield Item(name, error=f"{name}: no such file or directory")
            elif f.suffix == ".jsonl":
                with f.open("rb") as fh:
                    yield from jsonl_items(fh, str(f), max_chars)
            elif f.suffix == ".parquet":
                yield from parquet_items(f, max_chars)
            elif in_dir:
                yield file_item(f, f.relative_to(path).with_suffix("").as_posix(), max_chars)
            else:
                yield file_item(f, f.stem if f.suffix == ".txt" else f.name, max_chars)


def count_items(inputs: list[str], exclude: Path | None = None) -> int | None:
    """How many documents the inputs hold (None when stdin makes it unknowable)."""
    n = 0
    for name in inputs:
        if name == "-":
            return None
        path = Path(name)
        for f in _below(path, exclude) if path.is_dir() else [path]:
            if f.suffix == ".jsonl" and f.is_file():
                with f.open("rb") as fh:
                    n += sum(1 for line in fh if line.strip())
            elif f.suffix == ".parquet" and f.is_file():
                try:
                    import pyarrow.parquet as pq
                    n += pq.ParquetFile(f).metadata.num_rows
                except Exception:  # noqa: BLE001 - unreadable: one error record
                    n += 1
            else:
                n += 1
    return n


# ---------------------------------------------------------------------------- output

SHARD_ROWS = 5_000  # records per Parquet shard: what a crash can lose, and the writer's memory


def is_parquet(output: Path) -> bool:
    """The output rule: a path ending in `.parquet` is a directory of shards, anything else JSONL."""
    return output.suffix == ".parquet"


def check_output(output: Path, resume: bool, overwrite: bool) -> None:
    """Refuse to replace an existing output silently (called before the model is loaded)."""
    if is_parquet(output):
        if output.exists() and not output.is_dir():
            raise ValueError(f"{output} is a file; an output ending in .parquet is a directory of Parquet shards")
        exists = output.is_dir() and any(output.glob("part-*.parquet"))
    else:
        if output.is_dir():
            raise ValueError(f"{output} is a directory; name a .jsonl file, or DIR.parquet for Parquet shards")
        exists = output.exists() and output.stat().st_size > 0
    if exists and not (resume or overwrite):
        raise ValueError(f"{output} exists; pass --resume to continue it or --overwrite to start again")


def done_ids(output: Path) -> set[str]:
    """Ids already in `output`; a last JSONL line cut short by a crash (or a Parquet shard
    left half-written) is removed first."""
    if is_parquet(output):
        for tmp in output.glob(".part-*.tmp"):
            tmp.unlink()
        return {r["id"] for r in read_records(output)}
    if not output.exists():
        return set()
    with output.open("r+b") as f:  # streamed: an output of millions of lines is never held whole
        size = f.seek(0, 2)
        if size:
            f.seek(max(0, size - 1))
            if f.read(1) != b"\n":
                f.seek(0)
                keep = 0
                for line in f:
                    keep += len(line) if line.endswith(b"\n") else 0
                f.truncate(keep)
    ids = set()
    with output.open("rb") as f:
        for line in f:
            try:
                ids.add(str(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                continue
    return ids


def record_line(record: dict) -> str:
    """A record as its output line (no newline); the one serialization both engines use."""
    return json.dumps(record, ensure_ascii=False)


class JsonlWriter:
    """Span JSONL, one line per record, flushed at once: a crash loses at most a partial last
    line, which `done_ids` removes."""

    def __init__(self, path: Path, append: bool):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.f = path.open("a" if append else "w", encoding="utf-8")

    def write(self, record: dict) -> None:
        self.write_lines([record_line(record)])

    def write_lines(self, lines: list[str]) -> None:
        """Lines already made by `record_line` (the Ray workers make them), flushed together."""
        self.f.write("".join(line + "\n" for line in lines))
        self.f.flush()

    def close(self) -> None:
        self.f.close()


def _parquet_schema():
    import pyarrow as pa
    span = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("label", pa.string()), ("text", pa.string()),
                      ("score", pa.float64())])
    return pa.schema([("id", pa.string()), ("entities", pa.list_(span)), ("error", pa.string())])


class ParquetShards:
    """A directory of Parquet shards `part-NNNNN.parquet` (columns id, entities, error; a row
    is a record, nulls standing for absent keys). Each shard is written under a temporary
    name and renamed whole, so readers and `--resume` never see half a shard; a crash loses
    the records not yet in a shard (at most `shard_rows`)."""

    def __init__(self, directory: Path, append: bool, shard_rows: int = SHARD_ROWS):
        directory.mkdir(parents=True, exist_ok=True)
        if not append:
            for old in [*directory.glob("part-*.parquet"), *directory.glob(".part-*.tmp")]:
                old.unlink()
        self.dir, self.shard_rows, self.rows = directory, shard_rows, []
        self.next = 1 + max((int(f.stem.split("-")[1]) for f in directory.glob("part-*.parquet")), default=-1)

    def write(self, record: dict) -> None:
        self.rows.append(record)
        if len(self.rows) >= self.shard_rows:
            self.flush()

    def write_lines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(json.loads(line))

    def flush(self) -> None:
        if not self.rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq
        tmp = self.dir / f".part-{self.next:05d}.tmp"
        pq.write_table(pa.Table.from_pylist(self.rows, schema=_parquet_schema()), tmp)
        tmp.replace(self.dir / f"part-{self.next:05d}.parquet")
        self.next, self.rows = self.next + 1, []

    def close(self) -> None:
        self.flush()


def open_output(output: Path, resume: bool):
    """(writer, ids already written) for `output`: appended to when resuming, else started afresh."""
    done = done_ids(output) if resume else set()
    return (ParquetShards(output, resume) if is_parquet(output) else JsonlWriter(output, resume)), done


def read_records(output: str | Path) -> Iterator[dict]:
    """The records of a span-JSONL output or a Parquet shard directory, as `predict` wrote them."""
    output = Path(output)
    if not is_parquet(output):
        with output.open(encoding="utf-8") as f:
            yield from (json.loads(line) for line in f if line.strip())
        return
    import pyarrow.parquet as pq
    for shard in sorted(output.glob("part-*.parquet")):
        for row in pq.read_table(shard).to_pylist():
            if row["error"] is not None:
                yield {"id": row["id"], "error": row["error"]}
            else:
                yield {"id": row["id"], "entities": [{k: v for k, v in e.items() if not (k == "score" and v is None)}
                                                     for e in row["entities"]]}


def load_model(model: str, precision: str | None, batch_size: int, threads: int | None, spinning: bool = True):
    """(recognizer, description) for a bundle or a training run directory. `spinning` keeps
    ONNX threads busy-waiting between batches: faster for batch work, wasteful for a server."""
    path = Path(model)
    if (path / "bundle.json").exists():
        from .runtime import Recognizer
        rec = Recognizer.load(path, precision, threads=threads, spinning=spinning, batch_size=batch_size)
        return rec, f"ONNX bundle {path}, {rec.precision_reason}"
    from .modeling import is_ensemble
    if not (path / "config.json").exists() and not is_ensemble(path):
        raise ValueError(f"{model}: neither a bundle (bundle.json) nor a training run directory (config.json, "
                         "or ensemble.json for several members); "
                         "pass the directory written by `military-ner export` or by train.py")
    if precision == "int8":
        raise ValueError(f"{model} is a training run directory (PyTorch fp32); int8 needs a bundle: "
                         f"military-ner export --model {model} --output BUNDLE_DIR")
    from .modeling import TorchRecognizer
    if threads:
        import torch
        torch.set_num_threads(threads)
    return TorchRecognizer.load(path, batch_size=batch_size), f"PyTorch run directory {path}, fp32"


def tag_group(rec, group: list[Item]) -> list[dict]:
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


def check_sizes(batch_size: int, max_chars: int) -> None:
    if batch_size < 1 or max_chars < 1:
        raise ValueError(f"--batch-size and --max-chars must be positive (got {batch_size}, {max_chars})")


def new_stats() -> dict:
    return {"documents": 0, "failed": 0, "skipped": 0, "duplicates": 0, "entities": 0}


def groups(items: Iterable[Item], done: set[str], stats: dict, bar, size: int = GROUP) -> Iterator[list[Item]]:
    """The documents to tag, `size` at a time in input order, error items included: ids
    already written (resume) and repeated ids are skipped and counted. Both engines tag
    exactly these groups, so they write the same records: which windows share an ONNX batch
    moves int8 scores (and fp32 ones in the last bits)."""
    from tqdm.auto import tqdm
    seen: set[str] = set()

    def fresh():
        for item in items:
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
            yield item
    return chunks(fresh(), size)


def chunks(items: Iterable, n: int) -> Iterator[list]:
    """Lists of `n` consecutive items (the last one shorter)."""
    chunk: list = []
    for it in items:
        chunk.append(it)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_record(out, record: dict, stats: dict) -> None:
    out.write(record)
    stats["documents"] += 1
    stats["failed"] += "error" in record
    stats["entities"] += len(record.get("entities", []))


def summarize(stats: dict, output: Path, resume: bool, t0: float, log=print) -> None:
    stats["seconds"] = round(time.time() - t0, 1)
    log(f"wrote {stats['documents']} documents ({stats['entities']} entities) to {output} in {stats['seconds']} s"
        + (f"; skipped {stats['skipped']} already there (--resume)" if resume else "")
        + (f"; skipped {stats['duplicates']} with a repeated id" if stats["duplicates"] else ""))
    log(f"{stats['failed']} of {stats['documents']} documents failed" + (f"; see {output}" if stats["failed"] else ""))


def predict_files(model: str, inputs: list[str], output: str | Path, precision: str | None = None,
                  resume: bool = False, overwrite: bool = False, batch_size: int = 16,
                  max_chars: int = DEFAULT_MAX_CHARS, threads: int | None = None, stdin: BinaryIO | None = None,
                  log=print) -> dict:
    """Tag every document of `inputs` into `output` (span JSONL, or Parquet shards for a
    `.parquet` path). Returns counts."""
    from tqdm.auto import tqdm
    output = Path(output)
    check_output(output, resume, overwrite)
    check_sizes(batch_size, max_chars)
    rec, description = load_model(model, precision, batch_size, threads)
    log(f"model: {description}")
    out, done = open_output(output, resume)
    stats, t0 = new_stats(), time.time()
    with tqdm(total=count_items(inputs, output), unit="doc", desc="predict", file=sys.stderr) as bar:
        try:
            for group in groups(iter_items(inputs, max_chars, stdin, exclude=output), done, stats, bar):
                for record in tag_group(rec, group):
                    write_record(out, record, stats)
                bar.update(len(group))
        finally:
            out.close()
    summarize(stats, output, resume, t0, log)
    return stats
