"""complex: multi-room levels with long paths. 2-3 floors of rooms joined by doorways, wall-jump shafts
and launch-pad holes (a launch pad under a hole in the slab sends the ninja up a floor); one-way links
(drop holes, launch holes capped with one-way platforms); the exit switch in the room farthest from the
spawn and the exit far from the switch; a locked door (sometimes two) across the way to the exit with its
switch in a dead end on the spawn's side. Difficulty adds floors, rooms, locked doors and mines."""

from __future__ import annotations

import random

from ..builder import COLS, FULL, ROWS, LevelBuilder
from . import _parts as P
from . import _rooms as R


def _path(lay: R.Layout, s: int, t: int) -> list[int]:
    prev = {s: -1}
    q = [s]
    for x in q:
        for y in lay.adj[x]:
            if y not in prev:
                prev[y] = x
                q.append(y)
    out = [t]
    while out[-1] != s and out[-1] in prev:
        out.append(prev[out[-1]])
    return out[::-1]


def generate(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    n_floors = 2 + (1 if d > 0.7 and rng.random() < d else 0)
    room_h = rng.choice((3, 4))
    slab = rng.randint(1, 2)
    height = n_floors * (room_h + slab) - slab
    top = rng.randint(0, ROWS - height)
    width = rng.randint(P.lerp(20, 28, d), P.lerp(28, 40, d))
    lo_i = rng.randint(0, COLS - width)
    lay = R.build(b, rng, n_floors, (2, 2 + P.lerp(0, 1, d)), top, room_h, slab,
                  vertical_kinds=("shaft", "shaft", "launch"), extra_links=rng.randint(1, 2),
                  extra_kinds=("drop", "oneway"), lo_i=lo_i, hi_i=lo_i + width - 1)
    R.finish_rooms(b, rng, lay, d, ramps=2)
    spawn = rng.randrange(len(lay.rooms))
    ds = lay.bfs(spawn)
    switch = max((n for n in lay.adj if n != spawn), key=lambda n: (ds.get(n, -1), n))
    dw = lay.bfs(switch)
    exit_room = max((n for n in lay.adj if n != switch), key=lambda n: (dw.get(n, -1) + ds.get(n, -1), n))
    sp = R.spot(b, rng, lay.rooms[spawn])
    b.set_spawn(*sp, rng.choice((-1, 1)))
    sw = R.spot(b, rng, lay.rooms[switch])
    ex = R.spot(b, rng, lay.rooms[exit_room], avoid=(sp[0],) if exit_room == spawn else ())
    b.add_exit(ex, sw)
    taken = {sp, sw, ex}
    # locked doors on doorways along the way to the exit, each switch in a dead end before it
    route = _path(lay, spawn, switch)[:-1] + _path(lay, switch, exit_room)
    hops = list(zip(route, route[1:], strict=False))
    doors = [ln for ln in lay.tree if ln.kind == "door" and ((ln.a, ln.z) in hops or (ln.z, ln.a) in hops)]
    rng.shuffle(doors)
    want = 1 + (1 if d > 0.6 and rng.random() < 0.5 else 0)
    chosen = doors[: want if rng.random() < 0.4 + 0.5 * d else 0]
    cut = {(ln.a, ln.z) for ln in chosen} | {(ln.z, ln.a) for ln in chosen}
    seen = {spawn}  # rooms reached from the spawn through no locked door: where their switches go
    q = [spawn]
    for x in q:
        for y in lay.adj[x]:
            if (x, y) not in cut and y not in seen:
                seen.add(y)
                q.append(y)
    side = sorted(seen, key=lambda n: (n != spawn, len(lay.adj[n]) <= 1, ds.get(n, 0), n))
    for k, ln in enumerate(chosen):
        room = side[-1 - (k % len(side))]
        ra = lay.rooms[ln.a]
        b.set(ln.col, ra.jf - 1, FULL)  # the doorway shrinks to one row, which the door closes
        cell = R.spot(b, rng, lay.rooms[room], avoid=tuple(i for i, j in taken if j == lay.rooms[room].jf))
        b.add_locked_door((ln.col, ra.jf), cell)
        taken.add(cell)
    n_locked = len(chosen)
    n_mines = R.mines(b, rng, lay, {spawn}, P.lerp(0, 2, d), taken)
    leaves = lay.leaves()
    P.gold(b, rng, [(lay.rooms[n].i0 + 1, lay.rooms[n].top) for n in leaves], len(leaves))
    kinds = [ln.kind for ln in lay.tree + lay.extra]
    return {"floors": n_floors, "rooms": len(lay.rooms), "links": kinds, "locked_doors": n_locked,
            "mines": n_mines, "route_rooms": len(route)}
