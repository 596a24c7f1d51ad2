"""mine_heavy: hazards on the route, where spacing and timing matter. Two layouts:

* ``field``: a long room whose floor is sown with mine clusters (1-2 cells wide, 3-5-cell landing gaps),
  a ceiling row of mines, safe toggle mines (deadly once left) in the gaps, floating mines up high;
* ``hall``: a taller room with floating islands, each circled by a zap drone (or a mini drone) that
  crosses the route, thwumps in the ceiling that crush whoever runs beneath, and floor mines.

Difficulty packs the clusters closer and wider and adds drones and thwumps."""

from __future__ import annotations

import random

from ..builder import COLS, DOWN, FULL, LEFT, RIGHT, ROWS, LevelBuilder, cell_units
from . import _parts as P


def _room(rng: random.Random, b: LevelBuilder, w: int, h: int):
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 1 - h)
    b.carve(i0, j0, i0 + w - 1, j0 + h - 1)
    return i0, j0, i0 + w - 1, j0 + h - 1


def _field(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    w, h = rng.randint(P.lerp(20, 30, d), P.lerp(28, 42, d)), rng.randint(5, 7)
    i0, j0, i1, jf = _room(rng, b, w, h)
    left = rng.random() < 0.5
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    switch_i = rng.randint(lo + w // 3, hi - w // 3)
    keep = {spawn_i, exit_i, switch_i}
    fl = P.terrain(b, rng, i0, i1, jf, 1, rng.randint(0, 2), keep=keep)
    n_mines = 0
    c = lo + 3
    while c < hi - 3:
        width = 1 + (1 if rng.random() < 0.3 + 0.5 * d else 0)
        cells = [c + k for k in range(width)]
        if all(abs(x - k) > 2 for x in cells for k in keep) and all(x in fl.row for x in cells):
            for x in cells:
                P.floor_mine(b, x, fl.row[x])
                n_mines += 1
                if rng.random() < 0.2 + 0.4 * d:  # a second mine in the cell, to the side
                    b.add_mine(cell_units(x, fl.row[x], rng.choice([1, 3]), 3))
                    n_mines += 1
        elif rng.random() < 0.5 and c in fl.row:
            P.floor_mine(b, c, fl.row[c], safe=True)
            n_mines += 1
        c += width + rng.randint(P.lerp(5, 3, d), P.lerp(6, 5, d))
    for x in range(i0, i1 + 1):
        if rng.random() < 0.3 + 0.4 * d:
            b.add_mine(cell_units(x, j0, 2, 1))
            n_mines += 1
    if h >= 6:
        for x in rng.sample(range(i0 + 2, i1 - 1), k=min(P.lerp(2, 6, d), w // 6)):
            b.add_mine(cell_units(x, j0 + 1, 2, 2))
            n_mines += 1
    P.corners(b, rng, i0, i1, j0, fl)
    b.set_spawn(*fl.stand(spawn_i), 1 if left else -1)
    b.add_exit(fl.stand(exit_i), fl.stand(switch_i))
    return {"layout": "field", "size": (w, h), "mines": n_mines, "drones": 0, "thwumps": 0}


def _hall(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    w, h = rng.randint(P.lerp(20, 28, d), P.lerp(28, 42, d)), rng.randint(6, 8)
    i0, j0, i1, jf = _room(rng, b, w, h)
    left = rng.random() < 0.5
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    switch_i = rng.randint(lo + w // 3, hi - w // 3)
    keep = {spawn_i, exit_i, switch_i}
    fl = P.Floor(i0, i1, jf)
    n_drones = n_thwumps = n_mines = 0
    # islands: a row of tiles 2 or 3 rows above the floor, a drone hugging it
    n_isl = P.lerp(1, 3, d)
    starts = P.pick_spread(rng, [c for c in range(lo + 4, hi - 6) if all(abs(c - k) > 3 for k in keep)], n_isl, 8)
    for s in starts:
        length = rng.randint(2, 4)
        row = jf - rng.randint(2, 3)
        b.carve(s, row, s + length - 1, row, FULL)
        if rng.random() < 0.5:
            b.set(s, row, rng.choice((10, 13, 6, 9)))  # rounded or sloped ends
            b.set(s + length - 1, row, rng.choice((11, 12, 7, 8)))
        if rng.random() < 0.75:  # a zap drone above the island, moving right, the island on its right
            b.add_zap_drone(s, row - 1, RIGHT, 0)
        else:
            b.add_mini_drone(s, row - 1, RIGHT, 0)
        n_drones += 1
    # thwumps in ceiling niches over the route, charging down
    cand = [c for c in range(lo + 3, hi - 2) if all(abs(c - k) > 2 for k in keep)
            and all(not (s - 1 <= c <= s + 5) for s in starts)]
    thw = P.pick_spread(rng, cand, P.lerp(0, 2, d) + (1 if rng.random() < 0.3 else 0), 5)
    for c in thw:
        b.set(c, j0 - 1, 0)  # a niche in the ceiling holds the thwump
        b.add_thwump(c, j0 - 1, DOWN)
        n_thwumps += 1
    for x in range(i0, i1 + 1):  # a ceiling row of mines, but not under the thwumps
        if all(abs(x - t) > 1 for t in thw) and rng.random() < 0.3 + 0.3 * d:
            b.add_mine(cell_units(x, j0, 2, 1))
            n_mines += 1
    cand = [c for c in range(lo + 3, hi - 2) if all(abs(c - k) > 2 for k in keep)]
    for c in P.pick_spread(rng, cand, P.lerp(2, 5, d), 4):
        P.floor_mine(b, c, jf, safe=rng.random() < 0.3)
        n_mines += 1
    if rng.random() < 0.3:  # a drone patrolling the ceiling, walls on its left
        b.add_zap_drone(i0 + (i1 - i0) // 2, j0, LEFT, 1)
        n_drones += 1
    P.corners(b, rng, i0, i1, j0, fl)
    P.walls(b, rng, i0, i1, j0, fl, 0.2)
    b.set_spawn(*fl.stand(spawn_i), 1 if left else -1)
    b.add_exit(fl.stand(exit_i), fl.stand(switch_i))
    return {"layout": "hall", "size": (w, h), "mines": n_mines, "drones": n_drones, "thwumps": n_thwumps}


def generate(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    return (_field if rng.random() < 0.5 else _hall)(rng, b, d)
