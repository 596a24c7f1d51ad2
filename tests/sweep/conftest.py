"""Fixtures of the sweep/tune tests: a tiny real level dataset and env factories that fail on purpose."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def sweep_levels(tmp_path_factory) -> Path:
    """A solver-checked dataset: 2 training and 1 test level of the simple category."""
    from npp_rl.levels import generate_dataset

    root = tmp_path_factory.mktemp("sweep-levels")
    generate_dataset(root, 2, 1, 5, categories=["simple"], overwrite=True)
    return root


@pytest.fixture
def tracking_uri(tmp_path, monkeypatch) -> str:
    """A fresh embedded store for the test (also in MLFLOW_TRACKING_URI, so child processes follow)."""
    uri = f"sqlite:///{tmp_path / 'home' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    return uri
