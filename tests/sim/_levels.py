"""Random N++ levels for fuzz-style simulator tests: every tile id, every implemented entity type."""

from __future__ import annotations

import numpy as np

from npp_rl.sim.mapdata import MapData, parse_map

ENTITY_TYPES = (1, 2, 3, 5, 6, 8, 10, 11, 14, 17, 20, 21, 24, 25, 26, 28)


def random_level(seed: int, types=ENTITY_TYPES, n_entities=(1, 12)) -> MapData:
    rng = np.random.default_rng(seed)
    tiles = np.zeros((23, 42), np.uint8)
    mask = rng.random((23, 42)) < rng.uniform(0.05, 0.3)
    tiles[mask] = rng.integers(1, 38, mask.sum())
    tiles[18:, :] = np.where(rng.random((5, 42)) < 0.8, 1, tiles[18:, :])
    sx, sy = int(rng.integers(20, 150)), int(rng.integers(20, 80))
    ci, cj = sx // 4 - 1, sy // 4 - 1
    tiles[max(cj - 2, 0):cj + 3, max(ci - 3, 0):ci + 4] = 0

    def near(a, b, lo, hi, r):
        return int(np.clip(a + rng.integers(-r, r + 1), lo, hi)), int(np.clip(b + rng.integers(-r, r + 1), lo, 96))

    groups: dict[int, list] = {}
    exits = []
    for _ in range(int(rng.integers(*n_entities))):
        t = int(rng.choice(types))
        x, y = near(sx, sy, 4, 172, 30)
        o = int(rng.integers(0, 8)) if t in (5, 6, 8, 10, 11, 14, 20, 26) else 0
        if t == 20 or (t in (5, 6, 8) and rng.random() < 0.8):
            o = int(rng.choice([0, 2, 4, 6]))
        mode = int(rng.integers(0, 4)) if t in (14, 26) else 0
        if t == 3:
            exits.append(((3, x, y, 0, 0), (4, *near(sx, sy, 4, 172, 25), 0, 0)))
        elif t in (6, 8):
            groups.setdefault(t, []).append([(t, x, y, o, 0), (t + 1, *near(sx, sy, 4, 172, 25), 0, 0)])
        else:
            groups.setdefault(t, []).append([(t, x, y, o, mode)])
    recs = [r for t in sorted(groups) if t < 3 for g in groups[t] for r in g]
    recs += [e[0] for e in exits] + [e[1] for e in exits]
    recs += [r for t in sorted(groups) if t > 4 for g in groups[t] for r in g]
    counts = np.zeros(40, "<u2")
    counts[0] = 1
    for r in recs:
        counts[r[0]] += 1
    data = bytearray(1230)
    data[184:1150] = tiles.tobytes()
    data[1150:1230] = counts.tobytes()
    data += bytes((0, sx, sy, 0, 0))
    for r in recs:
        data += bytes(r)
    return parse_map(bytes(data), f"random-level-{seed}")


def random_inputs(seed: int, n: int) -> bytes:
    rng = np.random.default_rng(seed + 10_000)
    table = (0, 4, 2, 1, 5, 3, 6, 7, 8, 9)
    out: list[int] = []
    while len(out) < n:
        out += [table[int(rng.integers(0, len(table)))]] * int(rng.integers(1, 9))
    return bytes(out[:n])
