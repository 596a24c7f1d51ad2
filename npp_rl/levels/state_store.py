"""The solver's access to the simulator: :class:`SimBackend` (a batch of worlds whose per-world state is
found by inspection) and :class:`StateStore` (saved worlds, their bulky arrays shared between slots).

A world's state is one row of each per-world array of the batch simulator (found by inspection, see
:class:`npp_rl.levels.solver.SimBackend`). Most of those bytes sit in a few large arrays (the entity grid,
the door-edge grids: about 36 kB of a world's 37 kB) that a move almost never changes: they change when an
entity crosses a cell or a door opens. Copying them into every saved node and back into every expanded
world cost the solver more than stepping the simulator (measured: 31 of 71 CPU-s, the steps 8 s).

So :class:`StateStore` keeps the small arrays per slot, as before, and the large ones in a pool of
*entries* with a reference count: a saved world whose large rows equal those of the entry it was loaded
from (compared in compiled code, stopping at the first difference) shares that entry; otherwise a new entry
takes a copy. A world that still holds the entry it is to be loaded with is not written again. The
result is exact: every array a world is loaded with is bit-identical to what was saved.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from npp_rl.sim.mapdata import MapData

#: a per-world row at least this large (bytes) is pooled; smaller ones are copied per slot
POOL_MIN_BYTES = 8192


@njit(cache=True)
def _rows_equal(world_rows, pool_rows, worlds, entries, out):
    """out[k] &= world_rows[worlds[k]] == pool_rows[entries[k]] (2-D views, one row per world/entry).
    The whole row is xor-reduced without an early exit: that loop vectorises, and rows are mostly equal."""
    for k in range(worlds.shape[0]):
        if not out[k]:
            continue
        a = world_rows[worlds[k]]
        b = pool_rows[entries[k]]
        acc = 0
        for i in range(a.shape[0]):
            acc |= a[i] ^ b[i]
        if acc != 0:
            out[k] = False


@njit(cache=True)
def _copy_rows(src, src_rows, dst, dst_rows):
    for k in range(src_rows.shape[0]):
        dst[dst_rows[k]] = src[src_rows[k]]


def _flat(arr: np.ndarray) -> np.ndarray:
    """A (rows, n) view of ``arr`` (one row per world or entry), as 8-byte words when the row allows."""
    v = arr.reshape(arr.shape[0], -1)
    nb = v.shape[1] * v.itemsize
    if nb % 8 == 0 and v.flags.c_contiguous:
        return v.view(np.int64)
    return v


class StateStore:
    """``cap`` slots of saved worlds of ``arrays`` (name -> per-world array of the simulator, rows = worlds)."""

    def __init__(self, arrays: dict[str, np.ndarray], cap: int, pool_min_bytes: int | None = None):
        self.arrays = arrays
        pool_min_bytes = POOL_MIN_BYTES if pool_min_bytes is None else pool_min_bytes
        n_worlds = next(iter(arrays.values())).shape[0]
        self.pooled = sorted(k for k, v in arrays.items() if v[0].nbytes >= pool_min_bytes)
        self.small = {k: np.zeros((cap,) + v.shape[1:], dtype=v.dtype)
                      for k, v in arrays.items() if k not in self.pooled}
        self.slot_entry = np.full(cap, -1, dtype=np.int64)
        self.world_entry = np.full(n_worlds, -1, dtype=np.int64)  # entry a world holds unchanged, -1: unknown
        self.loaded = np.full(n_worlds, -1, dtype=np.int64)  # entry a world was last loaded with
        self.refs = np.zeros(0, dtype=np.int64)
        self.pool = {k: np.zeros((0,) + arrays[k].shape[1:], dtype=arrays[k].dtype) for k in self.pooled}
        self.free: list[int] = []
        self.copies = 0  # pooled rows copied (into the pool or into worlds): a counter for profiling

    @property
    def entries(self) -> int:
        """Pool entries in use (referenced by some slot)."""
        return int(np.count_nonzero(self.refs))

    def _new_entry(self) -> int:
        if not self.free:
            n = len(self.refs)
            grow = max(16, n)
            self.refs = np.concatenate([self.refs, np.zeros(grow, np.int64)])
            for k, p in self.pool.items():
                self.pool[k] = np.concatenate([p, np.zeros((grow,) + p.shape[1:], p.dtype)])
            self.free = list(range(n + grow - 1, n - 1, -1))
        return self.free.pop()

    def save(self, worlds: np.ndarray, slots: np.ndarray) -> None:
        """Slot ``slots[i]`` takes the state of world ``worlds[i]``."""
        worlds = np.asarray(worlds, np.int64)
        slots = np.asarray(slots, np.int64)
        for k, st in self.small.items():
            st[slots] = self.arrays[k][worlds]
        if not self.pooled:
            return
        entry = self.world_entry[worlds].copy()
        for i in np.nonzero(entry < 0)[0]:
            w = int(worlds[i])
            if self.world_entry[w] >= 0:  # the same world saved twice in this call
                entry[i] = self.world_entry[w]
                continue
            e = self._new_entry()
            for k in self.pooled:
                self.pool[k][e] = self.arrays[k][w]
            self.copies += 1
            self.world_entry[w] = e
            entry[i] = e
        self.world_entry[worlds] = entry
        np.add.at(self.refs, entry, 1)
        old = self.slot_entry[slots]
        old = old[old >= 0]
        np.add.at(self.refs, old, -1)
        self.slot_entry[slots] = entry
        for e in np.unique(old):
            if self.refs[e] == 0:  # no slot holds it: free, and no world may share it any more
                self.free.append(int(e))
                self.world_entry[self.world_entry == e] = -1
                self.loaded[self.loaded == e] = -1

    def after_step(self, n: int) -> None:
        """Worlds 0 .. n-1 were stepped since their :meth:`load`: those whose pooled rows still equal the
        entry they were loaded with hold it again (compared in compiled code); the others hold a new state."""
        if not self.pooled:
            return
        ws = np.nonzero(self.loaded[:n] >= 0)[0]
        same = np.ones(len(ws), dtype=np.bool_)
        for k in self.pooled:
            _rows_equal(_flat(self.arrays[k]), _flat(self.pool[k]), ws, self.loaded[ws], same)
        self.world_entry[:n] = -1
        self.world_entry[ws[same]] = self.loaded[ws[same]]

    def load(self, slots: np.ndarray) -> None:
        """World w takes the state saved in ``slots[w]`` (w = 0 .. len(slots) - 1). The worlds are then taken
        as changed (a later :meth:`save` copies their pooled rows) unless :meth:`after_step` finds them not."""
        slots = np.asarray(slots, np.int64)
        n = len(slots)
        for k, st in self.small.items():
            self.arrays[k][:n] = st[slots]
        if not self.pooled:
            return
        want = self.slot_entry[slots]
        if (want < 0).any():
            raise ValueError("state store: loading a slot that was never saved")
        stale = np.nonzero(self.world_entry[:n] != want)[0]
        for k in self.pooled:
            _copy_rows(_flat(self.pool[k]), want[stale], _flat(self.arrays[k]), stale)
        self.copies += len(stale)
        self.loaded[:n] = want
        self.world_entry[:n] = -1  # about to be stepped: unknown until after_step compares them


def per_world_arrays(md) -> list[str]:
    """Names of the ``BatchSim`` arrays with one row per world (its state), found by building the batch of
    ``md`` (a MapData or simulator Level) with 1 and with 2 worlds and keeping those whose rows follow."""
    from npp_rl.sim.simulator import BatchSim

    one, two = BatchSim([md], n_worlds=1), BatchSim([md], n_worlds=2)

    def rows(b, k):
        v = getattr(b, k, None)
        return v.shape[0] if isinstance(v, np.ndarray) and v.ndim >= 1 else None

    return sorted(k for k in vars(one) if not k.startswith("_") and rows(one, k) == 1 and rows(two, k) == 2)


class SimBackend:
    """What the solver needs from a simulator. The default wraps :class:`npp_rl.sim.simulator.BatchSim`:
    a world's state is the rows ``[w]`` of every public array attribute that has one row per world
    (``ninja``, ``entities``, ``n_entities``, ``hor``, ``ver``, ``egrid``, ...). They are found by
    building the batch with 1 and with 2 worlds and keeping the arrays whose first dimension follows, so
    state the simulator adds later is copied too; :meth:`self_check` then proves that restoring a copied
    world reproduces an uninterrupted run bit for bit."""

    def __init__(self, md: MapData, n_worlds: int):
        from npp_rl.sim import core as C
        from npp_rl.sim.simulator import BatchSim

        self.C = C
        self.state_names = per_world_arrays(md)
        self.sim = BatchSim([md], n_worlds=max(2, n_worlds))
        self.self_check()

    def snapshot_arrays(self) -> dict[str, np.ndarray]:
        return {k: getattr(self.sim, k) for k in self.state_names}

    def load(self, store: dict[str, np.ndarray], slots: np.ndarray) -> None:
        """World w takes the stored state ``slots[w]`` (w = 0 .. len(slots) - 1)."""
        for k, arr in self.snapshot_arrays().items():
            arr[: len(slots)] = store[k][slots]

    def save(self, store: dict[str, np.ndarray], worlds: np.ndarray, slots: np.ndarray) -> None:
        for k, arr in self.snapshot_arrays().items():
            store[k][slots] = arr[worlds]

    def step_sequences(self, inputs: np.ndarray) -> np.ndarray:
        return self.sim.step_sequences(inputs)

    def self_check(self, frames: int = 60) -> None:
        """Run every world through its own input pattern without interruption; run them again with the
        states saved halfway and restored into the worlds in reverse order (inputs reversed alike): the
        final states must be the first run's, reversed, bit for bit."""
        sim, n = self.sim, self.sim.n_worlds
        base = np.array([2, 2, 3, 3, 3, 0, 5, 5, 4, 1, 0, 2, 6, 7], dtype=np.uint8)
        seq = np.stack([np.resize(np.roll(base, w), frames) for w in range(n)])
        sim.reset()
        sim.step_sequences(seq)
        want = {k: v.copy() for k, v in self.snapshot_arrays().items()}
        sim.reset()
        sim.step_sequences(seq[:, : frames // 2])
        mid = {k: v.copy() for k, v in self.snapshot_arrays().items()}
        sim.reset()
        rev = np.arange(n)[::-1]
        self.load(mid, rev)
        sim.step_sequences(np.ascontiguousarray(seq[rev, frames // 2 :]))
        for k, arr in self.snapshot_arrays().items():
            if not np.array_equal(arr, want[k][rev]):
                raise RuntimeError(f"solver backend: restoring a saved world does not reproduce the simulator "
                                   f"(array {k!r} differs); per-world state lives outside {self.state_names}")
        sim.reset()
