"""Building blocks shared by the category generators: floor terrain with ramps, ceiling and wall shapes,
entity placement helpers.

Cells are file cells (:mod:`npp_rl.levels.builder`); ``j`` grows downward. A room's *floor row* ``jf`` is
its lowest empty row (``jf + 1`` is solid). Tile ids are those of NPP_MECHANICS.md section 3.1.
"""

from __future__ import annotations

import random

from ..builder import FULL, LevelBuilder, cell_units

# ramps that sit on a floor, by the side their surface rises toward; each reaches full height at its
# high edge, so it joins a floor one cell higher: 45 deg slope, convex round, concave pipe, two steep
RISE_RIGHT = (8, 12, 16, 28, 32)
RISE_LEFT = (9, 13, 17, 29, 33)
# mild slopes rise half a cell per cell, so they come in pairs (low tile, high tile)
MILD_RIGHT = (20, 24)
MILD_LEFT = (25, 21)
# shapes hanging from a ceiling (solid at the top): 45 deg, convex, concave, mild (short/raised), steep,
# the top half tile
CEILING = (6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31, 2)
HALF_BOTTOM, HALF_RIGHT, HALF_LEFT = 4, 3, 5
#: every tile shape the simulator collides with (34-37 are ignored by it, so never generated)
ALL_SHAPES = tuple(range(1, 34))


def lerp(lo: float, hi: float, d: float) -> int:
    return int(round(lo + (hi - lo) * d))


def pick_spread(rng: random.Random, candidates: list[int], n: int, gap: int) -> list[int]:
    """Up to n values from candidates, pairwise at least ``gap`` apart."""
    cands = list(candidates)
    rng.shuffle(cands)
    out: list[int] = []
    for c in cands:
        if len(out) >= n:
            break
        if all(abs(c - o) >= gap for o in out):
            out.append(c)
    return sorted(out)


def floor_mine(b: LevelBuilder, i: int, j: int, safe: bool = False) -> None:
    b.add_mine(cell_units(i, j, 2, 3), safe=safe)  # resting 6 px above the floor


def gold(b: LevelBuilder, rng: random.Random, cells: list[tuple[int, int]], n: int) -> int:
    cells = [c for c in cells if b.is_empty(*c)]
    k = min(n, len(cells))
    for i, j in rng.sample(cells, k):
        b.add_gold(cell_units(i, j))
    return k


class Floor:
    """The walkable surface of one room between columns ``i0..i1``: ``row[c]`` is the empty cell a ninja
    stands in at column c; ``flat`` the columns whose standing cell is empty (not a ramp), where entities
    may go."""

    def __init__(self, i0: int, i1: int, jf: int):
        self.i0, self.i1, self.jf = i0, i1, jf
        self.row = {c: jf for c in range(i0, i1 + 1)}
        self.ramps: set[int] = set()
        self.steps = 0  # height changes without a ramp (a hop)

    @property
    def flat(self) -> list[int]:
        return [c for c in range(self.i0, self.i1 + 1) if c not in self.ramps]

    def stand(self, c: int) -> tuple[int, int]:
        return c, self.row[c]


