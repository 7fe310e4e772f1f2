"""Batch tagging on Ray Data: the inputs, records and output files of `predict.py`, on many cores or machines.

    military-ner predict --model models/offline-bundle --input archive/ --output spans.jsonl --engine ray
    military-ner predict ... --engine ray --workers 2                 # a local Ray instance, 2 actors
    military-ner predict ... --engine ray --address auto --resume     # join the cluster this node is part of

    from military_ner.distributed import predict_ray
    predict_ray("models/offline-bundle", ["archive/"], "spans.jsonl", workers=2)

How it runs. The driver (this process) reads the inputs with `predict.iter_items` and cuts
them into `predict.groups`: the same groups of 32 documents, in the same order, with the
same resume and repeated-id rules as the local engine. A chunk of groups becomes a Ray
dataset (`ray.data.from_items`, one group per row and per block) that `map_batches` sends
through a pool of actors (`GroupTagger`). Each actor loads the bundle once - its files
travel through the object store, so worker nodes need the package but not the bundle's
path - and tags each group with `predict.tag_group`, the local engine's own function. The
records come back as finished output lines (`predict.record_line`) and stream to the driver
(`iter_rows`), which is the only writer: it appends each group's lines and flushes them, or
adds them to Parquet shards (`predict.open_output`), without parsing a JSONL record.

Why the driver reads (the trade-off). Reading on the driver keeps the records identical by
construction: error texts, JSONL line numbers, Parquet row numbers, `--resume` and repeated
ids all come from the code the local engine runs; the inputs need not be visible from the
workers, and stdin works. The costs: every input byte passes through one process (it reads,
groups and serializes some 40,000 documents/s, about a thousand times one core's tagging
rate: see eval/ray-bench.md and docs/distributed.md); and the dataset is built a chunk at a
time (`chunk_docs`, default `DOCS_PER_WORKER` per worker) to keep driver and object-store
memory bounded, so each chunk starts its actor pool afresh (a few seconds per chunk); the
next chunk is read while the current one is tagged (`read_ahead`). Reading Parquet on the
workers (`ray.data.read_parquet`) would take the driver off the input path, but error
records, resume and repeated ids would then need a second implementation that a test would
have to keep equal to the first; not done.

Why groups are never re-cut. The runtime already batches by length inside a group (windows
sorted by length, padded per batch). Re-batching documents across groups by length would
pad less, but int8 dynamic quantization scales activations per batch (and fp32 sums in
another order), so scores would move in their last digits and the two engines would no
longer write the same records. A Ray batch is one whole group.

Order. Records are written as groups finish, not in input order (the local engine writes in
input order); compare outputs by id (`predict.read_records`).

Failures. Ray Data's actor pools restart an actor that dies and retry its unfinished
groups on the new one (its defaults, which we keep: `max_restarts=-1`, `max_task_retries=-1`;
Ray 2.60 deprecates passing them through `map_batches`). The driver keeps the indices of the
current chunk's groups that have not come back and drops any group it already wrote, so a
retry can never write a record twice. Each group's lines are flushed as they are written, so
after a driver crash `--resume` goes on from there. The price of unlimited retries: a
document that crashes the worker process itself (not a Python error: `tag_group` turns those
into error records) would be retried without end; Ray's logs on the nodes
(`/tmp/ray/session_latest/logs`) show the restarts.

Same code everywhere. Records are only the same if the driver and every worker run the same
code from text to spans (`CODE`: a hash of the modules involved, taken when this module is
imported). An actor whose hash differs from the driver's refuses to start and the run stops
with an error naming both; a test once caught exactly this, when a decoding change landed in
the working tree while the driver was running. On a cluster: one image for every node.

Ray is optional (`pip install 'military-ner[distributed]'`): it is imported only here, and
only when this engine runs.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from . import predict, runtime, schema, text, windows
from .predict import (DEFAULT_MAX_CHARS, GROUP, Item, check_output, check_sizes, chunks, count_items, groups,
                      iter_items, load_model, new_stats, open_output, record_line, summarize, tag_group)

# Documents per worker per chunk: ~100 s of a core for real-length articles (~35 s for generated
# ones), so a pool's start-up (a few seconds) stays small, while the chunk's input held by the
# driver and the head's object store (~5 KB per real article) stays around 10 MB per worker.
DOCS_PER_WORKER = 2_000
INSTALL = "pip install 'military-ner[distributed]'"
# The code that turns a text into records, as this process loaded it (see "Same code everywhere").
CODE = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (predict, runtime, schema, text, windows)
                               ) + Path(__file__).read_bytes()).hexdigest()[:12]


class RayMissing(RuntimeError):
    """--engine ray without Ray installed."""


def import_ray():
    """Ray, imported on first use so the local engine never needs it."""
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")  # read at import: no INFO line per chunk over our bar
    try:
        import ray
        import ray.data  # noqa: F401 - the [data] extra
    except ImportError as exc:
        raise RayMissing(f"--engine ray needs Ray Data, which is not installed ({exc}); "
                         f"install it with: {INSTALL}") from None
    return ray


def bundle_files(rec) -> dict[str, bytes]:
    """The files an actor needs to load exactly this model: bundle.json, the tokenizer and
    the one ONNX graph in use (the other precision stays home)."""
    from .runtime import BUNDLE_FILE, read_bundle
    info = read_bundle(rec.bundle_dir)
    names = [BUNDLE_FILE, info["tokenizer"]["file"], info["models"][rec.precision]["file"]]
    return {name: (rec.bundle_dir / name).read_bytes() for name in names}


class GroupTagger:
    """The actor's callable: loads the bundle once, then tags one group per batch.

    `files` (an object ref to `bundle_files`) is written to a temporary directory, loaded
    with `predict.load_model` and removed again: the session and tokenizer live in memory.
    `pid_file`, when given, gets this process's id appended (tests kill it; an operator can
    find the workers' processes). `code` is the driver's `CODE`."""

    def __init__(self, files, precision: str, batch_size: int, threads: int, code: str, pid_file: str | None = None):
        if code != CODE:
            import socket
            raise RuntimeError(f"a worker on {socket.gethostname()} runs military-ner code {CODE}, the driver {code}: "
                               "the records would differ. Run the same version on the driver and every node")
        import ray
        if isinstance(files, ray.ObjectRef):
            files = ray.get(files)
        tmp = Path(tempfile.mkdtemp(prefix="military-ner-bundle-"))
        try:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            self.rec, _ = load_model(str(tmp), precision, batch_size, threads)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if pid_file:
            with open(pid_file, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\n")

    def __call__(self, batch: dict) -> dict:
        """Per group: its output lines (`predict.record_line`, joined by newlines, which JSON
        escapes inside strings) and its counts, so the driver writes without parsing."""
        import numpy as np
        lines, counts = [], []
        for payload in batch["group"]:
            records = tag_group(self.rec, [Item(*it) for it in json.loads(payload)])
            lines.append("\n".join(map(record_line, records)))
            counts.append(json.dumps([len(records), sum("error" in r for r in records),
                                      sum(len(r.get("entities", [])) for r in records)]))
        return {"index": batch["index"], "lines": np.array(lines, dtype=object),
                "counts": np.array(counts, dtype=object)}


def start_ray(ray, address: str | None) -> bool:
    """Join `address` or start a local instance; True when this call started Ray (and must
    stop it). An already initialized Ray (a test fixture, a notebook) is used as it is."""
    if ray.is_initialized():
        return False
    quiet = dict(log_to_driver=False, logging_level=logging.WARNING)
    if address:
        ray.init(address=address, **quiet)
    else:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network here; and no notice on stderr
        ray.init(address="local", include_dashboard=False, **quiet)
    return True


def read_ahead(items: Iterable) -> Iterator:
    """`items`, produced one step ahead in a background thread: the driver reads and
    serializes the next chunk while the workers tag the current one (at most two chunks in
    memory). An error while reading is raised here, in the caller's thread."""
    q: queue.Queue = queue.Queue(maxsize=1)
    end, stop = object(), threading.Event()

    def produce():
        try:
            for it in items:
                if stop.is_set():
                    return
                q.put(it)
            q.put(end)
        except BaseException as exc:  # noqa: BLE001 - handed over to the consumer
            if not stop.is_set():
                q.put(exc)

    threading.Thread(target=produce, daemon=True, name="military-ner-reader").start()
    try:
        while (it := q.get()) is not end:
            if isinstance(it, BaseException):
                raise it
            yield it
    finally:  # the consumer stopped early: unblock the reader and let it end
        stop.set()
        try:
            q.get_nowait()
        except queue.Empty:
            pass


