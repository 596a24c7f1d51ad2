"""The solver: its solutions win in a fresh simulator; unsolvable levels are reported, not kept."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from npp_rl.levels import CATEGORIES, SolverConfig, generate, solve, verify
from npp_rl.levels.builder import LevelBuilder
from npp_rl.sim.mapdata import load_map
from npp_rl.sim.replay import parse_replay

REF = Path(os.environ.get("NPP_RL_SHARED_REFERENCE", Path(__file__).resolve().parents[2].parent / "shared" / "reference"))
MAPS = REF / "npp" / "maps"


def test_simple_level_solution_replays_to_a_win():
    g = generate("simple", 1)
    res = solve(g.map, SolverConfig(max_iterations=300))
    assert res.solved, res.reason
    assert verify(g.map, res.inputs) == ("won", res.win_frame)
    assert res.win_frame == len(res.inputs)
    rep = parse_replay(res.to_replay(g.to_bytes()).to_bytes())
    assert rep.outcome == "won" and rep.outcome_frame == len(rep.inputs)
    assert rep.map().to_bytes() == g.to_bytes()


def test_solver_is_deterministic():
    g = generate("medium", 2)
    a = solve(g.map, SolverConfig(max_iterations=300, time_limit_s=float("inf")))
    b = solve(g.map, SolverConfig(max_iterations=300, time_limit_s=float("inf")))
    assert a.solved and a.inputs == b.inputs


def test_walled_off_exit_is_reported_unsolved():
    b = LevelBuilder("sealed")
    b.carve(1, 20, 15, 22)
    b.carve(20, 20, 30, 22)  # unreachable room
    b.set_spawn(2, 22)
    b.add_exit((28, 22), (10, 22))
    res = solve(b.to_map(), SolverConfig(max_iterations=60))
    assert not res.solved
    assert res.reason and res.inputs == b""


def test_locked_door_is_planned_before_the_exit():
    b = LevelBuilder("locked")
    b.carve(0, 20, 41, 22)
    b.carve(30, 20, 30, 21, 1)  # leave only the floor row open at column 30
    b.set_spawn(2, 22)
    b.add_exit((38, 22), (12, 22))
    b.add_locked_door((30, 22), (20, 22))
    res = solve(b.to_map(), SolverConfig(max_iterations=300))
    assert [k for k, *_ in res.plan] == ["switch", "locked", "exit"]
    assert res.solved, res.reason


@pytest.mark.skipif(not MAPS.is_dir(), reason=f"shared reference maps absent ({MAPS})")
@pytest.mark.parametrize("name", ["simple-walk", "wall-jump-required", "switch-simple"])
def test_reference_levels_solved(name):
    md = load_map(MAPS / name)
    res = solve(md, SolverConfig(max_iterations=600))
    assert res.solved, res.reason
    assert verify(md, res.inputs)[0] == "won"


@pytest.mark.slow
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_solvable(category):
    solved = 0
    for s in range(4):
        g = generate(category, s)
        res = solve(g.map, SolverConfig(max_iterations=800, time_limit_s=float("inf")))
        if res.solved:
            assert verify(g.map, res.inputs) == ("won", len(res.inputs))
            solved += 1
    assert solved >= 3


def test_backend_copies_only_per_world_state():
    from npp_rl.levels.solver import SimBackend

    md = generate("medium", 2).map  # 432 tile segments: as many as the solver's worlds
    be = SimBackend(md, 432)
    assert {"ninja", "entities", "n_entities", "hor", "ver"} <= set(be.state_names)
    assert "seg" not in be.state_names and "cell_segs" not in be.state_names


def test_iteration_budget_bounds_the_solution_length():
    """Each search iteration extends a path by one macro, so N iterations only find wins within N macros:
    a budget below a level's solution length (in macros) cannot solve it (why DAgger's expert, searching
    from learner states with a small budget, labels nothing)."""
    md = generate("simple", 102).map
    base = SolverConfig(action_set="env", macro_frames=4, beam=24, frontier=3000, max_iterations=300,
                        time_limit_s=float("inf"))
    full = solve(md, base)
    assert full.solved and full.win_frame <= 4 * full.iterations
    need = full.iterations
    for n in (need // 2, need - 5):
        cut = solve(md, dataclasses.replace(base, max_iterations=n))
        assert not cut.solved and cut.reason.startswith("iteration budget") and cut.iterations == n
    again = solve(md, dataclasses.replace(base, max_iterations=need))
    assert again.solved and again.inputs == full.inputs  # the same search, stopped no earlier than its win
