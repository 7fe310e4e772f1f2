"""Batch prediction: bad documents become error records, resume, stdin, and the default precision."""
import json
import subprocess
import sys

import pytest

from military_ner import cli


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def inputs(tmp_path, gold):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(gold[0].text, encoding="utf-8")
    (d / "sub" / "b.txt").write_text(gold[1].text, encoding="utf-8")
    (d / "latin1.txt").write_bytes("القائد".encode("cp1256"))
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00" + bytes(range(256)))
    (d / "z.txt").write_text(gold[2].text, encoding="utf-8")
    return d


def predict(*args):
    return cli.main(["predict", *map(str, args)])


def test_bad_documents_become_error_records_and_the_batch_goes_on(bundle, inputs, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert predict("--model", bundle, "--input", inputs, "--output", out) == 0
    recs = {r["id"]: r for r in lines(out)}
    assert list(recs) == ["a", "binary", "empty", "latin1", "sub/b", "z"]  # sorted paths
    assert "binary file" in recs["binary"]["error"]
    assert "empty document" in recs["empty"]["error"]
    assert "not UTF-8" in recs["latin1"]["error"] and "iconv" in recs["latin1"]["error"]
    for doc_id, text in (("a", (inputs / "a.txt").read_text()), ("sub/b", (inputs / "sub/b.txt").read_text())):
        assert recs[doc_id]["entities"]
        for e in recs[doc_id]["entities"]:
            assert text[e["start"]:e["end"]] == e["text"] and {"label", "score"} <= set(e)
    assert f"3 of 6 documents failed; see {out}" in capsys.readouterr().out


def test_too_long_documents_and_bad_jsonl_lines_are_error_records(bundle, tmp_path):
    src = tmp_path / "docs.jsonl"
    src.write_text(json.dumps({"id": "long", "text": "ا " * 200}) + "\n" + "{oops\n" + json.dumps({"id": 7}) + "\n"
                   + json.dumps({"id": "ok", "text": "الفريق أول"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert predict("--model", bundle, "--input", src, "--output", out, "--max-chars", 100) == 0
    recs = lines(out)
    assert [r["id"] for r in recs] == ["long", f"{src}:2", "7", "ok"]
    assert "the limit is 100" in recs[0]["error"] and "not valid JSON" in recs[1]["error"]
    assert "string \"text\"" in recs[2]["error"] and "entities" in recs[3]


def test_resume_skips_done_ids_and_writes_no_duplicates(bundle, inputs, tmp_path):
    # fp32: the resumed run batches the remaining documents differently, and dynamic int8 scales
    # activations per batch, which can move a span that sits at a decision edge (README, export)
    full, out = tmp_path / "full.jsonl", tmp_path / "out.jsonl"
    fp32 = ("--precision", "fp32")
    assert predict("--model", bundle, "--input", inputs, "--output", full, *fp32) == 0
    done = full.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(done[0] + done[1] + done[2][:10], encoding="utf-8")  # a crash mid-line
    assert predict("--model", bundle, "--input", inputs, "--output", out, *fp32) == 2  # no silent overwrite
    assert predict("--model", bundle, "--input", inputs, "--output", out, "--resume", *fp32) == 0
    got, want = lines(out), lines(full)
    assert [r["id"] for r in got] == [r["id"] for r in want]  # every id once, in input order
    for g, w in zip(got, want):
        assert {k: v for k, v in g.items() if k != "entities"} == {k: v for k, v in w.items() if k != "entities"}
        assert [(e["start"], e["end"], e["label"]) for e in g.get("entities", [])] == \
            [(e["start"], e["end"], e["label"]) for e in w.get("entities", [])]
        assert [e["score"] for e in g.get("entities", [])] == \
            pytest.approx([e["score"] for e in w.get("entities", [])], abs=1e-3)


def test_stdin_takes_jsonl_or_plain_text(bundle, tmp_path, gold):
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "military_ner.cli", "predict", "--model", str(bundle), "--input", "-",
           "--output", str(out), "--precision", "fp32"]
    jsonl = "\n".join(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) for d in gold[:2])
    r = subprocess.run(cmd, input=jsonl.encode(), capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert [x["id"] for x in lines(out)] == [d.id for d in gold[:2]]
    assert b"fp32: asked for" in r.stdout
    r = subprocess.run(cmd + ["--overwrite"], input=gold[3].text.encode(), capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    (rec,) = lines(out)
    assert rec["id"] == "stdin" and rec["entities"]


def test_a_run_directory_predicts_with_pytorch_and_the_same_spans(bundle, tiny_run, inputs, tmp_path, capsys):
    a, b = tmp_path / "torch.jsonl", tmp_path / "onnx.jsonl"
    assert predict("--model", tiny_run, "--input", inputs / "a.txt", "--output", a) == 0
    assert "PyTorch run directory" in capsys.readouterr().out
    assert predict("--model", bundle, "--input", inputs / "a.txt", "--output", b, "--precision", "fp32") == 0
    strip = [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in lines(a)]
    assert strip == [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in lines(b)]


def test_int8_on_a_run_directory_says_to_export_first(tiny_run, tmp_path, capsys):
    assert predict("--model", tiny_run, "--input", "-", "--output", tmp_path / "o.jsonl", "--precision", "int8") == 2
    assert "military-ner export --model" in capsys.readouterr().err


def test_parquet_and_jsonl_in_a_directory_and_parquet_shards_out(bundle, gold, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from military_ner.predict import read_records
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(gold[0].text, encoding="utf-8")
    (d / "b.jsonl").write_text(json.dumps({"id": "b", "text": gold[1].text}, ensure_ascii=False) + "\n",
                               encoding="utf-8")
    pq.write_table(pa.Table.from_pylist([{"id": 3, "text": gold[2].text}, {"id": 4, "text": None}]), d / "c.parquet")
    jsonl, shards = d / "out.jsonl", tmp_path / "out.parquet"  # an output inside the input directory is never read
    assert predict("--model", bundle, "--input", d, "--output", jsonl, "--precision", "fp32") == 0
    assert predict("--model", bundle, "--input", d, "--output", shards, "--precision", "fp32") == 0
    want = lines(jsonl)
    assert [r["id"] for r in want] == ["a", "b", "3", "4"] and "string \"text\"" in want[3]["error"]
    assert list(read_records(shards)) == want and [p.name for p in shards.iterdir()] == ["part-00000.parquet"]
    assert predict("--model", bundle, "--input", d, "--output", jsonl, "--resume") == 0
    assert predict("--model", bundle, "--input", d, "--output", shards, "--resume") == 0
    assert lines(jsonl) == want and list(read_records(shards)) == want  # nothing left to do, nothing doubled
