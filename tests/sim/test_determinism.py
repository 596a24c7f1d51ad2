"""Determinism: bit-identical states across runs, and between single-world and batched stepping."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _reference as R  # noqa: E402

from npp_rl.sim import core as C
from npp_rl.sim.simulator import BatchSim, Simulator
from npp_rl.sim.workload import builtin_map, random_inputs


def _maps():
    if R.available():
        from npp_rl.sim.mapdata import load_map

        names = ["000_the_basics", "minefield", "slopes", "complex-path-switch-required"]
        return [load_map(R.REFERENCE / "npp" / "maps" / n) for n in names]
    return [builtin_map()]


def test_same_inputs_bit_identical_runs():
    md = _maps()[0]
    inputs = random_inputs(np.random.default_rng(1), 600).tobytes()
    a = Simulator(md)
    ra = a.trace(inputs)
    b = Simulator(md)
    rb = b.trace(inputs)
    assert ra.tobytes() == rb.tobytes()
    assert a.state_vector().tobytes() == b.state_vector().tobytes()
    a.reset()
    rc = a.trace(inputs)
    assert rc.tobytes() == ra.tobytes()


def test_batched_equals_single():
    maps = _maps()
    rng = np.random.default_rng(7)
    n_worlds = 2 * len(maps)
    seqs = np.stack([random_inputs(rng, 400) for _ in range(n_worlds)])
    batch = BatchSim(maps, n_worlds=n_worlds)
    stepped = batch.step_sequences(seqs)
    for w in range(n_worlds):
        s = Simulator(maps[w % len(maps)])
        n = s.run(seqs[w].tobytes())
        assert n == stepped[w]
        assert s.state_vector().tobytes() == batch.ninja[w].tobytes(), f"world {w}"
        ne = batch.n_entities[w]
        assert s._b.entities[0, :ne].tobytes() == batch.entities[w, :ne].tobytes()


def test_step_constant_inputs_and_early_stop():
    maps = _maps()
    batch = BatchSim(maps, n_worlds=len(maps))
    single = [Simulator(m) for m in maps]
    for inp in (2, 3, 0, 5, 4, 1):
        stepped = batch.step(np.full(len(maps), inp, np.uint8), 30)
        for w, s in enumerate(single):
            k = 0
            while k < 30 and s.state < 6:
                s.tick(inp)
                k += 1
            assert stepped[w] == k
            assert s.state_vector().tobytes() == batch.ninja[w].tobytes()
    # a finished world is not stepped again
    for w in range(len(maps)):
        if batch.ninja[w, C.N_STATE] >= 6:
            assert batch.step(np.zeros(len(maps), np.uint8), 5)[w] == 0


def test_unsupported_entity_refused():
    from npp_rl.sim.simulator import UnsupportedEntityError

    md = builtin_map()
    ents = md.entities.copy()
    ents[1, 0] = 23  # a laser
    md.entities = ents
    with pytest.raises(UnsupportedEntityError, match="23 \\(laser\\)"):
        Simulator(md)
    assert Simulator(md, lenient=True).ignored_types == [23]
