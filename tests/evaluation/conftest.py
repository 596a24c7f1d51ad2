"""Fixtures for the evaluation tests: a tiny level dataset and a tiny mlp_baseline policy."""

from __future__ import annotations

import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from npp_eval_helpers import make_dataset, make_policy  # noqa: E402


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("levels"), categories=("simple", "mine_heavy"), per_category=2)


@pytest.fixture(scope="session")
def tiny_mlp_policy(tmp_path_factory):
    return make_policy(tmp_path_factory.mktemp("policy") / "policy.zip", "mlp_baseline")
