"""The Ray engine writes the local engine's records (gold, generated and bad documents), resumes,
writes Parquet, and survives a killed worker; without Ray, it says what to install."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from military_ner import cli
from military_ner.predict import predict_files, read_records

ray = pytest.importorskip("ray", reason="needs pip install 'military-ner[distributed]' (scripts/setup.sh installs it)")

from military_ner.distributed import predict_ray  # noqa: E402 - after the skip

MAX_CHARS = 20_000  # every gold and generated article is shorter; the "long" document is not
QUIET = dict(log=lambda *a: None)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray instance on 2 CPUs for the whole module (starting one takes seconds);
    `predict_ray` uses it as it is and leaves it running."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def generated():
    from military_ner.data.generate import generate_documents
    return generate_documents(1200, seed=11)


def write_jsonl(path, docs):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n" for d in docs),
                    encoding="utf-8")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, root, generated):
    """Gold articles, 300 generated ones (a directory of JSONL and a Parquet file) and one of
    each bad kind: empty, too long, binary, not UTF-8, a bad JSON line, a line without text,
    a Parquet row without text, and a repeated id."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    d = tmp_path_factory.mktemp("inputs")
    write_jsonl(d / "gen" / "a.jsonl", generated[:150])
    write_jsonl(d / "gen" / "b.jsonl", generated[150:250])
    rows = [{"id": g.id, "text": g.text} for g in generated[250:300]] + [{"id": "no-text", "text": None}]
    pq.write_table(pa.Table.from_pylist(rows), d / "more.parquet")
    bad = d / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"  \n")
    (bad / "long.txt").write_text("ا " * MAX_CHARS, encoding="utf-8")
    (bad / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    (bad / "cp1256.txt").write_bytes("قائد القوات البرية".encode("cp1256"))
    (bad / "lines.jsonl").write_text("{oops\n" + json.dumps({"id": 7}) + "\n"
                                     + json.dumps({"id": generated[0].id, "text": "تكرار"}) + "\n",
                                     encoding="utf-8")
    return [str(root / "seeds"), str(d / "gen"), str(d / "more.parquet"), str(bad)]


def by_id(path):
    records = list(read_records(path))
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate ids in the output"
    return {r["id"]: r for r in records}


@pytest.fixture(scope="module")
def local_out(bundle, inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "local.jsonl"
    predict_files(str(bundle), inputs, out, max_chars=MAX_CHARS, **QUIET)
    return out


def test_ray_writes_the_local_records_for_gold_generated_and_bad_documents(bundle, inputs, local_out, tmp_path,
                                                                            capsys):
    out = tmp_path / "ray.jsonl"
    assert cli.main(["predict", "--model", str(bundle), "--input", *inputs, "--output", str(out),
                     "--engine", "ray", "--workers", "2", "--max-chars", str(MAX_CHARS),
                     "--chunk-docs", "128"]) == 0  # three chunks: three actor pools, one after the other
    got, want = by_id(out), by_id(local_out)
    assert got == want
    assert len(want) == 5 + 300 + 1 + 4 + 2  # gold, generated, Parquet row, bad files, bad lines; not the repeat
    errors = " | ".join(r["error"] for r in want.values() if "error" in r)
    for why in ("empty document", "the limit is 20000", "binary file", "not UTF-8", "not valid JSON",
                "a JSON object with", "non-null \"id\""):
        assert why in errors
    assert sum("entities" in r for r in want.values()) == 305
    printed = capsys.readouterr()
    assert "2 workers" in printed.out and "128 documents per chunk" in printed.out
    assert "7 of 312 documents failed" in printed.out
    assert "skipped a second document with id" in printed.err


def test_ray_resume_appends_what_a_local_resume_appends(bundle, inputs, local_out, tmp_path):
    lines = local_out.read_text(encoding="utf-8").splitlines(keepends=True)
    partial = "".join(lines[:70]) + lines[70][:15]  # a crash mid-line
    a, b = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    a.write_text(partial, encoding="utf-8")
    b.write_text(partial, encoding="utf-8")
    want = predict_files(str(bundle), inputs, a, max_chars=MAX_CHARS, resume=True, **QUIET)
    got = predict_ray(str(bundle), inputs, b, max_chars=MAX_CHARS, resume=True, workers=2, **QUIET)
    assert got["documents"] == want["documents"] == len(lines) - 70
    assert got["skipped"] == want["skipped"] == 70 + 1  # and the repeated id, whose first copy is written
    assert by_id(b) == by_id(a)
    assert len(by_id(b)) == len(lines)


def test_parquet_output_holds_the_same_records(bundle, inputs, local_out, tmp_path):
    out = tmp_path / "spans.parquet"
    predict_ray(str(bundle), inputs, out, max_chars=MAX_CHARS, workers=2, **QUIET)
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet"]
    assert by_id(out) == by_id(local_out)
    with pytest.raises(ValueError, match="--resume to continue it or --overwrite"):
        predict_ray(str(bundle), inputs, out, max_chars=MAX_CHARS, workers=2, **QUIET)


def test_a_killed_worker_is_replaced_and_no_record_is_lost_or_doubled(bundle, generated, tmp_path):
    src, local, out, pids = (tmp_path / "docs.jsonl", tmp_path / "local.jsonl", tmp_path / "ray.jsonl",
                             tmp_path / "pids.txt")
    write_jsonl(src, generated)
    predict_files(str(bundle), [str(src)], local, **QUIET)
    killed = []

    def kill_after_the_first_groups():
        deadline = time.time() + 120
        while time.time() < deadline:
            if pids.exists() and out.exists() and out.read_text(encoding="utf-8").count("\n") >= 64:
                pid = int(pids.read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_after_the_first_groups, daemon=True)
    killer.start()
    stats = predict_ray(str(bundle), [str(src)], out, workers=1, pid_file=pids, **QUIET)
    killer.join(timeout=5)
    assert killed, "the run ended before the worker could be killed"
    started = pids.read_text().split()
    assert len(started) >= 2 and started[0] == str(killed[0])  # the pool started a new actor
    assert stats["documents"] == len(generated)
    assert by_id(out) == by_id(local)  # every document once, with the local engine's record


def test_a_worker_running_other_code_than_the_driver_refuses_to_start():
    from military_ner.distributed import CODE, GroupTagger
    with pytest.raises(RuntimeError, match=f"runs military-ner code {CODE}, the driver 0123456789ab"):
        GroupTagger(files={}, precision="int8", batch_size=16, threads=1, code="0123456789ab")


def test_engine_ray_without_ray_names_the_extra_to_install(bundle, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    assert cli.main(["predict", "--model", str(bundle), "--input", "-", "--output", str(tmp_path / "o.jsonl"),
                     "--engine", "ray"]) == 2
    assert "pip install 'military-ner[distributed]'" in capsys.readouterr().err


def test_ray_options_need_engine_ray(bundle, tmp_path, capsys):
    assert cli.main(["predict", "--model", str(bundle), "--input", "-", "--output", str(tmp_path / "o.jsonl"),
                     "--workers", "2"]) == 2
    assert "go with --engine ray" in capsys.readouterr().err


def test_the_local_engine_never_imports_ray():
    code = ("import sys, military_ner.cli, military_ner.predict; military_ner.cli.build_parser(); "
            "assert 'ray' not in sys.modules, 'ray imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
