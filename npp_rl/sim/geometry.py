"""Level geometry and static tables: tiles -> collision segments (per 24-px cell) and grid edges.

Built once per level in plain numpy (NPP_MECHANICS.md section 3). The result feeds the compiled core
(:mod:`npp_rl.sim.core`). Segment rows (``SEG_FIELDS`` float64 columns, see ``S_*``):

* kind 0: oriented line segment p1 -> p2 (tiles); kind 1: door segment (never back-facing, active only while
  its door entity is closed); kind 2: quarter-circle arc (centre, quadrant signs, convex flag, radius 24).

Segments are filed under cells; within a cell the order is: the tile's own diagonal/arc, then orthogonal
12-px pieces (horizontal keys in (hx, hy) order, then vertical keys), then door segments in file order.
This order decides ties in the closest-point search, so it is part of the rules.
"""

from __future__ import annotations

import math

import numpy as np

GRID_W, GRID_H = 44, 25
N_CELLS = GRID_W * GRID_H
HALF_W, HALF_H = 89, 51

S_KIND, S_X1, S_Y1, S_X2, S_Y2, S_PX, S_PY, S_LENSQ = 0, 1, 2, 3, 4, 5, 6, 7
S_BX1, S_BY1, S_BX2, S_BY2 = 8, 9, 10, 11
S_OWNER, S_HOR, S_VER, S_CONVEX = 12, 13, 14, 15
S_PHX, S_PHY, S_PVX, S_PVY = 16, 17, 18, 19
S_LEN, S_NX, S_NY = 20, 21, 22
SEG_FIELDS = 23

# 12 entries per tile: 6 horizontal half-edges (rows y=0,12,24; left then right), 6 vertical (cols x=0,12,24;
# top then bottom). Grid edges: 1 where a solid boundary lies (XOR-accumulated); ortho: -1 faces up/left,
# +1 faces down/right (summed, so facing pairs cancel).
GRID_EDGES = {
    0: "000000000000", 1: "110011110011", 2: "111100100010", 3: "010001001111", 4: "001111010001",
    5: "100010111100", 6: "110110110110", 7: "111001100111", 8: "011011011011", 9: "100111111001",
    10: "110011110011", 11: "110011110011", 12: "110011110011", 13: "110011110011",
    14: "110110110110", 15: "111001100111", 16: "011011011011", 17: "100111111001",
    18: "111100100010", 19: "111100100010", 20: "001111010001", 21: "001111010001",
    22: "110011110011", 23: "110011110011", 24: "110011110011", 25: "110011110011",
    26: "100010111100", 27: "010001001111", 28: "010001001111", 29: "100010111100",
    30: "110011110011", 31: "110011110011", 32: "110011110011", 33: "110011110011",
}
_O = {"-": -1, "0": 0, "+": 1}
ORTHO = {
    0: "000000000000", 1: "--00++--00++", 2: "--++00-000+0", 3: "0-000+00--++", 4: "00--++0-000+",
    5: "-000+0--++00", 6: "--0000--0000", 7: "--00000000++", 8: "0000++0000++", 9: "0000++--0000",
    10: "--0000--0000", 11: "--00000000++", 12: "0000++0000++", 13: "0000++--0000",
    14: "--0000--0000", 15: "--00000000++", 16: "0000++0000++", 17: "0000++--0000",
    18: "--0000-00000", 19: "--00000000+0", 20: "0000++00000+", 21: "0000++0-0000",
    22: "--0000--00+0", 23: "--0000-000++", 24: "0000++0-00++", 25: "0000++--000+",
    26: "-00000--0000", 27: "0-00000000++", 28: "00000+0000++", 29: "0000+0--0000",
    30: "--00+0--0000", 31: "--000+0000++", 32: "0-00++0000++", 33: "-000++--0000",
}
DIAG = {
    6: ((0, 24), (24, 0)), 7: ((0, 0), (24, 24)), 8: ((24, 0), (0, 24)), 9: ((24, 24), (0, 0)),
    18: ((0, 12), (24, 0)), 19: ((0, 0), (24, 12)), 20: ((24, 12), (0, 24)), 21: ((24, 24), (0, 12)),
    22: ((0, 24), (24, 12)), 23: ((0, 12), (24, 24)), 24: ((24, 0), (0, 12)), 25: ((24, 12), (0, 0)),
    26: ((0, 24), (12, 0)), 27: ((12, 0), (24, 24)), 28: ((24, 0), (12, 24)), 29: ((12, 24), (0, 0)),
    30: ((12, 24), (24, 0)), 31: ((0, 0), (12, 24)), 32: ((12, 0), (0, 24)), 33: ((24, 24), (12, 0)),
}
ARCS = {  # centre offset, quadrant (hor, ver), convex
    10: ((0, 0), (1, 1), True), 11: ((24, 0), (-1, 1), True), 12: ((24, 24), (-1, -1), True),
    13: ((0, 24), (1, -1), True), 14: ((24, 24), (-1, -1), False), 15: ((0, 24), (1, -1), False),
    16: ((0, 0), (1, 1), False), 17: ((24, 0), (-1, 1), False),
}
#: tiles 34-37 ("glitched"): no collision at all, as in nclone and (as far as known) the shipped game data.
GLITCHED = (34, 35, 36, 37)


def _linear(x1, y1, x2, y2, kind=0, owner=-1):
    row = np.zeros(SEG_FIELDS)
    row[S_KIND] = kind
    row[S_X1], row[S_Y1], row[S_X2], row[S_Y2] = x1, y1, x2, y2
    px, py = x2 - x1, y2 - y1
    row[S_PX], row[S_PY] = px, py
    lensq = px * px + py * py
    row[S_LENSQ] = lensq if lensq != 0 else 1e-9
    row[S_BX1], row[S_BY1] = min(x1, x2), min(y1, y2)
    row[S_BX2], row[S_BY2] = max(x1, x2), max(y1, y2)
    row[S_OWNER] = owner
    seg_len = math.sqrt(px * px + py * py)  # as the sweep computes it, once per level
    row[S_LEN] = seg_len
    if seg_len > 0:
        row[S_NX], row[S_NY] = px / seg_len, py / seg_len
    return row


