"""exploration: large mazes of rooms where the switch and the exit are out of sight. 3-4 floors of rooms
(some with random tile shapes hanging from their ceilings) joined by a spanning tree of doorways,
wall-jump shafts and launch holes, plus hidden shortcuts (drop holes, one-way launch holes, extra
doorways); the switch in the dead end farthest from the spawn, the exit in the room farthest from both;
gold in the dead ends. Difficulty adds floors, rooms and mines."""

from __future__ import annotations

import random

from ..builder import COLS, ROWS, LevelBuilder
from . import _parts as P
from . import _rooms as R


def generate(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    room_h = rng.choice((3, 3, 4))
    slab = rng.randint(1, 2)
    n_floors = 2 + (1 if rng.random() < 0.3 + 0.5 * d else 0) + (1 if d > 0.8 and rng.random() < 0.5 else 0)
    n_floors = min(n_floors, (ROWS + slab) // (room_h + slab))
    height = n_floors * (room_h + slab) - slab
    top = rng.randint(0, ROWS - height)
    width = rng.randint(P.lerp(28, 36, d), COLS)
    lo_i = rng.randint(0, COLS - width)
    lay = R.build(b, rng, n_floors, (2, 2 + P.lerp(0, 2, d)), top, room_h, slab,
                  vertical_kinds=("shaft", "shaft", "shaft", "launch"), extra_links=rng.randint(1, 3),
                  extra_kinds=("door", "drop", "oneway"), lo_i=lo_i, hi_i=lo_i + width - 1)
    R.finish_rooms(b, rng, lay, d, ramps=2, ceiling_p=0.15, noise=0.25 if rng.random() < 0.5 else 0.0)
    spawn = rng.randrange(len(lay.rooms))
    ds = lay.bfs(spawn)
    leaves = [n for n in lay.leaves() if n != spawn] or [n for n in lay.adj if n != spawn]
    switch = max(leaves, key=lambda n: (ds.get(n, -1), n))
    dw = lay.bfs(switch)
    exit_room = max((n for n in lay.adj if n != switch), key=lambda n: (dw.get(n, -1) + ds.get(n, -1), n))
    sp = R.spot(b, rng, lay.rooms[spawn])
    b.set_spawn(*sp, rng.choice([-1, 1]))
    sw = R.spot(b, rng, lay.rooms[switch])
    ex = R.spot(b, rng, lay.rooms[exit_room], avoid=(sp[0],) if exit_room == spawn else ())
    b.add_exit(ex, sw)
    n_mines = R.mines(b, rng, lay, {spawn, switch, exit_room}, P.lerp(0, 2, d), {sp, sw, ex})
    P.gold(b, rng, [(lay.rooms[n].i0 + 1, lay.rooms[n].top) for n in leaves], len(leaves))
    return {"floors": n_floors, "rooms": len(lay.rooms), "dead_ends": len(leaves),
            "hidden_routes": len(lay.extra), "links": [ln.kind for ln in lay.tree + lay.extra],
            "mines": n_mines, "switch_hops": ds.get(switch, 0)}
