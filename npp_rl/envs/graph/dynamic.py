"""Per-step part of the level graph, batched over worlds (see :mod:`npp_rl.envs.graph.topology` for the layout).

Only the dynamic features and edges change: the ninja node, every node's offset to the ninja, entity
states (and positions of moving hazards), the goal columns after the exit switch is hit, the ninja's
``on`` edge to its nearest platform and its ``near`` edges to objects (within ``NEAR_RADIUS`` px and in line of
sight through non-solid 6-px cells).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from npp_rl.levels.geodesic import FH, FW, STEP
from npp_rl.sim.core import E_ACTIVE, E_STATE, E_X, E_Y, MAX_HOR_SPEED, N_AIR, N_VX, N_VY, N_X, N_Y

from .. import spec
from .._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from ..dynamic import G_GEO, G_K
from .topology import NEAR_K, NEAR_RADIUS, ST_DOOR, ST_EXIT, ST_MINE, ST_MOVING

ensure_fresh()

ET_ON = spec.EDGE_TYPE_ID["on"]
ET_NEAR = spec.EDGE_TYPE_ID["near"]


@njit(cache=True, inline="always")
def _clip(v):
    return min(1.0, max(-1.0, v))


@njit(cache=True)
def line_of_sight(open_grid, x0, y0, x1, y1, skip_end):
    """Whether the segment (x0, y0) -> (x1, y1) stays in non-solid 6-px cells, ignoring its last
    ``skip_end`` px (objects may sit partly inside a wall)."""
    dx = x1 - x0
    dy = y1 - y0
    d = np.sqrt(dx * dx + dy * dy)
    if d <= skip_end:
        return True
    n = int((d - skip_end) / 3.0) + 1
    for k in range(n + 1):
        t = (k * 3.0) / d
        if t > 1.0:
            break
        i = min(max(int((x0 + dx * t) / STEP), 0), FW - 1)
        j = min(max(int((y0 + dy * t) / STEP), 0), FH - 1)
        if not open_grid[j, i]:
            return False
    return True


@njit(cache=True)
def graph_step(ws, nin, ent, n_ent, ginfo, scale, feats0, n_nodes, n_plat, n_static, node_x, node_y,
               node_goal, node_is_goal, row_node, row_kind, plat_map, open_grid, eidx0, etype0,
               feats, eidx, etype, emask):
    """For the worlds ``ws`` (output row q = world ws[q]; ``ginfo`` rows follow ``ws``), write the
    node features ``feats`` (len(ws), M, F) and all edges (static ones copied from ``eidx0``/``etype0``,
    then the dynamic ones). Output arrays must be zero beyond the edges written (fresh arrays)."""
    M = feats.shape[1]
    acc = np.zeros(M)
    cnt = np.zeros(M)
    near_d = np.empty(NEAR_K)
    near_n = np.empty(NEAR_K, np.int64)
    for q in range(ws.shape[0]):
        w = ws[q]
        x = nin[w, N_X]
        y = nin[w, N_Y]
        nn = n_nodes[w]
        gk = int(ginfo[q, G_K])
        f = feats[q]
        f[:nn, :] = feats0[w, :nn, :]
        for k in range(1, nn):
            f[k, 2] = _clip((node_x[w, k] - x) / 528.0)
            f[k, 3] = _clip((node_y[w, k] - y) / 300.0)
            f[k, 10] = node_goal[w, gk, k]
            f[k, 11] = node_is_goal[w, gk, k]
        f[0, 0] = _clip(2.0 * x / 1056.0 - 1.0)
        f[0, 1] = _clip(2.0 * y / 600.0 - 1.0)
        f[0, 2] = 0.0
        f[0, 3] = 0.0
        f[0, 6] = _clip(nin[w, N_VX] / MAX_HOR_SPEED)
        f[0, 7] = _clip(nin[w, N_VY] / 10.0)
        f[0, 8] = 1.0 if nin[w, N_AIR] != 0.0 else -1.0
        f[0, 10] = _clip(2.0 * ginfo[q, G_GEO] / scale[w] - 1.0)
        f[0, 11] = 0.0
        # entity states
        for k in range(nn):
            acc[k] = 0.0
            cnt[k] = 0.0
        for e in range(n_ent[w]):
            kind = row_kind[w, e]
            for s in range(2):
                node = row_node[w, e, s]
                if node < 0:
                    continue
                st = ent[w, e, E_STATE]
                act = ent[w, e, E_ACTIVE] != 0.0
                if s == 1:
                    v = 1.0 if act else -1.0  # a door's switch
                elif kind == ST_MINE:
                    v = 1.0 if st == 0.0 else (-1.0 if st == 1.0 else 0.0)
                elif kind == ST_EXIT:
                    v = 1.0 if st != 0.0 else -1.0
                elif kind == ST_DOOR:
                    v = 1.0 if st == 1.0 else -1.0
                else:
                    v = 1.0 if act else -1.0
                    if kind == ST_MOVING:
                        ex = ent[w, e, E_X]
                        ey = ent[w, e, E_Y]
                        f[node, 0] = _clip(2.0 * ex / 1056.0 - 1.0)
                        f[node, 1] = _clip(2.0 * ey / 600.0 - 1.0)
                        f[node, 2] = _clip((ex - x) / 528.0)
                        f[node, 3] = _clip((ey - y) / 300.0)
                acc[node] += v
                cnt[node] += 1.0
        for k in range(nn):
            if cnt[k] > 0:
                f[k, 8] = acc[k] / cnt[k]
        # static edges, then dynamic ones
        base = n_static[w]
        for r in range(base):
            eidx[q, 0, r] = eidx0[w, 0, r]
            eidx[q, 1, r] = eidx0[w, 1, r]
            etype[q, r] = etype0[w, r]
            emask[q, r] = 1.0
        wq = q
        q = base
        i = min(max(int(x / STEP), 0), FW - 1)
        j = min(max(int(y / STEP), 0), FH - 1)
        p = plat_map[w, j, i]
        if p >= 0:
            eidx[wq, 0, q] = 0.0
            eidx[wq, 1, q] = p
            etype[wq, q] = ET_ON
            emask[wq, q] = 1.0
            eidx[wq, 0, q + 1] = p
            eidx[wq, 1, q + 1] = 0.0
            etype[wq, q + 1] = ET_ON
            emask[wq, q + 1] = 1.0
            q += 2
        nk = 0
        r2 = NEAR_RADIUS * NEAR_RADIUS
        for k in range(1 + n_plat[w], nn):
            dx = (f[k, 0] + 1.0) * 528.0 - x
            dy = (f[k, 1] + 1.0) * 300.0 - y
            d = dx * dx + dy * dy
            if d > r2:
                continue
            if nk == NEAR_K and d >= near_d[NEAR_K - 1]:
                continue
            if not line_of_sight(open_grid[w], x, y, x + dx, y + dy, 12.0):
                continue
            m = nk if nk < NEAR_K else NEAR_K - 1
            while m > 0 and near_d[m - 1] > d:
                near_d[m] = near_d[m - 1]
                near_n[m] = near_n[m - 1]
                m -= 1
            near_d[m] = d
            near_n[m] = k
            if nk < NEAR_K:
                nk += 1
        for m in range(nk):
            eidx[wq, 0, q] = 0.0
            eidx[wq, 1, q] = near_n[m]
            etype[wq, q] = ET_NEAR
            emask[wq, q] = 1.0
            eidx[wq, 0, q + 1] = near_n[m]
            eidx[wq, 1, q + 1] = 0.0
            etype[wq, q + 1] = ET_NEAR
            emask[wq, q + 1] = 1.0
            q += 2