def payload(group: list[Item]) -> str:
    """A group as one string column value: Arrow needs no schema for it, and nulls stay nulls."""
    return json.dumps([[it.id, it.text, it.error] for it in group], ensure_ascii=False)


def tag_chunk(ray, chunk: list[str], files_ref, precision: str, batch_size: int, threads: int,
              workers: int, pid_file: str | None) -> Iterator[tuple[list[str], list[int]]]:
    """(output lines, [documents, failed, entities]) of each group (`payload`) of `chunk`, as
    the groups finish; each group exactly once."""
    rows = [{"index": i, "group": p} for i, p in enumerate(chunk)]
    ds = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        GroupTagger, batch_size=1, compute=ray.data.ActorPoolStrategy(size=min(workers, len(rows))),
        num_cpus=threads, fn_constructor_kwargs=dict(files=files_ref, precision=precision, batch_size=batch_size,
                                                     threads=threads, code=CODE, pid_file=pid_file))
    pending = set(range(len(rows)))
    for row in ds.iter_rows():
        i = int(row["index"])
        if i in pending:  # else a retried group that already came back: written once only
            pending.discard(i)
            yield row["lines"].split("\n"), json.loads(row["counts"])
    if pending:
        raise RuntimeError(f"{len(pending)} groups of {len(rows)} did not come back from Ray; every record "
                           "written so far is in the output: run again with --resume")


