"""Multi-room layouts: floors stacked over solid slabs, each cut into rooms by partitions; rooms joined by
a random spanning tree of two-way links (doorways, wall-jump shafts, launch-pad holes) and extra links
(more doorways and shafts: other routes; drop holes and one-way launch holes: shortcuts one way).

Used by the medium (small mazes), complex and exploration generators.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..builder import COLS, FULL, LevelBuilder
from . import _parts as P


@dataclass
class Room:
    floor: int
    i0: int
    i1: int
    top: int  # top row
    jf: int  # floor row
    fl: P.Floor | None = None
    keep: set = field(default_factory=set)  # columns that must stay flat (links)


@dataclass
class Link:
    a: int  # room index (for vertical links: the upper room)
    z: int
    kind: str  # door | shaft | launch | drop | oneway
    col: int


@dataclass
class Layout:
    rooms: list[Room]
    tree: list[Link]
    extra: list[Link]
    adj: dict[int, list[int]]

    def bfs(self, s: int) -> dict[int, int]:
        dist = {s: 0}
        q = [s]
        for x in q:
            for y in self.adj[x]:
                if y not in dist:
                    dist[y] = dist[x] + 1
                    q.append(y)
        return dist

    def leaves(self) -> list[int]:
        return [n for n in self.adj if len(self.adj[n]) <= 1]


def _shaft(b: LevelBuilder, s: int, j_top: int, j_bottom: int, jf_low: int, step: int = 1) -> None:
    """A one-cell-wide vertical shaft (climbed with wall jumps) and a step block (``step`` cells tall)
    under it, from which a jump reaches the shaft."""
    b.carve(s, j_top, s, j_bottom)
    b.carve(s, jf_low - step + 1, s, jf_low, FULL)


def build(b: LevelBuilder, rng: random.Random, n_floors: int, rooms_per_floor: tuple[int, int], top: int,
          room_h: int = 3, slab: int = 2, vertical_kinds: tuple[str, ...] = ("shaft",),
          extra_links: int = 1, extra_kinds: tuple[str, ...] = ("door", "shaft", "drop"),
          lo_i: int = 0, hi_i: int = COLS - 1) -> Layout:
    """Carve the floors and rooms, choose and carve the links. Floors are ``room_h`` rows tall and
    ``room_h + slab`` rows apart."""
    step = room_h + slab
    rooms: list[Room] = []
    for f in range(n_floors):
        rt = top + step * f
        rf = rt + room_h - 1
        b.carve(lo_i, rt, hi_i, rf)
        k = rng.randint(*rooms_per_floor) - 1
        span = hi_i - lo_i
        cuts = sorted(rng.sample(range(lo_i + 6, hi_i - 5), min(k, max(0, span - 12)))) if k > 0 else []
        cuts = [c for n, c in enumerate(cuts) if n == 0 or c - cuts[n - 1] >= 6]
        edges = [lo_i - 1] + cuts + [hi_i + 1]
        for a, z in zip(edges, edges[1:], strict=False):
            rooms.append(Room(f, a + 1, z - 1, rt, rf))
        for c in cuts:
            b.carve(c, rt, c, rf, FULL)
    cand: list[Link] = []
    for f in range(n_floors):
        fr = [n for n, r in enumerate(rooms) if r.floor == f]
        for a, z in zip(fr, fr[1:], strict=False):
            cand.append(Link(a, z, "door", rooms[z].i0 - 1))
    for f in range(n_floors - 1):
        for a in (n for n, r in enumerate(rooms) if r.floor == f):
            for z in (n for n, r in enumerate(rooms) if r.floor == f + 1):
                lo, hi = max(rooms[a].i0, rooms[z].i0) + 1, min(rooms[a].i1, rooms[z].i1) - 2
                if hi - lo >= 1:
                    cand.append(Link(a, z, "vertical", rng.randint(lo, hi)))
    rng.shuffle(cand)
    parent = list(range(len(rooms)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    tree, spare = [], []
    for ln in cand:
        ra, rz = find(ln.a), find(ln.z)
        if ra != rz:
            parent[ra] = rz
            tree.append(ln)
        else:
            spare.append(ln)
    used: set[tuple[int, int]] = set()  # (floor, column) with a vertical link
    for ln in tree:
        if ln.kind == "vertical":
            ln.kind = rng.choice(vertical_kinds)
    extra = []
    for ln in spare:
        if len(extra) >= extra_links:
            break
        if ln.kind == "vertical":
            ln.kind = rng.choice([k for k in extra_kinds if k != "door"] or ["drop"])
        elif "door" not in extra_kinds:
            continue
        extra.append(ln)
    for ln in tree + extra:
        _carve(b, rooms, ln, used)
    adj: dict[int, list[int]] = {n: [] for n in range(len(rooms))}
    for ln in tree:
        adj[ln.a].append(ln.z)
        adj[ln.z].append(ln.a)
    return Layout(rooms, tree, extra, adj)


def _carve(b: LevelBuilder, rooms: list[Room], ln: Link, used: set) -> None:
    ra, rz = rooms[ln.a], rooms[ln.z]
    c = ln.col
    if ln.kind == "door":  # a doorway at the floor through the partition
        b.carve(c, ra.jf - 1, c, ra.jf)
        ra.keep.add(ra.i1)
        rz.keep.add(rz.i0)
        return
    ra.keep.update((c, c + 1))
    rz.keep.update((c, c + 1))
    if ln.kind == "shaft":
        _shaft(b, c, ra.jf + 1, rz.top - 1, rz.jf, step=max(1, rz.jf - rz.top - 1))
    elif ln.kind == "drop":  # a two-wide hole: one way down
        b.carve(c, ra.jf + 1, c + 1, rz.top - 1)
    elif ln.kind in ("launch", "oneway"):  # a two-wide hole with a launch pad under it
        b.carve(c, ra.jf + 1, c + 1, rz.top - 1)
        b.add_launch_pad(c, rz.jf)
        if ln.kind == "oneway":  # one-way platforms over the hole: up only
            b.add_one_way(c, ra.jf + 1)
            b.add_one_way(c + 1, ra.jf + 1)


def finish_rooms(b: LevelBuilder, rng: random.Random, lay: Layout, d: float, ramps: int = 1,
                 ceiling_p: float = 0.2, noise: float = 0.0) -> None:
    """Terrain (ramps) on each room floor, shaped corners and ceilings, and with ``noise`` > 0 random tile
    shapes in the top row of the taller rooms (the "rooms of random tiles" of exploration levels)."""
    for r in lay.rooms:
        max_rise = 1 if r.jf - r.top >= 3 else 0
        r.fl = P.terrain(b, rng, r.i0, r.i1, r.jf, max_rise, rng.randint(0, ramps), keep=r.keep | {r.i0, r.i1},
                         ramp_p=1.0, max_steps=0)
        P.corners(b, rng, r.i0, r.i1, r.top, r.fl)
        P.half_bumps(b, rng, r.fl, rng.randint(0, 1), keep=r.keep | {r.i0, r.i1})
        P.ceiling(b, rng, r.i0, r.i1, r.top, r.fl, ceiling_p, clear=2, avoid=r.keep)
        if noise > 0:  # random shapes of any kind, some of them hanging into the way
            P.ceiling(b, rng, r.i0, r.i1, r.top, r.fl, noise, shapes=P.ALL_SHAPES, clear=2, avoid=r.keep)


def spot(b: LevelBuilder, rng: random.Random, r: Room, avoid: tuple[int, ...] = ()) -> tuple[int, int]:
    """A flat, empty standing cell of room ``r`` away from its links and from ``avoid`` columns."""
    fl = r.fl or P.Floor(r.i0, r.i1, r.jf)
    cols = [c for c in fl.flat if c not in r.keep and all(abs(c - u) > 1 for u in avoid)
            and b.is_empty(c, fl.row[c])]
    cols = cols or [c for c in fl.flat if b.is_empty(c, fl.row[c])] or [r.i0]
    c = rng.choice(cols)
    return c, fl.row.get(c, r.jf)


def mines(b: LevelBuilder, rng: random.Random, lay: Layout, skip: set[int], per_room: int,
          taken: set[tuple[int, int]] = frozenset()) -> int:
    """Up to ``per_room`` floor mines in every room not in ``skip``, away from links and entities."""
    n = 0
    for k, r in enumerate(lay.rooms):
        if k in skip or per_room <= 0:
            continue
        fl = r.fl or P.Floor(r.i0, r.i1, r.jf)
        cand = [c for c in fl.flat if r.i0 < c < r.i1 and all(abs(c - u) > 2 for u in r.keep)
                and all(abs(c - i) > 2 for i, j in taken if j == fl.row[c])]
        for c in P.pick_spread(rng, cand, rng.randint(0, per_room), 4):
            P.floor_mine(b, c, fl.row[c])
            n += 1
    return n
