"""The solver's state store: worlds loaded from it are bit-identical to what was saved, whether their bulky
arrays (entity grid, door edges) are shared between slots or copied per slot; the solver finds the same
solutions either way."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.levels import SolverConfig, generate, solve
from npp_rl.levels import state_store as ss
from npp_rl.levels.builder import LevelBuilder
from npp_rl.levels.solver import SimBackend


def _locked_level():
    b = LevelBuilder("locked")
    b.carve(0, 20, 41, 22)
    b.carve(30, 20, 30, 21, 1)  # only the floor row open at column 30: the door cuts the way
    b.set_spawn(2, 22)
    b.add_exit((38, 22), (12, 22))
    b.add_locked_door((30, 22), (20, 22))
    return b.to_map()


def _snap(be, w):
    return {k: v[w].copy() for k, v in be.snapshot_arrays().items()}


def test_pooled_rows_round_trip_exactly_as_they_change():
    md = _locked_level()
    be = SimBackend(md, 8)
    store = ss.StateStore(be.snapshot_arrays(), cap=6)
    assert {"egrid", "hor", "ver"} <= set(store.pooled) and "ninja" not in store.pooled
    sim = be.sim
    sim.reset()
    saved = {}
    store.save(np.array([0]), np.array([0]))
    saved[0] = _snap(be, 0)
    # walk right for a while: the ninja takes the locked door's switch (hor/ver change) on the way
    for step, slot in ((120, 1), (200, 2), (300, 3)):
        store.load(np.full(8, slot - 1))
        be.step_sequences(np.full((8, step), 2, np.uint8))
        store.after_step(8)
        store.save(np.array([3]), np.array([slot]))
        saved[slot] = _snap(be, 3)
    assert not np.array_equal(saved[0]["ver"], saved[3]["ver"]) or not np.array_equal(saved[0]["hor"], saved[3]["hor"])
    assert store.entries >= 2  # the door opened: a second pooled entry
    # overwrite slot 1 with the spawn state (its old entry is released), then load all in a shuffled order
    store.load(np.array([0] * 8))
    store.after_step(8)
    store.save(np.array([5]), np.array([1]))
    saved[1] = saved[0]
    order = np.array([3, 1, 0, 2, 3, 0, 2, 1])
    for w in range(8):  # scribble on the worlds so that nothing survives by accident
        for v in be.snapshot_arrays().values():
            v[w] = v[(w + 3) % 8]
    store.load(order)
    for w, slot in enumerate(order):
        for k, v in be.snapshot_arrays().items():
            assert np.array_equal(v[w], saved[int(slot)][k]), (w, int(slot), k)


def test_loading_an_empty_slot_is_refused():
    be = SimBackend(_locked_level(), 2)
    store = ss.StateStore(be.snapshot_arrays(), cap=4)
    with pytest.raises(ValueError, match="never saved"):
        store.load(np.array([2]))


@pytest.mark.parametrize("level", ["locked", "mine_heavy"])
def test_solver_finds_the_same_solution_with_and_without_sharing(level, monkeypatch):
    # a locked door opens (door-edge grids change); mine_heavy 3 has drones (the entity grid changes)
    md = _locked_level() if level == "locked" else generate("mine_heavy", 3, 0.9).map
    cfg = SolverConfig(beam=16, max_iterations=300, time_limit_s=float("inf"))
    shared = solve(md, cfg)
    monkeypatch.setattr(ss, "POOL_MIN_BYTES", 1 << 40)  # nothing pooled: every array copied per slot
    plain = solve(md, cfg)
    assert shared.solved, shared.reason
    assert (shared.inputs, shared.iterations, shared.nodes) == (plain.inputs, plain.iterations, plain.nodes)