def predict_ray(model: str, inputs: list[str], output: str | Path, precision: str | None = None,
                resume: bool = False, overwrite: bool = False, batch_size: int = 16,
                max_chars: int = DEFAULT_MAX_CHARS, threads: int = 1, stdin: BinaryIO | None = None,
                address: str | None = None, workers: int | None = None, chunk_docs: int | None = None,
                log=print, pid_file: str | Path | None = None) -> dict:
    """`predict.predict_files` on Ray Data: the same records (in completion order), same
    output formats and counts; see the module docstring. `workers` actors of `threads`
    threads each (default: every CPU of the cluster, one thread each)."""
    from tqdm.auto import tqdm
    ray = import_ray()
    output = Path(output)
    check_output(output, resume, overwrite)
    check_sizes(batch_size, max_chars)
    if threads < 1 or (workers is not None and workers < 1) or (chunk_docs is not None and chunk_docs < 1):
        raise ValueError(f"--threads, --workers and --chunk-docs must be positive "
                         f"(got {threads}, {workers}, {chunk_docs})")
    if not (Path(model) / "bundle.json").exists():
        raise ValueError(f"{model}: --engine ray runs exported bundles (bundle.json); make one with "
                         f"`military-ner export --model {model} --output BUNDLE_DIR`")
    rec, description = load_model(model, precision, batch_size, 1)  # a bad bundle fails here, before Ray starts
    files, precision = bundle_files(rec), rec.precision
    del rec
    log(f"model: {description}")
    started = start_ray(ray, address)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        workers = workers or max(1, cpus // threads)
        if workers * threads > cpus:
            msg = f"{workers} workers x {threads} threads need {workers * threads} CPUs; the Ray cluster has {cpus}"
            if not address:
                raise ValueError(msg + ": pass fewer --workers or --threads, or join a cluster with --address")
            log(f"warning: {msg} (an autoscaling cluster may add nodes)")
        chunk_groups = math.ceil((chunk_docs or DOCS_PER_WORKER * workers) / GROUP)
        log(f"ray: {workers} workers x {threads} thread(s), {cpus} CPUs in the cluster, "
            f"{chunk_groups * GROUP} documents per chunk")
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # our bar counts documents across chunks; Ray's restart per chunk
        ctx.print_on_execution_start = False
        files_ref = ray.put(files)
        out, done = open_output(output, resume)
        stats, t0 = new_stats(), time.time()
        with tqdm(total=count_items(inputs, output), unit="doc", desc="predict (ray)", file=sys.stderr) as bar:
            try:
                todo = groups(iter_items(inputs, max_chars, stdin, exclude=output), done, stats, bar)
                for chunk in read_ahead(chunks(map(payload, todo), chunk_groups)):
                    for lines, (n, failed, entities) in tag_chunk(ray, chunk, files_ref, precision, batch_size,
                                                                  threads, workers, pid_file and str(pid_file)):
                        out.write_lines(lines)  # one flush per group: a crash loses at most the group in flight
                        stats["documents"] += n
                        stats["failed"] += failed
                        stats["entities"] += entities
                        bar.update(n)
            finally:
                out.close()
    finally:
        if started:
            ray.shutdown()
    summarize(stats, output, resume, t0, log)
    stats["workers"] = workers
    return stats
