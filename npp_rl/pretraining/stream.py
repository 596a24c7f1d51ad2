"""Where BC reads its samples: shards of one or more datasets, streamed in bounded memory.

:class:`ShardedSamples` serves minibatches from the npz shards of one or more :class:`BCDataset` (the
replay dataset, and the states DAgger labelled at each iteration). One pass reads ``buffer_shards``
shards at a time, shuffles the rows of that group and yields minibatches, so memory holds at most
``buffer_shards`` shards whatever the number of levels (a shard is ~32 MB of observations; see
``DatasetOptions.shard_bytes``). The shard order is reshuffled every epoch. :class:`MemorySamples` is the
same interface over arrays already in memory (``BCDataset.load()``), for small sets and tests.

Both split by LEVEL (:func:`split_by_level` over the levels the manifests list),
so validation accuracy is measured on levels BC never trained on.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: per-sample columns served with each minibatch besides the observations
COLUMNS = ("action", "ret", "category", "level")


def split_by_level(levels: np.ndarray, val_fraction: float, seed: int,
                   categories: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices of (train, validation): whole levels go to one side. With ``categories`` the split is
    stratified: each category gives ``round(val_fraction * its levels)`` levels (at least one when it has two)."""
    levels = np.asarray(levels)
    cats = np.zeros(len(levels), dtype=object) if categories is None else np.asarray(categories)
    rng = np.random.default_rng(seed)
    val_levels: set = set()
    for c in sorted(set(cats.tolist()), key=str):
        uniq = np.array(sorted(set(levels[cats == c].tolist())))
        rng.shuffle(uniq)
        if val_fraction <= 0 or len(uniq) < 2:
            continue
        n_val = min(max(int(round(val_fraction * len(uniq))), 1), len(uniq) - 1)
        val_levels.update(uniq[:n_val].tolist())
    is_val = np.array([lv in val_levels for lv in levels.tolist()], bool)
    return np.nonzero(~is_val)[0], np.nonzero(is_val)[0]


class _Subset:
    """The samples of ``source`` whose level is in ``levels`` (None = all)."""

    def __init__(self, source, levels):
        self.source, self.levels = source, levels

    def __len__(self) -> int:
        return self.source.count(self.levels)

    def batches(self, batch_size: int, shuffle: bool = False, rng=None) -> Iterator[dict]:
        return self.source.batches(batch_size, self.levels, shuffle, rng)

    def level_set(self) -> set:
        return set(self.source.level_table()[0].tolist()) if self.levels is None else set(self.levels)


class _Source:
    def level_table(self) -> tuple[np.ndarray, np.ndarray]:  # (level, category) per replay
        raise NotImplementedError

    def split(self, val_fraction: float, seed: int) -> tuple[_Subset, _Subset]:
        lv, cat = self.level_table()
        tr, va = split_by_level(lv, val_fraction, seed, cat)
        return _Subset(self, set(lv[tr].tolist())), _Subset(self, set(lv[va].tolist()))

    def all(self) -> _Subset:
        return _Subset(self, None)


def _take(rows: dict, idx: np.ndarray) -> dict:
    out = {"obs": {k: v[idx] for k, v in rows["obs"].items()}}
    out.update({k: rows[k][idx] for k in COLUMNS})
    return out


def _mask(rows: dict, levels) -> np.ndarray:
    if levels is None:
        return np.arange(len(rows["action"]))
    return np.nonzero(np.isin(rows["level"], np.array(sorted(levels), dtype=rows["level"].dtype)))[0]


class MemorySamples(_Source):
    """Arrays in memory (``BCDataset.load()``'s dict)."""

    def __init__(self, data: dict):
        self.data = data

    def level_table(self):
        lv, first = np.unique(self.data["level"], return_index=True)
        return lv, self.data["category"][first]

    def count(self, levels) -> int:
        return len(_mask(self.data, levels))

    def batches(self, batch_size, levels=None, shuffle=False, rng=None):
        idx = _mask(self.data, levels)
        if shuffle:
            idx = (rng or np.random.default_rng()).permutation(idx)
        for s in range(0, len(idx), batch_size):
            yield _take(self.data, idx[s : s + batch_size])


class ShardedSamples(_Source):
    """The shards of ``datasets`` (BCDataset objects), ``buffer_shards`` in memory at a time."""

    def __init__(self, datasets, buffer_shards: int = 4):
        self.datasets = [d for d in datasets if d.manifest["shards"]]
        self.parts = [(i, j) for i, d in enumerate(self.datasets) for j in range(len(d.manifest["shards"]))]
        self.buffer_shards = max(1, int(buffer_shards))
        if not self.parts:
            raise ValueError("no samples: every dataset given to BC is empty")

    def level_table(self):
        lv, cat = [], []
        for d in self.datasets:
            for r in d.manifest["replays"]:
                if r.get("samples", 0):
                    lv.append(r["level"])
                    cat.append(r["category"])
        lv, cat = np.array(lv), np.array(cat)
        u, first = np.unique(lv, return_index=True)
        return u, cat[first]

    def count(self, levels) -> int:
        return sum(int(r["samples"]) for d in self.datasets for r in d.manifest["replays"]
                   if levels is None or r["level"] in levels)

    def batches(self, batch_size, levels=None, shuffle=False, rng=None):
        rng = rng or np.random.default_rng()
        order = rng.permutation(len(self.parts)) if shuffle else np.arange(len(self.parts))
        carry = None
        for g in range(0, len(order), self.buffer_shards):
            group = []
            for p in order[g : g + self.buffer_shards]:
                i, j = self.parts[p]
                d = self.datasets[i]
                rows = d._read_shard(d.manifest["shards"][j])
                group.append(_take(rows, _mask(rows, levels)))
            if carry is not None:
                group.append(carry)
            rows = {"obs": {k: np.concatenate([x["obs"][k] for x in group]) for k in group[0]["obs"]}}
            rows.update({k: np.concatenate([x[k] for x in group]) for k in COLUMNS})
            del group
            n = len(rows["action"])
            idx = rng.permutation(n) if shuffle else np.arange(n)
            last = g + self.buffer_shards >= len(order)
            full = n if last else n // batch_size * batch_size
            for s in range(0, full, batch_size):
                yield _take(rows, idx[s : s + batch_size])
            carry = None if full == n else _take(rows, idx[full:])


def as_source(data) -> _Source:
    """A dict of arrays, a BCDataset, a list of them, or a source -> a source."""
    if isinstance(data, _Source):
        return data
    if isinstance(data, dict):
        return MemorySamples(data)
    if hasattr(data, "manifest"):
        return ShardedSamples([data])
    return ShardedSamples(list(data))
