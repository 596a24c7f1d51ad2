"""Early rejections: a level whose goal no path reaches is refused before any search (pre-check), and a
search that stops making heuristic progress gives up (stall stop), each saying why; solvable levels are
still solved under both."""

from __future__ import annotations

from npp_rl.levels import SolverConfig, generate, solve, verify
from npp_rl.levels.builder import LevelBuilder
from npp_rl.levels.geodesic import unreachable_goal
from npp_rl.levels.solver import _plan


def _sealed():
    b = LevelBuilder("sealed")
    b.carve(1, 20, 15, 22)
    b.carve(20, 20, 30, 22)  # a room no path enters
    b.set_spawn(2, 22)
    b.add_exit((28, 22), (24, 22))
    return b.to_map()


def _mined_corridor():
    """One row high, the way to the switch floored with deadly mines 24 px apart: the grid has a path,
    the ninja (radius 10; mine 4) can neither pass between them nor jump over them."""
    b = LevelBuilder("mined")
    b.carve(0, 22, 41, 22)
    b.set_spawn(2, 22)
    b.add_exit((38, 22), (30, 22))
    for i in range(10, 15):
        b.add_mine((4 * (i + 1) + 2, 4 * 23 + 2))
    return b.to_map()


def test_precheck_refuses_an_unreachable_exit_before_searching():
    md = _sealed()
    why = unreachable_goal(md.tiles, md.spawn, md.entities)
    assert why.startswith("exit switch unreachable from the spawn")
    res = solve(md, SolverConfig(precheck=True, max_iterations=800))
    assert not res.solved and res.reason == why
    assert res.iterations == 0 and res.seconds < 2.0
    searched = solve(md, SolverConfig(max_iterations=30))  # without it the search spends its budget
    assert not searched.solved and searched.iterations > 0


def test_precheck_opens_locked_doors_and_one_way_platforms():
    b = LevelBuilder("locked, one-way")
    b.carve(0, 18, 41, 22)
    b.carve(0, 19, 41, 19, 1)  # a ceiling row between the floors, with one gap capped by a one-way platform
    b.set(20, 19, 0)
    b.add_one_way(20, 19)
    b.carve(30, 20, 30, 21, 1)
    b.set_spawn(2, 22)
    b.add_exit((38, 22), (12, 22))
    b.add_locked_door((30, 22), (20, 22))
    md = b.to_map()
    assert unreachable_goal(md.tiles, md.spawn, md.entities) == ""
    res = solve(md, SolverConfig(precheck=True, max_iterations=300))
    assert [k for k, *_ in res.plan] == ["switch", "locked", "exit"]
    assert res.solved, res.reason


def test_stalled_search_gives_up_early_saying_why():
    md = _mined_corridor()
    assert unreachable_goal(md.tiles, md.spawn, md.entities) == ""  # the grid sees a way: no pre-check
    goals, _ = _plan(md)
    assert goals[0].kind == "switch"
    cfg = SolverConfig(action_set="env", macro_frames=4, max_iterations=800, stall_iterations=40,
                       time_limit_s=float("inf"))
    res = solve(md, cfg)
    assert not res.solved
    assert res.reason.startswith("no progress for 40 iterations"), res.reason
    assert res.iterations < 800 and res.longest_stall >= 40
    assert res.progress_iteration + 40 == res.iterations
    assert res.best_remaining > 0


def test_solvable_levels_are_still_solved_with_the_generation_checks():
    from npp_rl.levels.generation import GENERATION_BEAM, GENERATION_STALL

    cfg = SolverConfig(beam=GENERATION_BEAM, stall_iterations=GENERATION_STALL, precheck=True,
                       time_limit_s=float("inf"))
    for cat, seed in (("simple", 1), ("medium", 2)):
        md = generate(cat, seed).map
        res = solve(md, cfg)
        assert res.solved, (cat, res.reason)
        assert verify(md, res.inputs) == ("won", res.win_frame)
        assert res.longest_stall < GENERATION_STALL
