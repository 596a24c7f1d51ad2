"""Fixtures for the environment tests: reference levels from ../shared/reference (skipped where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def maps_dir(shared_reference) -> Path:
    d = shared_reference / "npp" / "maps"
    if not d.is_dir():
        pytest.skip(f"reference levels folder {d} is absent")
    return d


@pytest.fixture(scope="session")
def all_maps(maps_dir) -> list[Path]:
    return sorted(p for p in maps_dir.iterdir() if p.is_file())


@pytest.fixture(scope="session")
def simple_walk(maps_dir) -> Path:
    return maps_dir / "simple-walk"