def _arc(cx, cy, hor, ver, convex):
    row = np.zeros(SEG_FIELDS)
    row[S_KIND] = 2
    row[S_X1], row[S_Y1] = cx, cy
    row[S_HOR], row[S_VER], row[S_CONVEX] = hor, ver, 1.0 if convex else 0.0
    row[S_PHX], row[S_PHY] = cx + 24 * hor, cy
    row[S_PVX], row[S_PVY] = cx, cy + 24 * ver
    row[S_BX1], row[S_BX2] = min(cx, cx + 24 * hor), max(cx, cx + 24 * hor)
    row[S_BY1], row[S_BY2] = min(cy, cy + 24 * ver), max(cy, cy + 24 * ver)
    row[S_OWNER] = -1
    return row


def full_tiles(tiles: np.ndarray) -> np.ndarray:
    """(44, 25) tile ids indexed [x, y], the inner 42x23 grid surrounded by solid tiles."""
    full = np.ones((GRID_W, GRID_H), dtype=np.int64)
    full[1:43, 1:24] = np.asarray(tiles, dtype=np.int64).T
    return full


def build_tile_geometry(tiles: np.ndarray):
    """Return (cell_segments: list of 1100 lists of segment rows, hor_edges, ver_edges) for a level."""
    full = full_tiles(tiles)
    cells: list[list[np.ndarray]] = [[] for _ in range(N_CELLS)]
    hor_acc = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    ver_acc = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    hor_edge = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    ver_edge = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    hor_edge[:, 0] = 1
    hor_edge[:, 50] = 1
    ver_edge[0, :] = 1
    ver_edge[88, :] = 1
    for x in range(GRID_W):
        for y in range(GRID_H):
            t = int(full[x, y])
            if t == 0 or t in GLITCHED:
                continue
            ge = [int(c) for c in GRID_EDGES[t]]
            og = [_O[c] for c in ORTHO[t]]
            for j in range(3):
                for i in range(2):
                    hor_edge[2 * x + i, 2 * y + j] = (hor_edge[2 * x + i, 2 * y + j] + ge[2 * j + i]) % 2
                    hor_acc[2 * x + i, 2 * y + j] += og[2 * j + i]
            for i in range(3):
                for j in range(2):
                    ver_edge[2 * x + i, 2 * y + j] = (ver_edge[2 * x + i, 2 * y + j] + ge[2 * i + j + 6]) % 2
                    ver_acc[2 * x + i, 2 * y + j] += og[2 * i + j + 6]
            xt, yt = 24 * x, 24 * y
            if t in DIAG:
                (a1, b1), (a2, b2) = DIAG[t]
                cells[x * GRID_H + y].append(_linear(xt + a1, yt + b1, xt + a2, yt + b2))
            if t in ARCS:
                (cx, cy), (h, v), convex = ARCS[t]
                cells[x * GRID_H + y].append(_arc(xt + cx, yt + cy, h, v, convex))
    for hx in range(HALF_W):
        for hy in range(HALF_H):
            s = int(hor_acc[hx, hy])
            if s == 0:
                continue
            cx, cy = math.floor(hx / 2), math.floor((hy - 0.1 * s) / 2)
            p1, p2 = (12 * hx, 12 * hy), (12 * hx + 12, 12 * hy)
            if s == -1:
                p1, p2 = p2, p1
            cells[cx * GRID_H + cy].append(_linear(p1[0], p1[1], p2[0], p2[1]))
    for vx in range(HALF_W):
        for vy in range(HALF_H):
            s = int(ver_acc[vx, vy])
            if s == 0:
                continue
            cx, cy = math.floor((vx - 0.1 * s) / 2), math.floor(vy / 2)
            p1, p2 = (12 * vx, 12 * vy + 12), (12 * vx, 12 * vy)
            if s == -1:
                p1, p2 = p2, p1
            cells[cx * GRID_H + cy].append(_linear(p1[0], p1[1], p2[0], p2[1]))
    return cells, hor_edge, ver_edge


def door_segment(x: float, y: float, vertical: bool, owner: int) -> np.ndarray:
    if vertical:
        return _linear(x, y - 12, x, y + 12, kind=1, owner=owner)
    return _linear(x - 12, y, x + 12, y, kind=1, owner=owner)


def pack_cells(cells: list[list[np.ndarray]]):
    """CSR packing: (segments (n, SEG_FIELDS), cell_start (1101,), cell_bounds (1100, 4), cell_nonempty)."""
    rows = [r for c in cells for r in c]
    segs = np.array(rows, dtype=np.float64).reshape(len(rows), SEG_FIELDS)
    start = np.zeros(N_CELLS + 1, dtype=np.int32)
    bounds = np.zeros((N_CELLS, 4), dtype=np.float64)
    nonempty = np.zeros(N_CELLS, dtype=np.int8)
    k = 0
    for i, c in enumerate(cells):
        start[i] = k
        k += len(c)
        if c:
            nonempty[i] = 1
            bounds[i, 0] = min(r[S_BX1] for r in c)
            bounds[i, 1] = min(r[S_BY1] for r in c)
            bounds[i, 2] = max(r[S_BX2] for r in c)
            bounds[i, 3] = max(r[S_BY2] for r in c)
    start[N_CELLS] = k
    return segs, start, bounds, nonempty
