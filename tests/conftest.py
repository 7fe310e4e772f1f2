import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def heavy_modules_after():
    """Runs Python `code` in a fresh interpreter; returns the torch and transformers modules it left loaded."""
    def run(code: str) -> list[str]:
        probe = f"{code}\nimport sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))"
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return ast.literal_eval(out.stdout.strip().splitlines()[-1])
    return run


@pytest.fixture(scope="session")
def gold():
    from military_ner.annotations import load_gold
    return load_gold(ROOT / "annotations", ROOT / "seeds")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, gold):
    """A real, tiny token classifier overfitted on the five seeds: enough for plumbing
    tests (service, runtime parity), never for scores. Built once per test session."""
    from military_ner.offline import BaseSpec, build_base
    from military_ner.text import Preprocessing
    from military_ner.config import load_config
    from military_ner.training import fine_tune

    tmp = tmp_path_factory.mktemp("tiny")
    cfg = load_config(ROOT / "configs/smoke.yaml", {
        "model": str(tmp / "base"), "build_base": False, "max_steps": 150, "eval_every": 1000,
        "early_stopping_patience": 0, "lr": 0.003, "generated_docs": 0})
    pre = Preprocessing.from_dict(cfg.preprocessing)
    build_base(tmp / "base", [d.text for d in gold], BaseSpec(**cfg.base), pre, log=lambda *a: None)
    fine_tune(cfg, gold * cfg.gold_repeat, [], tmp / "run", log=lambda *a: None)
    return tmp / "run"


@pytest.fixture(scope="session")
def bundle(tiny_run, tmp_path_factory):
    """The tiny run exported to an ONNX bundle (fp32 + int8, gate passed), once per session. It
    learnt the gold only, so int8 is scored on the gold alone (test_export.py covers the generated
    gate articles)."""
    from military_ner.export import export
    out = tmp_path_factory.mktemp("bundle") / "bundle"
    export(tiny_run, out, log=lambda *a: None, int8_generated=0)
    return out
