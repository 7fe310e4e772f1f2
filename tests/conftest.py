from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def gold():
    from military_ner.annotations import load_gold
    return load_gold(ROOT / "annotations", ROOT / "seeds")
