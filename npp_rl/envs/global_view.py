"""``global_view``: (100, 176, 1) uint8, the whole 1056x600 level at 1/6 scale.

The tile raster (area-averaged, so slopes and thin walls show as partial grey) is built once per level;
per step it is copied and the entities (at least one pixel each), closed doors and the ninja (a disc
of radius 2 pixels, white) are drawn over it with the palette of :mod:`npp_rl.envs.raster`.
"""

from __future__ import annotations

from numba import njit

from npp_rl.sim.core import N_X, N_Y

from . import raster
from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from .player_frame import draw_entities
from .raster import GV_SCALE, draw_disc

ensure_fresh()


@njit(cache=True)
def global_views(ws, nin, ent, n_ent, bases, out, pal):
    """For the worlds ``ws``, fill ``out`` (len(ws), 100, 176, 1) uint8 from ``bases`` (N, 100, 176)."""
    inv = 1.0 / GV_SCALE
    for q in range(ws.shape[0]):
        w = ws[q]
        img = out[q, :, :, 0]
        img[:, :] = bases[w]
        draw_entities(img, ent[w], n_ent[w], 0.0, 0.0, inv, pal)
        draw_disc(img, nin[w, N_X] * inv, nin[w, N_Y] * inv, 2.0, pal[raster.P_NINJA])
