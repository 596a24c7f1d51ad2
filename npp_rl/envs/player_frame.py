"""``player_frame``: 84x84x1 uint8, the level around the ninja at half resolution.

One pixel is 2x2 px of the level, so the frame covers 168 x 168 px (7 x 7 cells) centred on the
ninja. The tile raster of each level is built once (:func:`npp_rl.envs.raster.player_frame_base`,
padded with tile grey so crops near the border read as wall); per step the crop is copied and the
dynamic objects are drawn over it: entities (grey level per kind and state, see
:mod:`npp_rl.envs.raster`), closed doors, and last the ninja (white disc, radius 5 pixels).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from npp_rl.sim.core import E_ACTIVE, E_DX, E_DY, E_STATE, E_TYPE, E_VERT, E_X, E_Y, N_X, N_Y

from . import raster
from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from .raster import PF_PAD, PF_SCALE, PF_SIZE, draw_disc, draw_rect

ensure_fresh()


@njit(cache=True)
def entity_look(t, state, active, pal):
    """(grey, radius px) of an entity for drawing (``pal`` = raster.PALETTE); grey 0 = not drawn."""
    if t == 1.0 or t == 21.0:
        if state == 1.0:
            return pal[raster.P_MINE_SAFE], 3.5
        return pal[raster.P_MINE_DEADLY], 4.0 if state == 0.0 else 4.5
    if t == 2.0:
        return (pal[raster.P_GOLD], 6.0) if active != 0.0 else (0, 0.0)
    if t == 3.0:
        return (pal[raster.P_EXIT_OPEN], 12.0) if state != 0.0 else (pal[raster.P_EXIT_CLOSED], 12.0)
    if t == 4.0:
        return (pal[raster.P_SWITCH], 6.0) if active != 0.0 else (pal[raster.P_SWITCH_DONE], 6.0)
    if t == 6.0 or t == 8.0:
        return (pal[raster.P_SWITCH], 5.0) if active != 0.0 else (0, 0.0)
    if t == 5.0:
        return 0, 0.0
    if t == 14.0 or t == 25.0:
        return pal[raster.P_HAZARD], 7.5 if t == 14.0 else 5.0
    if t == 26.0:
        return pal[raster.P_HAZARD], 4.0
    if t == 20.0:
        return pal[raster.P_HAZARD], 9.0
    if t == 28.0:
        return pal[raster.P_HAZARD], 12.0
    if active == 0.0:
        return 0, 0.0
    return pal[raster.P_OTHER], 6.0


@njit(cache=True)
def draw_entities(img, ent, ne, ox, oy, inv, pal):
    """Draw entities into ``img``; level px (x, y) maps to image ((x - ox) * inv, (y - oy) * inv)."""
    for e in range(ne):
        t = ent[e, E_TYPE]
        st = ent[e, E_STATE]
        if (t == 5.0 or t == 6.0 or t == 8.0) and st == 1.0:
            cx = (ent[e, E_DX] - ox) * inv
            cy = (ent[e, E_DY] - oy) * inv
            half = 12.0 * inv
            th = max(1.5 * inv, 0.5)
            if ent[e, E_VERT] != 0.0:
                draw_rect(img, cx - th, cy - half, cx + th, cy + half, pal[raster.P_DOOR])
            else:
                draw_rect(img, cx - half, cy - th, cx + half, cy + th, pal[raster.P_DOOR])
        g, r = entity_look(t, st, ent[e, E_ACTIVE], pal)
        if g == 0:
            continue
        draw_disc(img, (ent[e, E_X] - ox) * inv, (ent[e, E_Y] - oy) * inv, r * inv, g)


@njit(cache=True)
def player_frames(ws, nin, ent, n_ent, bases, out, pal):
    """For the worlds ``ws``, fill ``out`` (len(ws), 84, 84, 1) uint8 from the padded base rasters
    ``bases`` (N, H, W); ``pal`` = :data:`npp_rl.envs.raster.PALETTE`."""
    inv = 1.0 / PF_SCALE
    for q in range(ws.shape[0]):
        w = ws[q]
        x = nin[w, N_X]
        y = nin[w, N_Y]
        # top-left of the crop in half-resolution pixels of the unpadded raster
        c0 = int(np.floor(x * inv)) - PF_SIZE // 2
        r0 = int(np.floor(y * inv)) - PF_SIZE // 2
        rr = min(max(r0 + PF_PAD, 0), bases.shape[1] - PF_SIZE)
        cc = min(max(c0 + PF_PAD, 0), bases.shape[2] - PF_SIZE)
        img = out[q, :, :, 0]
        img[:, :] = bases[w, rr : rr + PF_SIZE, cc : cc + PF_SIZE]
        ox = (cc - PF_PAD) * PF_SCALE
        oy = (rr - PF_PAD) * PF_SCALE
        draw_entities(img, ent[w], n_ent[w], ox, oy, inv, pal)
        draw_disc(img, (x - ox) * inv, (y - oy) * inv, 10.0 * inv, pal[raster.P_NINJA])
