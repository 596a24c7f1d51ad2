"""Random levels (all tile ids, every implemented entity type): no crash, deterministic, batched == single."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _levels import random_inputs, random_level  # noqa: E402

from npp_rl.sim import core as C  # noqa: E402
from npp_rl.sim.simulator import BatchSim, Simulator  # noqa: E402

N_LEVELS = 24
FRAMES = 300


def test_random_levels_batched_equals_single():
    levels = [random_level(s) for s in range(N_LEVELS)]
    seqs = np.stack([np.frombuffer(random_inputs(s, FRAMES), np.uint8) for s in range(N_LEVELS)])
    batch = BatchSim(levels, n_worlds=N_LEVELS)
    stepped = batch.step_sequences(seqs)
    for w, md in enumerate(levels):
        sim = Simulator(md)
        rows = sim.trace(seqs[w].tobytes())
        assert len(rows) == stepped[w]
        assert np.isfinite(rows).all()
        assert sim.state_vector().tobytes() == batch.ninja[w].tobytes(), f"level {w}"
        ne = batch.n_entities[w]
        assert np.isfinite(batch.entities[w, :ne]).all()
        assert sim._b.entities[0, :ne].tobytes() == batch.entities[w, :ne].tobytes()
        # events are consistent with the state
        st = int(batch.ninja[w, C.N_STATE])
        if st in (6, 7):
            assert batch.ninja[w, C.N_DEATH_FRAME] == stepped[w]
        if st == 8:
            assert batch.ninja[w, C.N_WIN_FRAME] == stepped[w] and batch.ninja[w, C.N_SWITCH_FRAME] > 0
