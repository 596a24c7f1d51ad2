"""The heterogeneous level graph (padded arrays, see :mod:`npp_rl.envs.spec`).

Nodes, in this order: index 0 the ninja; then platforms (floors and wall-slide columns, see
:mod:`npp_rl.envs.graph.build`); then one node per object: exit door, exit switch, toggle mine, gold,
door (locked, trap, regular), door switch, hazard (drones, thwumps, death balls, ...). Launch pads,
one-way platforms, bounce blocks and boost pads have no node. When a level has more mines (or gold)
than the node budget allows, nearby mines (gold) are merged into one node per square of
24*2^k px, k as small as fits; the node's ``count`` feature says how many it stands for.

Node features (``NODE_FEAT_DIM`` = 12, all in [-1, 1]):

==  ==========================================================================================
0   x of the node centre, 2*x/1056 - 1
1   y of the node centre, 2*y/600 - 1
2   (x - ninja x) / 528, clipped (0 for the ninja)                               dynamic
3   (y - ninja y) / 300, clipped (0 for the ninja)                               dynamic
4   half width / 264 (platform extent; objects: radius / 264)
5   half height / 150
6   platform surface normal x (floor: mean slope normal, wall: +1/-1); ninja: vx / 3.333   (dyn.)
7   platform surface normal y (floor < 0, wall 0); ninja: vy / 10                           (dyn.)
8   state: mine +1 deadly / 0 toggling / -1 safe (merged: mean); gold, switches, hazards +1 active,
    -1 used; exit door +1 open (its switch hit) else -1; doors +1 closed, -1 open; ninja +1 airborne
    -1 on the ground                                                              dynamic
9   count: objects this node stands for / 8 (platform: points / 64), clipped
10  geodesic distance from the node to the current goal / level scale, 2*d - 1 clipped   dynamic
11  1 if the node is the current goal of the level's plan (exit switch, a locked door's switch,
    the exit door; see :mod:`npp_rl.envs.static`)                                    dynamic
==  ==========================================================================================

Edges (types from spec.EDGE_TYPES): ``walk``/``jump``/``fall`` between platforms (static); ``on``
object <-> the platform nearest to it along free space (static) and ninja <-> its nearest platform
(dynamic); ``near`` ninja <-> objects within ``NEAR_RADIUS`` px in line of sight (up to ``NEAR_K``,
nearest first, dynamic);
``opens`` exit switch <-> exit door and door switch <-> door (static). Static edges come first; the
dynamic ones are rewritten every step after them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from npp_rl.levels.geodesic import FH, FW, STEP, UNREACHABLE

from .. import spec
from .._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from ..level import (
    DOOR_TYPES,
    E_EXIT,
    E_GOLD,
    E_SWITCH,
    HAZARD_TYPES,
    MINE_TYPES,
)
from ..static import GOAL_DOOR, MAX_GOALS
from .build import (
    FLOOR,
    K_FALL,
    K_JUMP,
    REACH_FALL,
    REACH_JUMP,
    REACH_WALLJUMP,
    SPAN,
    classify_points,
    label_components,
    reach_edges,
)

ensure_fresh()

NODE_FEAT_DIM = 12
NEAR_RADIUS = 120.0
NEAR_K = 8
N_DYN_EDGES = 2 + 2 * NEAR_K
MAX_STATIC_EDGES = spec.MAX_EDGES - N_DYN_EDGES
MAX_ENTITY_NODES = 96

NT = spec.NODE_TYPE_ID
ET = spec.EDGE_TYPE_ID
# per entity kind: node type id, radius px
_KIND = {E_EXIT: ("exit_door", 12.0), E_SWITCH: ("exit_switch", 6.0), E_GOLD: ("gold", 6.0)}
for _t in MINE_TYPES:
    _KIND[_t] = ("mine", 4.0)
for _t in HAZARD_TYPES:
    _KIND[_t] = ("hazard", 9.0)
for _t in DOOR_TYPES:
    _KIND[_t] = ("door", 12.0)
#: state encodings used by the dynamic kernel
ST_ACTIVE, ST_MINE, ST_EXIT, ST_DOOR, ST_MOVING = 0, 1, 2, 3, 4


@dataclass
class GraphTopology:
    """Static graph of one level; arrays already padded to spec.MAX_NODES / spec.MAX_EDGES."""

    n_nodes: int
    n_platforms: int
    n_static_edges: int
    node_feats: np.ndarray  # (MAX_NODES, F) float32, static columns filled
    node_type: np.ndarray  # (MAX_NODES,) float32
    node_mask: np.ndarray  # (MAX_NODES,) float32
    edge_index: np.ndarray  # (2, MAX_EDGES) float32, static part filled
    edge_type: np.ndarray  # (MAX_EDGES,) float32
    edge_mask: np.ndarray  # (MAX_EDGES,) float32
    node_x: np.ndarray  # (MAX_NODES,) float64 centre px
    node_y: np.ndarray
    node_goal: np.ndarray  # (MAX_GOALS, MAX_NODES) float32 feature 10 for each goal of the plan
    node_is_goal: np.ndarray  # (MAX_GOALS, MAX_NODES) float32 feature 11 for each goal of the plan
    row_node: np.ndarray  # (E, 2) int32 node(s) fed by each simulator entity row, -1 none
    row_kind: np.ndarray  # (E,) int32 ST_* state encoding
    plat_map: np.ndarray  # (100, 176) int32 nearest platform node per grid point, -1 none
    n_edges_by_type: dict


def _platforms(free, solid, span):
    kind = classify_points(free, solid)
    wall_ok = kind.copy()
    lab = label_components(kind)
    n = int(lab.max()) + 1 if lab.size and lab.max() >= 0 else 0
    plats = []  # (kind, js, is)
    for c in range(n):
        js, is_ = np.nonzero(lab == c)
        k = int(kind[js[0], is_[0]])
        if k != FLOOR and len(js) < 3:
            wall_ok[js, is_] = -1
            continue
        coord = is_ if k == FLOOR else js
        lo = coord.min()
        nseg = int(np.ceil((coord.max() - lo + 1) * STEP / span))
        seg = np.minimum(((coord - lo) * STEP / span).astype(int), max(nseg - 1, 0))
        for s in range(nseg):
            m = seg == s
            if m.any():
                plats.append((k, js[m], is_[m]))
    return plats


@njit(cache=True)
def _nearest_label_map(free, seeds_j, seeds_i, seeds_lab):
    """Grid map of the label of the nearest seed along free space (BFS; non-free points take a label
    but do not pass it on), -1 unreached."""
    out = np.full((FH, FW), -1, dtype=np.int32)
    qj = np.empty(FH * FW, np.int64)
    qi = np.empty(FH * FW, np.int64)
    head = tail = 0
    for k in range(seeds_j.shape[0]):
        j, i = seeds_j[k], seeds_i[k]
        if out[j, i] < 0:
            out[j, i] = seeds_lab[k]
            qj[tail] = j
            qi[tail] = i
            tail += 1
    while head < tail:
        j, i = qj[head], qi[head]
        head += 1
        for dj in range(-1, 2):
            for di in range(-1, 2):
                nj, ni = j + dj, i + di
                if 0 <= nj < FH and 0 <= ni < FW and out[nj, ni] < 0:
                    out[nj, ni] = out[j, i]
                    if free[nj, ni]:
                        qj[tail] = nj
                        qi[tail] = ni
                        tail += 1
    return out


def _entity_groups(layout, budget):
    """List of (type_name, radius, rows, x, y) object nodes, merging mines/gold to fit ``budget``."""
    singles, mergeable = [], {"mine": [], "gold": []}
    for r, t in enumerate(layout.ent_type):
        t = int(t)
        if t not in _KIND:
            continue
        name, rad = _KIND[t]
        if name in mergeable:
            mergeable[name].append(r)
        elif t in DOOR_TYPES:
            singles.append(("door", rad, [r], layout.ent_door_x[r], layout.ent_door_y[r]))
            if layout.ent_door_x[r] != layout.ent_x[r] or layout.ent_door_y[r] != layout.ent_y[r]:
                singles.append(("door_switch", 5.0, [r], layout.ent_x[r], layout.ent_y[r]))
        else:
            singles.append((name, rad, [r], layout.ent_x[r], layout.ent_y[r]))
    left = max(budget - len(singles), 0)
    groups = []
    cell = 0.0
    while True:
        groups = []
        for name, rows in mergeable.items():
            if not rows:
                continue
            if cell == 0.0:
                groups += [(name, _KIND[layout.ent_type[r]][1], [r], layout.ent_x[r], layout.ent_y[r]) for r in rows]
                continue
            keys = {}
            for r in rows:
                keys.setdefault((int(layout.ent_x[r] // cell), int(layout.ent_y[r] // cell)), []).append(r)
            for rs in keys.values():
                xs, ys = layout.ent_x[rs], layout.ent_y[rs]
                rad = max(4.0, float(np.hypot(xs - xs.mean(), ys - ys.mean()).max()))
                groups.append((name, rad, rs, float(xs.mean()), float(ys.mean())))
        if len(groups) <= left:
            break
        cell = 24.0 if cell == 0.0 else cell * 2
    return singles + groups


def build_topology(st) -> GraphTopology:
    """Static graph of a :class:`~npp_rl.envs.static.LevelStatic`."""
    layout = st.layout
    M = spec.MAX_NODES
    objects = _entity_groups(layout, MAX_ENTITY_NODES)
    budget = M - 1 - len(objects)
    span = SPAN
    while True:
        plats = _platforms(st.free, st.solid, span)
        if len(plats) <= budget:
            break
        if span >= 1056:
            plats = sorted(plats, key=lambda p: -len(p[1]))[:budget]
            break
        span *= 1.5
    P = len(plats)
    n_nodes = 1 + P + len(objects)
    feats = np.zeros((M, NODE_FEAT_DIM), np.float32)
    ntype = np.zeros(M, np.float32)
    nmask = np.zeros(M, np.float32)
    nx = np.zeros(M)
    ny = np.zeros(M)
    nmask[:n_nodes] = 1
    ntype[0] = NT["ninja"]
    G = st.n_goals
    goal = np.zeros((MAX_GOALS, M), np.float32)
    is_goal = np.zeros((MAX_GOALS, M), np.float32)
    scale = st.dist_scale

    def gdist(field, xs, ys):
        ii = np.clip((np.asarray(xs) / STEP).astype(int), 0, FW - 1)
        jj = np.clip((np.asarray(ys) / STEP).astype(int), 0, FH - 1)
        return float(field[jj, ii].min())

    pts_x, pts_y, pstart, pkind, pxmin, pxmax = [], [], [0], [], [], []
    plat_kind = []
    seeds_j, seeds_i, seeds_l = [], [], []
    for p, (k, js, is_) in enumerate(plats):
        node = 1 + p
        xs = is_ * STEP + 3.0
        ys = js * STEP + 3.0
        nx[node], ny[node] = xs.mean(), ys.mean()
        ntype[node] = NT["platform"]
        feats[node, 4] = min((xs.max() - xs.min() + STEP) / 2 / 264, 1)
        feats[node, 5] = min((ys.max() - ys.min() + STEP) / 2 / 150, 1)
        if k == FLOOR:
            if xs.max() > xs.min():
                slope = np.polyfit(xs, ys, 1)[0]
                n = np.array([slope, -1.0]) / np.hypot(slope, 1.0)
            else:
                n = np.array([0.0, -1.0])
            feats[node, 6], feats[node, 7] = n
        else:
            feats[node, 6] = 1.0 if k == 1 else -1.0
        feats[node, 9] = min(len(xs) / 64, 1)
        for g in range(G):
            goal[g, node] = gdist(st.goal_fields[g], xs, ys)
        # sample points: both ends + up to 6 evenly spaced
        order = np.argsort(xs if k == FLOOR else ys)
        pick = np.unique(np.linspace(0, len(order) - 1, min(len(order), 8)).round().astype(int))
        pts_x += list(xs[order][pick])
        pts_y += list(ys[order][pick])
        pstart.append(len(pts_x))
        pkind.append(k)
        plat_kind.append(k)
        pxmin.append(xs.min())
        pxmax.append(xs.max())
        seeds_j += list(js)
        seeds_i += list(is_)
        seeds_l += [node] * len(js)
    plat_map = _nearest_label_map(st.free, np.asarray(seeds_j, np.int64), np.asarray(seeds_i, np.int64),
                                  np.asarray(seeds_l, np.int32))

    # walk adjacency: platform points within 2 grid steps
    lab = np.full((FH, FW), -1, np.int32)
    for j, i, lab_ in zip(seeds_j, seeds_i, seeds_l, strict=True):
        lab[j, i] = lab_ - 1
    walk = np.zeros((max(P, 1), max(P, 1)), bool)
    for dj in range(-2, 3):
        for di in range(-2, 3):
            a = lab[max(dj, 0) : FH + min(dj, 0), max(di, 0) : FW + min(di, 0)]
            b = lab[max(-dj, 0) : FH + min(-dj, 0), max(-di, 0) : FW + min(-di, 0)]
            m = (a >= 0) & (b >= 0) & (a != b)
            walk[a[m], b[m]] = True
    edges = []  # (src, dst, type)
    for a, b in zip(*np.nonzero(walk), strict=True):
        edges.append((1 + a, 1 + b, ET["walk"]))
    if P > 1:
        w = walk.astype(np.int32)
        walk2 = walk | ((w @ w) > 0)  # no jump/fall edge where two walk steps already lead
        jump, fall = reach_edges(
            st.free, np.array(pts_x), np.array(pts_y), np.array(pstart, np.int64), np.array(pkind, np.int64),
            np.array(pxmin), np.array(pxmax), walk2, REACH_JUMP, REACH_WALLJUMP, REACH_FALL,
        )
        for a in range(P):
            for mat, k_keep, et in ((fall, K_FALL, ET["fall"]), (jump, K_JUMP, ET["jump"])):
                row = mat[a]
                cand = np.flatnonzero(row < 1e9)
                for b in cand[np.argsort(row[cand])][:k_keep]:
                    if et == ET["jump"] and fall[a, b] < 1e9:
                        continue
                    edges.append((1 + a, 1 + b, et))

    # objects
    row_node = np.full((layout.n_entities, 2), -1, np.int32)
    row_kind = np.zeros(layout.n_entities, np.int32)
    exit_node, switch_node = {}, {}
    door_node, dswitch_node = {}, {}
    for o, (name, rad, rows, x, y) in enumerate(objects):
        node = 1 + P + o
        nx[node], ny[node] = x, y
        ntype[node] = NT[name]
        feats[node, 4] = min(rad / 264, 1)
        feats[node, 5] = min(rad / 150, 1)
        feats[node, 9] = min(len(rows) / 8, 1)
        for g in range(G):
            goal[g, node] = gdist(st.goal_fields[g], [x], [y])
        for r in rows:
            slot = 0 if row_node[r, 0] < 0 else 1
            row_node[r, slot] = node
            t = int(layout.ent_type[r])
            row_kind[r] = (ST_MINE if t in MINE_TYPES else ST_EXIT if t == E_EXIT
                           else ST_DOOR if t in DOOR_TYPES else ST_MOVING if t in HAZARD_TYPES
                           else ST_ACTIVE)
        r0 = rows[0]
        for g in range(G):  # the node of goal g: the exit door/switch, or a locked door's switch
            if int(st.goal_rows[g]) == r0 and (name != "door" or st.goal_kind[g] != GOAL_DOOR):
                is_goal[g, node] = 1
        if name == "exit_door":
            exit_node[r0] = node
        elif name == "exit_switch":
            switch_node[r0] = node
        elif name == "door":
            door_node[r0] = node
        elif name == "door_switch":
            dswitch_node[r0] = node
        i = int(np.clip(x / STEP, 0, FW - 1))
        j = int(np.clip(y / STEP, 0, FH - 1))
        pl = plat_map[j, i]
        if pl >= 0:
            edges.append((node, pl, ET["on"]))
            edges.append((pl, node, ET["on"]))
    for r, node in exit_node.items():
        partner = int(layout.ent_partner[r])
        if partner in switch_node:
            edges += [(node, switch_node[partner], ET["opens"]), (switch_node[partner], node, ET["opens"])]
    for r, node in door_node.items():
        if r in dswitch_node:
            edges += [(node, dswitch_node[r], ET["opens"]), (dswitch_node[r], node, ET["opens"])]
    if len(edges) > MAX_STATIC_EDGES:
        # drop reachability edges first (jump, then fall), keeping walk/on/opens
        pri = {ET["walk"]: 0, ET["on"]: 0, ET["opens"]: 0, ET["fall"]: 1, ET["jump"]: 2}
        edges = sorted(edges, key=lambda e: pri[e[2]])[:MAX_STATIC_EDGES]
    E = len(edges)
    eidx = np.zeros((2, spec.MAX_EDGES), np.float32)
    etype = np.zeros(spec.MAX_EDGES, np.float32)
    emask = np.zeros(spec.MAX_EDGES, np.float32)
    if E:
        arr = np.asarray(edges, dtype=np.float32)
        eidx[:, :E] = arr[:, :2].T
        etype[:E] = arr[:, 2]
        emask[:E] = 1
    feats[:n_nodes, 0] = 2 * nx[:n_nodes] / 1056 - 1
    feats[:n_nodes, 1] = 2 * ny[:n_nodes] / 600 - 1
    g = np.where(goal >= UNREACHABLE, scale * 2, goal) / scale
    node_goal = np.clip(2 * g - 1, -1, 1).astype(np.float32)
    node_goal[:, n_nodes:] = 0
    counts = {name: int((etype[:E] == i).sum()) for name, i in ET.items()}
    return GraphTopology(
        n_nodes=n_nodes, n_platforms=P, n_static_edges=E, node_feats=feats, node_type=ntype,
        node_mask=nmask, edge_index=eidx, edge_type=etype, edge_mask=emask, node_x=nx, node_y=ny,
        node_goal=node_goal, node_is_goal=is_goal, row_node=row_node, row_kind=row_kind,
        plat_map=plat_map, n_edges_by_type=counts,
    )


def graph_topology(st):
    """The level graph's static topology of a :class:`~npp_rl.envs.static.LevelStatic` (built once per
    level, kept on it)."""
    if st.graph is None:
        st.graph = build_topology(st)
    return st.graph
