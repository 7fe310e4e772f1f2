"""The benchmark's smoke run: every engine in its own process, a table and JSON written."""
import json

from military_ner.bench import bench


def test_quick_bench_writes_a_table_with_ratios_to_pytorch(tiny_run, tmp_path):
    result = bench(str(tiny_run), tmp_path, quick=True, base_shape=False, engines=["torch-fp32", "ort-int8"],
                   log=lambda *a: None)
    assert {r["engine"] for r in result["rows"]} == {"torch-fp32", "ort-int8"}
    assert all(r["tokens_per_s"] > 0 and r["p90_ms"] >= r["p50_ms"] > 0 for r in result["rows"])
    md = (tmp_path / "bench-quick.md").read_text()
    assert "x torch fp32" in md and "cores available" in md and "| ort-int8 | 1 | 128 |" in md
    assert json.loads((tmp_path / "bench-quick.json").read_text())["rows"][0]["vs_torch_fp32"] is not None