def terrain(b: LevelBuilder, rng: random.Random, i0: int, i1: int, jf: int, max_rise: int, changes: int,
            keep: set[int] = frozenset(), ramp_p: float = 1.0, max_steps: int = 1) -> Floor:
    """Raise parts of a room's floor by up to ``max_rise`` cells with ``changes`` height changes, each
    joined by a ramp of a random shape (45 deg, mild, steep, convex, concave) with probability ``ramp_p``,
    else a bare one-cell step (at most ``max_steps`` of them). Columns in ``keep`` (and their neighbours)
    stay at floor height and flat."""
    fl = Floor(i0, i1, jf)
    if max_rise <= 0 or changes <= 0 or i1 - i0 < 4:
        return fl
    guard = {c + k for c in keep for k in (-1, 0, 1)}
    g = {c: 0 for c in range(i0, i1 + 1)}
    points = pick_spread(rng, [c for c in range(i0 + 2, i1 - 1) if c not in guard], changes, 3)
    for p in points:
        up = rng.random() < 0.5
        h = g[p - 1] + (1 if up else -1)
        if h < 0 or h > max_rise:
            h = g[p - 1] - (1 if up else -1)
        if h < 0 or h > max_rise:
            continue
        for c in range(p, i1 + 1):
            g[c] = h
    for c in keep:  # kept columns (and neighbours) back at floor height
        for k in (-1, 0, 1):
            if c + k in g:
                g[c + k] = 0
    for c in range(i0, i1 + 1):
        if g[c]:
            b.carve(c, jf - g[c] + 1, c, jf, FULL)
        fl.row[c] = jf - g[c]
    for c in range(i0 + 1, i1 + 1):
        a, z = g[c - 1], g[c]
        if abs(a - z) != 1:
            continue
        ramp = rng.random() < ramp_p or fl.steps >= max_steps
        if z > a:  # rising to the right: ramp in the low cell at c - 1
            lo = c - 1
            if lo in guard or lo in fl.ramps or not ramp:
                fl.steps += 1
                continue
            r = fl.row[lo]
            if rng.random() < 0.3 and lo - 1 >= i0 and lo - 1 not in guard and lo - 1 not in fl.ramps \
                    and g[lo - 1] == a:
                b.set(lo - 1, r, MILD_RIGHT[0])
                b.set(lo, r, MILD_RIGHT[1])
                fl.ramps.update((lo - 1, lo))
            else:
                b.set(lo, r, rng.choice(RISE_RIGHT))
                fl.ramps.add(lo)
        else:  # falling to the right: ramp in the low cell at c, rising to the left
            lo = c
            if lo in guard or lo in fl.ramps or not ramp:
                fl.steps += 1
                continue
            r = fl.row[lo]
            if rng.random() < 0.3 and lo + 1 <= i1 and lo + 1 not in guard and g[lo + 1] == z:
                b.set(lo, r, MILD_LEFT[0])
                b.set(lo + 1, r, MILD_LEFT[1])
                fl.ramps.update((lo, lo + 1))
            else:
                b.set(lo, r, rng.choice(RISE_LEFT))
                fl.ramps.add(lo)
    return fl


def half_bumps(b: LevelBuilder, rng: random.Random, fl: Floor, n: int, keep: set[int] = frozenset()) -> int:
    """Bottom-half tiles (12-px steps) on flat floor columns away from ``keep``."""
    guard = {c + k for c in keep for k in (-1, 0, 1)}
    cand = [c for c in fl.flat if c not in guard and fl.i0 < c < fl.i1
            and c - 1 not in fl.ramps and c + 1 not in fl.ramps]
    cols = pick_spread(rng, cand, n, 3)
    for c in cols:
        b.set(c, fl.row[c], HALF_BOTTOM)
        fl.ramps.add(c)
    return len(cols)


def ceiling(b: LevelBuilder, rng: random.Random, i0: int, i1: int, j0: int, fl: Floor, p: float,
            shapes: tuple[int, ...] = CEILING, clear: int = 3, avoid: set[int] = frozenset()) -> int:
    """Random ceiling shapes in row ``j0`` where at least ``clear`` empty rows stay below them, away
    from the ``avoid`` columns (and their neighbours)."""
    n = 0
    guard = {c + k for c in avoid for k in (-1, 0, 1)}
    for c in range(i0, i1 + 1):
        if c not in guard and fl.row.get(c, j0) - j0 >= clear and b.is_empty(c, j0) and rng.random() < p:
            b.set(c, j0, rng.choice(shapes))
            n += 1
    return n


def corners(b: LevelBuilder, rng: random.Random, i0: int, i1: int, j0: int, fl: Floor) -> None:
    """Shape the two top corners of a room alike (45 deg, convex, concave, mild or steep)."""
    pairs = ((6, 7), (10, 11), (14, 15), (18, 19), (22, 23), (26, 27), (30, 31))
    if fl.row[i0] - j0 >= 3 and fl.row[i1] - j0 >= 3 and rng.random() < 0.7:
        left, right = rng.choice(pairs)
        b.set(i0, j0, left)
        b.set(i1, j0, right)


def walls(b: LevelBuilder, rng: random.Random, i0: int, i1: int, j0: int, fl: Floor, p: float) -> int:
    """Half tiles against the side walls (rows well above the floor): the wall bulges by half a cell."""
    n = 0
    for c, tile in ((i0, HALF_LEFT), (i1, HALF_RIGHT)):
        for j in range(j0 + 1, fl.row[c] - 1):
            if b.is_empty(c, j) and rng.random() < p:
                b.set(c, j, tile)
                n += 1
    return n
