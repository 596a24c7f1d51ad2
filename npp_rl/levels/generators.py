"""Seeded level generators for the five categories (definitions in docs/levels.md).

``generate(category, seed) -> GeneratedLevel`` is a pure function of its arguments: the same category and
seed give byte-identical level files on every machine (``random.Random`` only). A generated level is
*candidate* geometry; the solver (:mod:`npp_rl.levels.solver`) decides whether it is kept.

Conventions (file cells, see :mod:`npp_rl.levels.builder`): ``j`` grows downward; a room's *floor row*
``jf`` is its lowest empty row (row ``jf + 1`` is solid). Platforms rise 48 px (2 cells) per step, within
a flat jump (76 px apex); falls stay below the 242-px survivable drop.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from npp_rl.sim.mapdata import MapData

from .builder import COLS, FULL, ROWS, LevelBuilder, cell_units

GENERATOR_VERSION = "1.0"
CATEGORIES = ("simple", "medium", "complex", "mine_heavy", "exploration")

# tile ids used for decoration / ramps (NPP_MECHANICS.md §3.1)
SLOPE_TL, SLOPE_TR, SLOPE_BR, SLOPE_BL = 6, 7, 8, 9  # 45° slopes by solid corner
ROUND_TL, ROUND_TR = 10, 11  # convex quarter rounds
PIPE_TL, PIPE_TR, PIPE_BR, PIPE_BL = 14, 15, 16, 17  # concave quarter pipes


@dataclass
class GeneratedLevel:
    category: str
    seed: int
    map: MapData
    description: str
    features: dict = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.map.to_bytes()


# --------------------------------------------------------------------------- helpers
def _room(b: LevelBuilder, i0: int, j0: int, i1: int, j1: int) -> None:
    b.carve(i0, j0, i1, j1)


def _floor_mine(b: LevelBuilder, i: int, jf: int, safe: bool = False) -> None:
    b.add_mine(cell_units(i, jf, 2, 3), safe=safe)  # resting 6 px above the floor


def _ceiling_mine(b: LevelBuilder, i: int, j: int) -> None:
    b.add_mine(cell_units(i, j, 2, 1))


def _round_corners(b: LevelBuilder, rng: random.Random, i0: int, j0: int, i1: int, j1: int) -> None:
    """Decorate the two top corners of a room (slopes or concave pipes), never on the floor row."""
    if j1 - j0 < 3:
        return
    kind = rng.choice(["slope", "pipe", "none"])
    if kind == "slope":
        b.set(i0, j0, SLOPE_TL)
        b.set(i1, j0, SLOPE_TR)
    elif kind == "pipe":
        b.set(i0, j0, PIPE_TL)
        b.set(i1, j0, PIPE_TR)


def _bump(b: LevelBuilder, rng: random.Random, c: int, jf: int) -> None:
    """A one-cell block on the floor, with ramps on either side at random."""
    b.set(c, jf, FULL)
    if rng.random() < 0.5 and b.is_empty(c - 1, jf) and not b.is_empty(c - 1, jf + 1):
        b.set(c - 1, jf, SLOPE_BR)  # solid bottom-right: ramp rising toward the block
    if rng.random() < 0.5 and b.is_empty(c + 1, jf) and not b.is_empty(c + 1, jf + 1):
        b.set(c + 1, jf, SLOPE_BL)


def _pick_spread(rng: random.Random, candidates: list[int], n: int, gap: int) -> list[int]:
    """Up to n values from candidates, pairwise at least ``gap`` apart."""
    cands = candidates[:]
    rng.shuffle(cands)
    out: list[int] = []
    for c in cands:
        if len(out) >= n:
            break
        if all(abs(c - o) >= gap for o in out):
            out.append(c)
    return sorted(out)


def _gold(b: LevelBuilder, rng: random.Random, cells: list[tuple[int, int]], n: int) -> None:
    for i, j in rng.sample(cells, min(n, len(cells))):
        b.add_gold(cell_units(i, j))


# --------------------------------------------------------------------------- simple
def gen_simple(rng: random.Random, b: LevelBuilder) -> dict:
    """One room, flat floor, up to two one-cell bumps; walk (and hop) to the switch, then to the exit."""
    w, h = rng.randint(10, 22), rng.randint(3, 6)
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 1 - h)
    i1, jf = i0 + w - 1, j0 + h - 1
    _room(b, i0, j0, i1, jf)
    _round_corners(b, rng, i0, j0, i1, jf)
    left = rng.random() < 0.5
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    switch_i = rng.randint(lo + 3, hi - 3)
    free = [c for c in range(lo + 2, hi - 1) if abs(c - switch_i) > 1]
    bumps = _pick_spread(rng, free, rng.randint(0, 2), 4)
    for c in bumps:
        _bump(b, rng, c, jf)
    b.set_spawn(spawn_i, jf, 1 if left else -1)
    b.add_exit((exit_i, jf), (switch_i, jf))
    _gold(b, rng, [(c, jf - 1) for c in range(lo + 1, hi) if jf - 1 >= j0], rng.randint(0, 3))
    return {"size": (w, h), "bumps": len(bumps), "mines": 0}


# --------------------------------------------------------------------------- medium
def gen_medium(rng: random.Random, b: LevelBuilder) -> dict:
    """A tall room with a staircase of floating platforms; the switch on the top one; floor mines."""
    w, h = rng.randint(20, 34), rng.randint(7, 10)
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 1 - h)
    i1, jf = i0 + w - 1, j0 + h - 1
    _room(b, i0, j0, i1, jf)
    _round_corners(b, rng, i0, j0, i1, jf)
    left = rng.random() < 0.5
    d = 1 if left else -1
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    n_plat = min(3, (h - 2) // 2)
    x = spawn_i + d * rng.randint(3, 5)
    blocked = set()
    top = None
    for k in range(1, n_plat + 1):
        row = jf + 1 - 2 * k
        length = rng.randint(3, 5)
        cells = [x + d * t for t in range(length)]
        if any(not (i0 + 1 <= c <= i1 - 1) for c in cells):
            break
        for c in cells:
            b.set(c, row, FULL)
            blocked.update((c - 1, c, c + 1))
        top = (cells[-1], row - 1)
        x = cells[-1] + d * rng.randint(2, 3)
    if top is None:  # no room for platforms: a switch on the floor
        top = (spawn_i + d * 3, jf)
    b.set_spawn(spawn_i, jf, d)
    b.add_exit((exit_i, jf), top)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    cand = [c for c in range(lo + 3, hi - 2) if c not in blocked]
    mines = _pick_spread(rng, cand, rng.randint(2, 6), 4)
    for c in mines:
        _floor_mine(b, c, jf)
    bumps = _pick_spread(rng, [c for c in cand if all(abs(c - m) > 2 for m in mines)], rng.randint(0, 2), 4)
    for c in bumps:
        _bump(b, rng, c, jf)
    _gold(b, rng, [(c, j0) for c in range(i0 + 1, i1)], rng.randint(0, 4))
    return {"size": (w, h), "platforms": n_plat, "mines": len(mines)}


# --------------------------------------------------------------------------- complex
def _shaft(b: LevelBuilder, s: int, j_top: int, j_bottom: int, jf_low: int) -> None:
    """A one-cell-wide vertical shaft (climbed with wall jumps) and a step block under it."""
    b.carve(s, j_top, s, j_bottom)
    b.set(s, jf_low, FULL)


def gen_complex(rng: random.Random, b: LevelBuilder) -> dict:
    """Two stacked corridors: climb a wall-jump shaft to the switch, drop through a hole to the exit,
    which a partition hides from the spawn side; sometimes a locked door with its switch upstairs."""
    ja = rng.randint(14, 21)  # lower floor row
    t = rng.randint(2, 3)  # slab thickness
    jb = ja - 3 - t  # upper floor row
    lo_i, hi_i = rng.randint(0, 2), rng.randint(COLS - 3, COLS - 1)
    _room(b, lo_i, ja - 2, hi_i, ja)
    _room(b, lo_i, jb - 2, hi_i, jb)
    _round_corners(b, rng, lo_i, jb - 2, hi_i, jb)
    flip = rng.random() < 0.5

    def X(i):  # mirror columns so either side can hold the spawn
        return lo_i + hi_i - i if flip else i

    span = hi_i - lo_i
    s = X(lo_i + rng.randint(span // 4, span // 2 - 2))  # shaft column
    p = X(lo_i + rng.randint(span // 2 + 1, span // 2 + 4))  # partition in the lower corridor
    hole = X(lo_i + rng.randint(span // 2 + 6, span - 6))  # drop hole (2 wide) in the slab
    _shaft(b, s, jb + 1, ja - 3, ja)
    b.carve(p, ja - 2, p, ja, FULL)
    b.carve(min(hole, X(X(hole) + 1)), jb + 1, max(hole, X(X(hole) + 1)), ja - 3)
    spawn_i = X(lo_i + rng.randint(0, 2))
    switch_i = X(lo_i + rng.randint(0, 3))  # upstairs dead end above the spawn side
    exit_i = X(hi_i - rng.randint(0, 2))
    b.set_spawn(spawn_i, ja, -1 if flip else 1)
    b.add_exit((exit_i, ja), (switch_i, jb))
    locked = rng.random() < 0.5
    reserved = {s, p, hole, X(X(hole) + 1), spawn_i, switch_i, exit_i}
    if locked:
        dcol = X(X(exit_i) - rng.randint(3, 5))
        b.carve(dcol, ja - 2, dcol, ja - 1, FULL)
        b.add_locked_door((dcol, ja), (X(hi_i - rng.randint(1, 4)), jb))
        reserved.add(dcol)
    # mines on both floors, away from links and entities
    n = rng.randint(3, 8)
    for jf in (ja, jb):
        cand = [c for c in range(lo_i + 2, hi_i - 1) if all(abs(c - r) > 2 for r in reserved)]
        for c in _pick_spread(rng, cand, n // 2, 4):
            _floor_mine(b, c, jf)
    _gold(b, rng, [(c, jb - 2) for c in range(lo_i, hi_i + 1)], rng.randint(0, 5))
    return {"floors": 2, "slab": t, "locked_door": locked, "mines": 2 * (n // 2)}


# --------------------------------------------------------------------------- mine_heavy
def gen_mine_heavy(rng: random.Random, b: LevelBuilder) -> dict:
    """A long room whose floor is sown with mine clusters (1-2 cells wide, jumpable gaps between),
    a ceiling row of mines, floating mines up high, and safe toggle mines on the way."""
    w, h = rng.randint(26, 40), rng.randint(5, 7)
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 1 - h)
    i1, jf = i0 + w - 1, j0 + h - 1
    _room(b, i0, j0, i1, jf)
    left = rng.random() < 0.5
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    switch_i = rng.randint(lo + w // 3, hi - w // 3)
    n_mines = 0
    c = lo + 3
    keep = {spawn_i, exit_i, switch_i}
    while c < hi - 3:
        width = rng.randint(1, 2)
        cells = [c + k for k in range(width)]
        if all(abs(x - k) > 2 for x in cells for k in keep):
            for x in cells:
                _floor_mine(b, x, jf)
                n_mines += 1
                if rng.random() < 0.4:  # a second mine in the cell, stacked to the side
                    b.add_mine(cell_units(x, jf, rng.choice([1, 3]), 3))
                    n_mines += 1
        elif rng.random() < 0.5:
            _floor_mine(b, c, jf, safe=True)
            n_mines += 1
        c += width + rng.randint(3, 5)
    for x in range(i0, i1 + 1):
        if rng.random() < 0.55:
            _ceiling_mine(b, x, j0)
            n_mines += 1
    if h >= 6:
        for x in rng.sample(range(i0 + 2, i1 - 1), k=min(6, w // 6)):
            b.add_mine(cell_units(x, j0 + 1, 2, 2))
            n_mines += 1
    b.set_spawn(spawn_i, jf, 1 if left else -1)
    b.add_exit((exit_i, jf), (switch_i, jf))
    return {"size": (w, h), "mines": n_mines}


# --------------------------------------------------------------------------- exploration
def gen_exploration(rng: random.Random, b: LevelBuilder) -> dict:
    """Two or three stacked floors cut into rooms by partitions; rooms joined in a random spanning tree by
    doorways and wall-jump shafts, plus crawl tunnels and drop holes as hidden shortcuts. The switch sits in
    the dead end farthest from the spawn, the exit in the dead end farthest from the switch."""
    n_floors = rng.randint(2, 3)
    top = rng.randint(1, ROWS - (5 * n_floors - 2) - 1)
    floors = [(top + 5 * f, top + 5 * f + 2) for f in range(n_floors)]  # (top row, floor row)
    lo_i, hi_i = 0, COLS - 1
    rooms: list[tuple[int, int, int]] = []  # (floor, i0, i1)
    parts: dict[int, list[int]] = {}
    for f, (rt, rf) in enumerate(floors):
        _room(b, lo_i, rt, hi_i, rf)
        k = rng.randint(2, 3)
        cuts = sorted(rng.sample(range(7, COLS - 7), k))
        cuts = [c for n, c in enumerate(cuts) if n == 0 or c - cuts[n - 1] >= 6]
        parts[f] = cuts
        edges = [lo_i - 1] + cuts + [hi_i + 1]
        for a, z in zip(edges, edges[1:], strict=False):
            rooms.append((f, a + 1, z - 1))
        for c in cuts:
            b.carve(c, rt, c, rf, FULL)
    # candidate links between rooms
    idx = {r: n for n, r in enumerate(rooms)}
    links = []  # (room a, room b, kind, column)
    for f in range(n_floors):
        fr = [r for r in rooms if r[0] == f]
        for a, z in zip(fr, fr[1:], strict=False):
            links.append((idx[a], idx[z], "door", z[1] - 1))
    for f in range(n_floors - 1):
        for a in (r for r in rooms if r[0] == f):
            for z in (r for r in rooms if r[0] == f + 1):
                lo, hi = max(a[1], z[1]) + 1, min(a[2], z[2]) - 1
                if hi - lo >= 1:
                    links.append((idx[a], idx[z], "shaft", rng.randint(lo, hi)))
    rng.shuffle(links)
    parent = list(range(len(rooms)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    tree, extra = [], []
    for ln in links:
        ra, rz = find(ln[0]), find(ln[1])
        if ra != rz:
            parent[ra] = rz
            tree.append(ln)
        else:
            extra.append(ln)
    used_cols: set[tuple[int, int]] = set()

    def carve_link(ln, hidden=False):
        a, z, kind, col = ln
        fa = rooms[a][0]
        rt, rf = floors[fa]
        if kind == "door":
            b.carve(col, rf if hidden else rf - 1, col, rf)
        else:  # vertical link between floor fa (upper) and fa + 1
            low_rt, low_rf = floors[fa + 1]
            if hidden:  # a drop hole, one way down
                b.carve(col, rf + 1, min(col + 1, rooms[a][2]), low_rt - 1)
            else:
                _shaft(b, col, rf + 1, low_rt - 1, low_rf)
        used_cols.add((fa, col))
        if kind == "shaft":
            used_cols.add((fa + 1, col))

    for ln in tree:
        carve_link(ln)
    hidden = extra[: rng.randint(1, 2)]
    for ln in hidden:
        carve_link(ln, hidden=True)
    # room graph over the tree (two-way) to pick dead ends
    adj: dict[int, list[int]] = {n: [] for n in range(len(rooms))}
    for a, z, _, _ in tree:
        adj[a].append(z)
        adj[z].append(a)

    def bfs(s):
        dist = {s: 0}
        q = [s]
        for x in q:
            for y in adj[x]:
                if y not in dist:
                    dist[y] = dist[x] + 1
                    q.append(y)
        return dist

    spawn_room = rng.randrange(len(rooms))
    ds = bfs(spawn_room)
    leaves = [n for n in adj if len(adj[n]) <= 1 and n != spawn_room] or [n for n in adj if n != spawn_room]
    switch_room = max(leaves, key=lambda n: (ds.get(n, -1), n))
    dw = bfs(switch_room)
    exit_room = max((n for n in adj if n != switch_room), key=lambda n: (dw.get(n, -1) + ds.get(n, -1), n))

    def spot(room, avoid=()):
        f, i0, i1 = rooms[room]
        cols = [c for c in range(i0, i1 + 1) if (f, c) not in used_cols and all(abs(c - u) > 1 for u in avoid)]
        cols = [c for c in cols if b.is_empty(c, floors[f][1])] or [i0]
        return rng.choice(cols), floors[f][1]

    sp = spot(spawn_room)
    b.set_spawn(*sp, rng.choice([-1, 1]))
    b.add_exit(spot(exit_room, avoid=(sp[0],) if exit_room == spawn_room else ()), spot(switch_room))
    n_mines = 0
    for room in range(len(rooms)):
        if room in (spawn_room, switch_room, exit_room):
            continue
        f, i0, i1 = rooms[room]
        cand = [c for c in range(i0 + 1, i1) if all(abs(c - u[1]) > 2 for u in used_cols if u[0] == f)]
        for c in _pick_spread(rng, cand, rng.randint(0, 2), 4):
            _floor_mine(b, c, floors[f][1])
            n_mines += 1
    leaves_gold = [(rooms[n][1], floors[rooms[n][0]][0]) for n in leaves]
    _gold(b, rng, leaves_gold, len(leaves_gold))
    return {"floors": n_floors, "rooms": len(rooms), "dead_ends": len(leaves), "hidden_routes": len(hidden),
            "mines": n_mines}


GENERATORS: dict[str, Callable[[random.Random, LevelBuilder], dict]] = {
    "simple": gen_simple,
    "medium": gen_medium,
    "complex": gen_complex,
    "mine_heavy": gen_mine_heavy,
    "exploration": gen_exploration,
}


def generate(category: str, seed: int) -> GeneratedLevel:
    """One candidate level of ``category`` from ``seed`` (deterministic)."""
    if category not in GENERATORS:
        raise ValueError(f"unknown level category {category!r}; expected one of {', '.join(CATEGORIES)}")
    rng = random.Random(f"npp-rl/{GENERATOR_VERSION}/{category}/{int(seed)}")
    b = LevelBuilder(title=f"{category} {seed}")
    features = GENERATORS[category](rng, b)
    md = b.to_map(source=f"<{category} seed {seed}>")
    return GeneratedLevel(category, int(seed), md, GENERATORS[category].__doc__.split("\n")[0], features)
