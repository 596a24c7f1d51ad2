"""Everything about a level that does not change while it is played, built once and cached.

:func:`level_static` returns a :class:`LevelStatic` for a :class:`~npp_rl.envs.level.LevelLayout`,
memoised by the layout's content hash (an LRU of ``CACHE_SIZE`` levels): the solid-pixel mask, the
two image base rasters, the free-space grid, the geodesic distance fields to the exit switches and to
the exit doors, and the static topology of the level graph.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from . import geodesic, raster
from .level import E_EXIT, E_SWITCH, LevelLayout
from .tiles import solid_mask

CACHE_SIZE = 4096
NINJA_RADIUS = 10.0
SWITCH_RADIUS = 6.0
EXIT_RADIUS = 12.0


@dataclass
class LevelStatic:
    layout: LevelLayout
    solid: np.ndarray  # (600, 1056) bool
    pf_base: np.ndarray  # padded half-resolution tile raster, uint8
    gv_base: np.ndarray  # (100, 176) uint8
    free: np.ndarray  # (100, 176) bool
    dist_switch: np.ndarray  # (100, 176) float32 px to the nearest exit switch
    dist_exit: np.ndarray  # (100, 176) float32 px to the nearest exit door
    dist_scale: float  # px: spawn->switch + switch->exit geodesic length (>= 100), normaliser
    graph: object = None  # npp_rl.envs.graph.GraphTopology, built on first use

    @property
    def key(self) -> str:
        return self.layout.key

    def goal_distance(self, x: float, y: float, switch_done: bool) -> float:
        f = self.dist_exit if switch_done else self.dist_switch
        return float(geodesic.sample(f, x, y))


_CACHE: OrderedDict[str, LevelStatic] = OrderedDict()


def _finite_max(f: np.ndarray) -> float:
    m = f[f < geodesic.UNREACHABLE]
    return float(m.max()) if m.size else 0.0


def build_static(layout: LevelLayout) -> LevelStatic:
    solid = solid_mask(layout.tiles)
    free = geodesic.free_grid(solid)
    et = layout.ent_type
    sw = [(x, y) for t, x, y in zip(et, layout.ent_x, layout.ent_y, strict=True) if t == E_SWITCH]
    ex = [(x, y) for t, x, y in zip(et, layout.ent_x, layout.ent_y, strict=True) if t == E_EXIT]
    d_sw = geodesic.distance_field(free, sw, NINJA_RADIUS + SWITCH_RADIUS)
    d_ex = geodesic.distance_field(free, ex, NINJA_RADIUS + EXIT_RADIUS)
    # Clamp unreachable points to just beyond the farthest reachable one so the potential is bounded.
    for f in (d_sw, d_ex):
        f[f >= geodesic.UNREACHABLE] = _finite_max(f) + 100.0
    sx, sy = layout.spawn
    a = float(geodesic.sample(d_sw, sx, sy))
    b = 0.0
    if sw:
        b = min(float(geodesic.sample(d_ex, x, y)) for x, y in sw)
    return LevelStatic(
        layout=layout,
        solid=solid,
        pf_base=raster.player_frame_base(solid),
        gv_base=raster.global_view_base(solid),
        free=free,
        dist_switch=d_sw,
        dist_exit=d_ex,
        dist_scale=max(100.0, a + b),
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


def graph_topology(st: LevelStatic):
    """The level graph's static topology (built once per level)."""
    if st.graph is None:
        from .graph import build_topology

        st.graph = build_topology(st)
    return st.graph
