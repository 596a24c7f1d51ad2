"""Everything about a level that does not change while it is played, built once and cached.

:func:`level_static` returns a :class:`LevelStatic` for a :class:`~npp_rl.envs.level.LevelLayout`,
memoised by the layout's content hash (an LRU of ``CACHE_SIZE`` levels): the solid-pixel mask, the
two image base rasters, the free-space grid, the *goal plan* with one geodesic distance field per goal,
and the static topology of the level graph.

Goal plan: the exit switch, then the exit door, with a locked door's switch inserted before a goal
that its closed door cuts off (closed locked doors are walls in the free-space grid until their
switch is planned; among several, the nearest reachable switch first, as a player would). Each goal's
distance field is computed with the doors still closed at that point of the plan.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from npp_rl.levels import geodesic

from . import raster
from .level import E_DOOR_LOCKED, E_EXIT, E_SWITCH, LevelLayout
from .tiles import solid_mask

CACHE_SIZE = 4096
NINJA_RADIUS = 10.0
SWITCH_RADIUS = 6.0
EXIT_RADIUS = 12.0
DOOR_SWITCH_RADIUS = 5.0
MAX_GOALS = 6
#: goal kinds: reached when the entity row turns inactive (exit switch) / final (exit door) / reached
#: when the door row opens (locked door, through its switch)
GOAL_SWITCH, GOAL_EXIT, GOAL_DOOR = 0, 1, 2


@dataclass
class LevelStatic:
    layout: LevelLayout
    solid: np.ndarray  # (600, 1056) bool
    pf_base: np.ndarray  # padded half-resolution tile raster, uint8
    gv_base: np.ndarray  # (100, 176) uint8
    free: np.ndarray  # (100, 176) bool, all doors open
    goal_fields: np.ndarray  # (G, 100, 176) float32 px to each goal of the plan
    goal_rows: np.ndarray  # (G,) int64 simulator entity row of each goal
    goal_kind: np.ndarray  # (G,) int64 GOAL_SWITCH / GOAL_EXIT / GOAL_DOOR
    goal_xy: np.ndarray  # (G, 2) float64 goal positions px
    goal_rest: np.ndarray  # (G,) float64 plan length after reaching goal k (sum of the later legs)
    dist_scale: float  # px: whole plan length from the spawn (>= 100), normaliser
    graph: object = None  # npp_rl.envs.graph.topology.GraphTopology, built on first use

    @property
    def key(self) -> str:
        return self.layout.key

    @property
    def n_goals(self) -> int:
        return int(self.goal_rows.shape[0])

    def remaining(self, x: float, y: float, k: int = 0) -> float:
        """Remaining plan length from (x, y) when goal ``k`` is the current one."""
        if self.n_goals == 0:
            return 0.0
        return float(geodesic.sample(self.goal_fields[k], x, y)) + float(self.goal_rest[k])


_CACHE: OrderedDict[str, LevelStatic] = OrderedDict()


def _finite_max(f: np.ndarray) -> float:
    m = f[f < geodesic.UNREACHABLE]
    return float(m.max()) if m.size else 0.0


def _door_mask(solid: np.ndarray, doors) -> np.ndarray:
    """``solid`` with closed door segments (24 px long, 3 px thick) drawn in."""
    out = solid.copy()
    for dx, dy, vertical in doors:
        x0, x1, y0, y1 = (dx - 1.5, dx + 1.5, dy - 12, dy + 12) if vertical else (dx - 12, dx + 12, dy - 1.5, dy + 1.5)
        out[max(int(y0), 0) : int(np.ceil(y1)), max(int(x0), 0) : int(np.ceil(x1))] = True
    return out


def _plan(layout: LevelLayout, solid: np.ndarray, free_open: np.ndarray):
    """Goals (row, kind, x, y, field) in order; see the module docstring."""
    et = layout.ent_type
    sw = np.flatnonzero(et == E_SWITCH)
    if sw.size == 0:
        return []
    s_row = int(sw[0])
    e_row = int(layout.ent_partner[s_row]) if layout.ent_partner[s_row] >= 0 else int(np.flatnonzero(et == E_EXIT)[0])
    locked = [int(r) for r in np.flatnonzero(et == E_DOOR_LOCKED)]
    door = {r: (layout.ent_door_x[r], layout.ent_door_y[r], int(layout.ent_orient[r]) % 8 in (0, 4)) for r in locked}
    cache = {}

    def free_for(closed):
        key = frozenset(closed)
        if key not in cache:
            if closed:
                s2 = _door_mask(solid, [door[d] for d in closed])
                f2 = geodesic.free_grid(s2)
            else:
                s2, f2 = solid, free_open
            cache[key] = (f2, geodesic.climbable(s2, f2))
        return cache[key]

    def field(fc, x, y, reach, start):
        return geodesic.distance_field(fc[0], [(x, y)], reach, climb=fc[1], start=start)

    goals = []
    pos = layout.spawn
    closed = set(locked)
    targets = ((s_row, GOAL_SWITCH, SWITCH_RADIUS), (e_row, GOAL_EXIT, EXIT_RADIUS))
    for row, kind, rad in targets:
        gx, gy = float(layout.ent_x[row]), float(layout.ent_y[row])
        for _ in range(len(locked) + 1):
            fc = free_for(closed)
            f = field(fc, gx, gy, NINJA_RADIUS + rad, pos)
            if geodesic.sample(f, *pos) < geodesic.UNREACHABLE or not closed:
                break
            best = None
            for d in sorted(closed):
                fd = field(fc, layout.ent_x[d], layout.ent_y[d], NINJA_RADIUS + DOOR_SWITCH_RADIUS, pos)
                dd = geodesic.sample(fd, *pos)
                if dd < geodesic.UNREACHABLE and (best is None or dd < best[0]):
                    best = (dd, d, fd)
            if best is None:  # no door switch helps: plan through the doors
                f = field(free_for(set()), gx, gy, NINJA_RADIUS + rad, pos)
                break
            _, d, fd = best
            goals.append((d, GOAL_DOOR, float(layout.ent_x[d]), float(layout.ent_y[d]), fd))
            closed.discard(d)
            pos = (float(layout.ent_x[d]), float(layout.ent_y[d]))
        goals.append((row, kind, gx, gy, f))
        pos = (gx, gy)
    if len(goals) > MAX_GOALS:  # keep the last ones (the exit and what leads to it)
        goals = goals[-MAX_GOALS:]
    return goals


def build_static(layout: LevelLayout) -> LevelStatic:
    solid = solid_mask(layout.tiles)
    free = geodesic.free_grid(solid)
    goals = _plan(layout, solid, free)
    G = len(goals)
    fields = np.zeros((G, geodesic.FH, geodesic.FW), np.float32)
    legs = np.zeros(G)
    pos = layout.spawn
    for k, (_, _, gx, gy, f) in enumerate(goals):
        f = f.copy()
        f[f >= geodesic.UNREACHABLE] = _finite_max(f) + 100.0  # bounded potential where unreachable
        fields[k] = f
        legs[k] = geodesic.sample(f, *pos)
        pos = (gx, gy)
    rest = np.array([legs[k + 1 :].sum() for k in range(G)])
    return LevelStatic(
        layout=layout,
        solid=solid,
        pf_base=raster.player_frame_base(solid),
        gv_base=raster.global_view_base(solid),
        free=free,
        goal_fields=fields,
        goal_rows=np.array([g[0] for g in goals], np.int64),
        goal_kind=np.array([g[1] for g in goals], np.int64),
        goal_xy=np.array([(g[2], g[3]) for g in goals], np.float64).reshape(G, 2),
        goal_rest=rest,
        dist_scale=max(100.0, float(legs.sum())),
    )


def level_static(layout: LevelLayout) -> LevelStatic:
    """The cached :class:`LevelStatic` of ``layout`` (built on first request)."""
    st = _CACHE.get(layout.key)
    if st is not None:
        _CACHE.move_to_end(layout.key)
        return st
    st = build_static(layout)
    _CACHE[layout.key] = st
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return st
