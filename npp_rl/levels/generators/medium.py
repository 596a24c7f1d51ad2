"""medium: platforming with a few routes. Three layouts:

* ``chain``: a tall room whose switch sits on the top of a chain of floating platforms (tiles, one-way
  platforms or bounce blocks), each two cells above the last, over a floor with ramps and mines;
* ``maze``: a small maze of 2-3 floors of rooms joined by doorways and wall-jump shafts, with extra links
  (loops: several routes);
* ``tower``: a hall split by a wall whose top holds the switch, climbed through a wall-jump shaft inside
  it; the exit is on either side.

Difficulty adds platforms, floors, rooms, loops and mines."""

from __future__ import annotations

import random

from ..builder import COLS, FULL, ROWS, LevelBuilder
from . import _parts as P
from . import _rooms as R

LAYOUTS = ("chain", "maze", "tower")


def _chain(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    w, h = rng.randint(18, 30), rng.randint(7, 10)
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 1 - h)
    i1, jf = i0 + w - 1, j0 + h - 1
    b.carve(i0, j0, i1, jf)
    left = rng.random() < 0.5
    dd = 1 if left else -1
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    n_plat = min(1 + P.lerp(1, 3, d), (h - 3) // 2)
    x = spawn_i + dd * rng.randint(3, 5)
    blocked: set[int] = set()
    top = None
    kinds = []
    for k in range(1, n_plat + 1):
        row = jf + 1 - 2 * k  # the platform's own row; it is stood on from row - 1
        length = rng.randint(2, 4)
        cells = [x + dd * t for t in range(length)]
        if any(not (i0 + 1 <= c <= i1 - 1) for c in cells):
            break
        kind = rng.choice(["tile", "tile", "oneway", "bounce"]) if k > 1 or d > 0.3 else "tile"
        if kind == "tile":
            for c in cells:
                b.set(c, row, FULL)
            if rng.random() < 0.5:  # a thinner far end: the top half tile
                b.set(cells[-1], row, 2)
        elif kind == "oneway":
            for c in cells:
                b.add_one_way(c, row)
        else:  # a bounce block under each of the first two cells
            for c in cells[:2]:
                b.add_bounce_block(c, row)
            cells = cells[:2]
        kinds.append(kind)
        blocked.update(c + e for c in cells for e in (-1, 0, 1))
        top = (cells[-1] if kind != "bounce" else cells[0], row - 1)
        x = cells[-1] + dd * rng.randint(2, 3)
    keep = {spawn_i, exit_i} | blocked
    fl = P.terrain(b, rng, i0, i1, jf, 1, rng.randint(0, 2), keep=keep)
    if top is None:
        top = fl.stand(spawn_i + dd * 3)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    cand = [c for c in fl.flat if lo + 3 <= c <= hi - 2 and c not in blocked]
    mines = P.pick_spread(rng, cand, rng.randint(P.lerp(0, 2, d), P.lerp(1, 5, d)), 4)
    for c in mines:
        P.floor_mine(b, c, fl.row[c])
    P.corners(b, rng, i0, i1, j0, fl)
    P.walls(b, rng, i0, i1, j0, fl, 0.3)
    b.set_spawn(*fl.stand(spawn_i), dd)
    b.add_exit(fl.stand(exit_i), top)
    P.gold(b, rng, [(c, j0) for c in range(i0 + 1, i1)], rng.randint(0, 4))
    return {"layout": "chain", "size": (w, h), "platforms": kinds, "mines": len(mines), "ramps": len(fl.ramps)}


def _maze(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    n_floors = 2 + (1 if d > 0.5 and rng.random() < 0.6 else 0)
    room_h = rng.choice((3, 4))
    slab = rng.randint(1, 2)
    height = n_floors * (room_h + slab) - slab
    width = rng.randint(P.lerp(18, 28, d), P.lerp(24, 42, d))
    lo_i = rng.randint(0, COLS - width)
    top = rng.randint(1, ROWS - height - 1)
    lay = R.build(b, rng, n_floors, (2, 2 + P.lerp(0, 1, d)), top, room_h, slab, ("shaft",),
                  extra_links=1 + P.lerp(0, 2, d), extra_kinds=("door", "shaft"), lo_i=lo_i, hi_i=lo_i + width - 1)
    R.finish_rooms(b, rng, lay, d, ramps=2)
    spawn = rng.randrange(len(lay.rooms))
    ds = lay.bfs(spawn)
    far = sorted(lay.adj, key=lambda n: (ds.get(n, -1), n))
    switch = far[-1] if far[-1] != spawn else far[0]
    exit_room = max((n for n in lay.adj if n != switch), key=lambda n: (lay.bfs(switch).get(n, 0), n))
    sp = R.spot(b, rng, lay.rooms[spawn])
    b.set_spawn(*sp, rng.choice((-1, 1)))
    sw = R.spot(b, rng, lay.rooms[switch], avoid=(sp[0],) if switch == spawn else ())
    ex = R.spot(b, rng, lay.rooms[exit_room], avoid=(sp[0],) if exit_room == spawn else ())
    b.add_exit(ex, sw)
    n = R.mines(b, rng, lay, {spawn, switch, exit_room}, P.lerp(0, 2, d))
    return {"layout": "maze", "floors": n_floors, "rooms": len(lay.rooms), "loops": len(lay.extra), "mines": n}


def _tower(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    """A tall hall split by a wall with the switch on its top; the only way up is a wall-jump shaft inside
    the wall, entered from the spawn side over a step block; the exit is on either side."""
    h = rng.randint(7, 10)
    w = rng.randint(P.lerp(16, 22, d), P.lerp(22, 34, d))
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 1 - h)
    i1, jf = i0 + w - 1, j0 + h - 1
    b.carve(i0, j0, i1, jf)
    left = rng.random() < 0.5
    dd = 1 if left else -1
    spawn_i, far_i = (i0, i1) if left else (i1, i0)
    wall = spawn_i + dd * rng.randint(w // 3, w // 2)  # a wall 3 cells thick up to the hall's top rows
    wall_top = j0 + rng.randint(1, 2)
    cols = [wall + dd * t for t in range(3)]
    for c in cols:
        b.carve(c, wall_top, c, jf, FULL)
    s = cols[1]  # the shaft in the middle of the wall, over a one-cell step block
    b.carve(s, wall_top, s, jf - 1)
    b.carve(cols[0], jf - 1, cols[0], jf)  # a notch at the wall's foot on the spawn side leads to the step
    keep = {spawn_i, far_i} | {c + e for c in cols for e in (-2, -1, 0, 1, 2)}
    fl = P.terrain(b, rng, i0, i1, jf, 1, rng.randint(1, 3), keep=keep)
    P.corners(b, rng, i0, i1, j0, fl)
    P.walls(b, rng, i0, i1, j0, fl, 0.2)
    b.set_spawn(*fl.stand(spawn_i), dd)
    sw = (rng.choice((cols[0], cols[2])), wall_top - 1)  # the switch on top of the wall
    ex = fl.stand(far_i) if rng.random() < 0.5 else fl.stand(spawn_i + dd * 2)  # then drop either side
    b.add_exit(ex, sw)
    far_side = [c for c in fl.flat if (c - cols[-1]) * dd > 2 and abs(c - far_i) > 2]
    mines = P.pick_spread(rng, far_side, P.lerp(0, 3, d), 4)
    for c in mines:
        P.floor_mine(b, c, fl.row[c])
    return {"layout": "tower", "size": (w, h), "mines": len(mines), "ramps": len(fl.ramps)}


def generate(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    layout = rng.choice(LAYOUTS)
    return {"chain": _chain, "maze": _maze, "tower": _tower}[layout](rng, b, d)
