"""Where a frame's time goes (for ``sim bench``): collision vs entities vs the rest.

numba kernels cannot read a clock, so the split is measured by difference on the same workload:
* ``collision``: the 4 collision substeps (tile sweep + depenetration) replayed alone on the ninja states
  recorded during a normal run;
* ``entities``: full run minus the same run with the entities removed from the worlds;
* ``overhead``: the rest (integration, post-collision walls, think, dispatch).
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from npp_rl.sim import core as C


@njit(cache=True)
def _record(inputs, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, dbc, sbuf, elist, ekeys, rec):
    k = 0
    for w in range(nin_all.shape[0]):
        for f in range(inputs.shape[1]):
            if nin_all[w, C.N_STATE] >= 6:
                break
            rec[k, :] = nin_all[w, :]
            rec[k, C.N_CAUSE] = w  # reuse a column to remember the world
            k += 1
            C.tick_world(w, inputs[w, f], nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, dbc,
                         sbuf, elist, ekeys)
    return k


@njit(cache=True)
def _collide_only(rec, n, ent_all, lvl, seg, cs, csg, cb, cne, sbuf):
    acc = 0.0
    for k in range(n):
        nin = rec[k].copy()
        w = int(nin[C.N_CAUSE])
        nin[C.N_VX] *= nin[C.N_DRAG]
        nin[C.N_VY] *= nin[C.N_DRAG]
        nin[C.N_VY] += nin[C.N_GRAV]
        nin[C.N_XOLD] = nin[C.N_X]
        nin[C.N_YOLD] = nin[C.N_Y]
        nin[C.N_X] += nin[C.N_VX]
        nin[C.N_Y] += nin[C.N_VY]
        for _ in range(4):
            C._collide_vs_tiles(nin, seg, cs, csg, cb, cne, lvl[w], ent_all[w], sbuf)
        acc += nin[C.N_X]
    return acc


def time_split(maps, rng, n_worlds: int = 64, frames: int = 400) -> dict:
    from npp_rl.sim.bench import _random_inputs
    from npp_rl.sim.simulator import BatchSim

    seqs = np.stack([_random_inputs(rng, frames) for _ in range(n_worlds)])
    b = BatchSim(maps, n_worlds=n_worlds)
    rec = np.zeros((n_worlds * frames, C.NINJA_FIELDS))
    _record(seqs[:1, :2], *b._args(), rec)  # compile
    b.reset()
    t = time.thread_time()
    n = _record(seqs, *b._args(), rec)
    t_full = time.thread_time() - t
    _collide_only(rec, 1, b.entities, b.lvl, b.seg, b.cell_start, b.cell_segs, b.cell_bounds, b.cell_nonempty,
                  b._sbuf)
    t = time.thread_time()
    _collide_only(rec, n, b.entities, b.lvl, b.seg, b.cell_start, b.cell_segs, b.cell_bounds, b.cell_nonempty,
                  b._sbuf)
    t_coll = time.thread_time() - t
    b.reset()
    b.n_entities[:] = 0
    t = time.thread_time()
    n2 = _record(seqs, *b._args(), rec)
    t_noent = time.thread_time() - t
    per_full = t_full / max(n, 1)
    per_noent = t_noent / max(n2, 1)
    coll = min(t_coll / max(n, 1) / per_full, 1.0)
    ent = max(0.0, min((per_full - per_noent) / per_full, 1.0 - coll))
    return {
        "collision": round(coll, 3),
        "entities": round(ent, 3),
        "overhead": round(max(0.0, 1.0 - coll - ent), 3),
        "ns_per_frame": round(per_full * 1e9, 1),
        "method": "difference timing: collision substeps replayed alone; entities = full - no-entity run",
    }
