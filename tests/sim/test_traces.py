"""Parity with the reference traces (nclone with doors colliding): events and positions on every frame."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _reference as R  # noqa: E402

pytestmark = pytest.mark.skipif(not R.available(), reason=R.SKIP_REASON)

TOL = 1e-6


@pytest.mark.parametrize("name", R.trace_names() or ["<no reference>"])
def test_reference_trace(name):
    expected = R.summary()[name]
    res = R.compare(name)
    tr = res["trace"]
    assert tr.death_frame == expected["death_frame"], "death frame"
    assert tr.win_frame == expected["win_frame"], "win frame"
    assert tr.exit_switch_frame == expected["exit_switch_frame"], "exit switch frame"
    assert tr.gold_collected == expected["gold_collected"], "gold collected"
    assert res["max_err"] <= TOL, f"position differs by {res['max_err']} px from frame {res['first_diff']}"
    # states agree too on every compared frame
    n = res["frames"] + 1
    assert (res["ref"][:n, 4] == tr.rows[:n, 4]).all()
