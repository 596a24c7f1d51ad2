"""A tiny real level dataset for the train-and-compare tests (medium levels solve fastest)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # seed_examples
_MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")
if _MODELS not in sys.path:
    sys.path.insert(0, _MODELS)  # fake_env


@pytest.fixture(scope="session")
def seed_dataset(tmp_path_factory) -> Path:
    """``root/{train,test}/medium/...``: two training and one test level, solver-verified, with replays."""
    from npp_rl.levels import generate_dataset

    root = tmp_path_factory.mktemp("nclone") / "datasets"
    generate_dataset(root, 2, 1, 3, categories=["medium"], overwrite=True)
    return root
