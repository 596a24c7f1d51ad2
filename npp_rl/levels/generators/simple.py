"""simple: one short room; walk over ramps of every shape, with at most one jump (a block or a pit) or one
drop (from a ledge); switch between the spawn and the exit. Difficulty lengthens the room, adds ramps and
raises the one obstacle from a hop to a full jump."""

from __future__ import annotations

import random

from ..builder import COLS, FULL, ROWS, LevelBuilder
from . import _parts as P

LAYOUTS = ("run", "hill", "drop", "hop", "pit")


def generate(rng: random.Random, b: LevelBuilder, d: float) -> dict:
    layout = rng.choice(LAYOUTS)
    w = P.lerp(8, 20, d) + rng.randint(0, 4)
    h = rng.randint(3, 4) + (1 if layout in ("hill", "drop") else 0) + (1 if d > 0.6 and rng.random() < 0.5 else 0)
    i0 = rng.randint(0, COLS - w)
    j0 = rng.randint(1, ROWS - 3 - h)
    i1, jf = i0 + w - 1, j0 + h - 1
    b.carve(i0, j0, i1, jf)
    left = rng.random() < 0.5
    d_ = 1 if left else -1
    spawn_i, exit_i = (i0, i1) if left else (i1, i0)
    lo, hi = min(spawn_i, exit_i), max(spawn_i, exit_i)
    switch_i = rng.randint(lo + 3, hi - 3)
    keep = {spawn_i, exit_i, switch_i}
    feat: dict = {"layout": layout, "size": (w, h)}
    if layout == "drop":  # spawn on a ledge 1-2 cells up; drop off its edge (or walk down a ramp)
        k = 1 + (1 if d > 0.4 and rng.random() < 0.6 else 0)
        edge = spawn_i + d_ * rng.randint(2, max(2, w // 3 - 1))
        cols = range(min(spawn_i, edge), max(spawn_i, edge) + 1)
        for c in cols:
            b.carve(c, jf - k + 1, c, jf, FULL)
        fl = P.Floor(i0, i1, jf)
        for c in cols:
            fl.row[c] = jf - k
        if k == 1 and rng.random() < 0.5:  # a ramp down instead of the drop
            c = edge + d_
            b.set(c, jf, rng.choice(P.RISE_LEFT if left else P.RISE_RIGHT))
            fl.ramps.add(c)
        switch_i = edge + d_ * rng.randint(2, max(2, abs(exit_i - edge) - 2))
        keep = {exit_i, switch_i}
        feat["ledge"] = k
    else:
        changes = {"run": rng.randint(0, 1 + P.lerp(0, 2, d)), "hill": rng.randint(2, 2 + P.lerp(0, 2, d))}
        fl = P.terrain(b, rng, i0, i1, jf, max_rise=min(2, h - 3) if layout == "hill" else 1,
                       changes=changes.get(layout, rng.randint(0, 1)), keep=keep, ramp_p=1.0, max_steps=0)
        if layout in ("hop", "pit"):  # the one jump: a block (1 cell, 2 at high difficulty) or a pit
            free = [c for c in fl.flat if lo + 2 <= c <= hi - 2 and all(abs(c - k) > 1 for k in keep)
                    and fl.row[c] == jf]
            if free:
                c = rng.choice(free)
                if layout == "hop":
                    tall = 2 if d > 0.5 and h >= 5 and rng.random() < 0.5 else 1
                    b.carve(c, jf - tall + 1, c, jf, FULL)
                    fl.ramps.add(c)
                    feat["block"] = tall
                elif jf + 2 < ROWS:
                    width = 1 + (1 if d > 0.5 and rng.random() < 0.5 else 0)
                    cs = [c, c + 1] if width == 2 and c + 1 in free else [c]
                    depth = 1 + (1 if d > 0.3 and rng.random() < 0.5 else 0)
                    for x in cs:
                        b.carve(x, jf + 1, x, jf + depth)
                        fl.ramps.add(x)
                    feat["pit"] = (len(cs), depth)
        feat["bumps"] = P.half_bumps(b, rng, fl, rng.randint(0, P.lerp(0, 2, d)), keep)
    P.corners(b, rng, i0, i1, j0, fl)
    P.ceiling(b, rng, i0 + 1, i1 - 1, j0, fl, 0.25)
    P.walls(b, rng, i0, i1, j0, fl, 0.3)
    feat["ramps"] = len(fl.ramps)
    b.set_spawn(*fl.stand(spawn_i), d_)
    if switch_i in fl.ramps or not b.is_empty(*fl.stand(switch_i)):
        switch_i = min((c for c in fl.flat if c != exit_i and c != spawn_i),
                       key=lambda c: (abs(c - switch_i), c))
    b.add_exit(fl.stand(exit_i), fl.stand(switch_i))
    P.gold(b, rng, [(c, fl.row[c] - 1) for c in fl.flat if lo < c < hi], rng.randint(0, 3))
    feat["mines"] = 0
    return feat
