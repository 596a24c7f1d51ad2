"""Fixtures for the pretraining tests; makes ``bc_helpers`` (scripted replays) importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture
def simple_walk(shared_reference) -> Path:
    return shared_reference / "npp" / "maps" / "simple-walk"


@pytest.fixture
def tracking_uri(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    return f"sqlite:///{tmp_path / 'mlflow.db'}"
