"""Static per-level data: tile masks, free space, geodesic fields, graph topology."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.envs import spec
from npp_rl.envs._mapdata_adapter import load_layout
from npp_rl.envs.graph import NODE_FEAT_DIM, graph_topology
from npp_rl.envs.static import GOAL_DOOR, GOAL_EXIT, GOAL_SWITCH, build_static, level_static
from npp_rl.envs.tiles import solid_mask
from npp_rl.levels import geodesic


def _grid(tile: int) -> np.ndarray:
    g = np.ones((25, 44), np.uint8)
    g[1:-1, 1:-1] = 0
    g[5, 5] = tile
    return g


@pytest.mark.parametrize("tile,frac", [(0, 0.0), (1, 1.0), (2, 0.5), (3, 0.5), (6, 0.5), (10, 0.785), (14, 0.215),
                                       (18, 0.25), (22, 0.75), (26, 0.25), (30, 0.75), (34, 0.0)])
def test_tile_area(tile, frac):
    m = solid_mask(_grid(tile))
    assert m[5 * 24 : 6 * 24, 5 * 24 : 6 * 24].mean() == pytest.approx(frac, abs=0.03)


def test_open_box_geodesic():
    tiles = np.ones((25, 44), np.uint8)
    tiles[1:-1, 1:-1] = 0
    tiles[10:20, 20] = 1  # a wall in the middle
    solid = solid_mask(tiles)
    free = geodesic.free_grid(solid)
    d = geodesic.distance_field(free, [(100.0, 300.0)], 16.0)
    assert geodesic.sample(d, 100.0, 300.0) == pytest.approx(0.0, abs=8)
    # straight line in open space: geodesic ~ euclidean (8-connected grid overestimates <= 8%)
    e = geodesic.sample(d, 400.0, 100.0)
    straight = np.hypot(300, 200)
    assert straight - 20 <= e <= straight * 1.09
    # behind the wall the path is longer than the straight line
    behind = geodesic.sample(d, 600.0, 360.0)
    assert behind > np.hypot(500, 60) + 20


def test_level_static_cached(simple_walk):
    lay = load_layout(simple_walk)
    a = level_static(lay)
    b = level_static(load_layout(simple_walk))
    assert a is b
    assert a.free.shape == (geodesic.FH, geodesic.FW)
    assert a.goal_fields.dtype == np.float32 and a.goal_fields.shape == (2, geodesic.FH, geodesic.FW)
    assert list(a.goal_kind) == [GOAL_SWITCH, GOAL_EXIT]
    assert a.dist_scale >= 100
    # the plan length from the spawn is the normaliser
    assert a.remaining(*lay.spawn) == pytest.approx(a.dist_scale, rel=1e-6)


def test_goal_plan_inserts_locked_door_switches(maps_dir):
    """switch-simple: three locked doors stand in the way; the plan visits their switches first and the
    remaining-path potential is continuous where one goal hands over to the next."""
    st = build_static(load_layout(maps_dir / "switch-simple"))
    assert list(st.goal_kind) == [GOAL_DOOR, GOAL_DOOR, GOAL_DOOR, GOAL_SWITCH, GOAL_EXIT]
    for k in range(st.n_goals - 1):
        x, y = st.goal_xy[k]
        assert st.remaining(x, y, k) == pytest.approx(st.remaining(x, y, k + 1), abs=30.0)
    assert st.goal_rest[-1] == 0


def test_graph_topology_all_reference_levels(all_maps):
    for p in all_maps:
        st = build_static(load_layout(p))
        g = graph_topology(st)
        assert 1 <= g.n_nodes <= spec.MAX_NODES
        assert g.node_feats.shape == (spec.MAX_NODES, NODE_FEAT_DIM)
        assert g.n_static_edges <= spec.MAX_EDGES
        E = g.n_static_edges
        assert (g.edge_index[:, :E] < g.n_nodes).all(), p.name
        assert (g.edge_mask[:E] == 1).all() and (g.edge_mask[E:] == 0).all()
        assert (g.node_mask[: g.n_nodes] == 1).all() and (g.node_mask[g.n_nodes :] == 0).all()
        assert np.abs(g.node_feats).max() <= 1.0
        assert g.node_type[0] == spec.NODE_TYPE_ID["ninja"]
        assert (g.node_type[1 : 1 + g.n_platforms] == spec.NODE_TYPE_ID["platform"]).all()
        # every walk edge is stored in both directions
        walk = {(int(a), int(b)) for a, b, t in zip(*g.edge_index[:, :E], g.edge_type[:E], strict=True)
                if t == spec.EDGE_TYPE_ID["walk"]}
        assert all((b, a) in walk for a, b in walk)


def test_wall_platforms_face_the_right_way(maps_dir):
    """The walls of an open room: left-wall nodes have normal +x, right-wall nodes -x, and letting go of
    a high wall gives fall edges (not jumps) to the floor below."""
    st = build_static(load_layout(maps_dir / "wall-jump-required"))
    g = graph_topology(st)
    plats = range(1, 1 + g.n_platforms)
    left = [k for k in plats if g.node_x[k] < 60 and g.node_feats[k, 5] > 0.1]
    right = [k for k in plats if g.node_x[k] > 1000 and g.node_feats[k, 5] > 0.1]
    assert left and right
    assert all(g.node_feats[k, 6] == 1.0 for k in left)
    assert all(g.node_feats[k, 6] == -1.0 for k in right)
    E = g.n_static_edges
    falls = {int(a) for a, t in zip(g.edge_index[0, :E], g.edge_type[:E], strict=True)
             if t == spec.EDGE_TYPE_ID["fall"]}
    assert set(right) & falls and set(left) & falls


def test_mines_merge_when_over_budget():
    from npp_rl.envs.level import layout_from_arrays

    tiles = np.zeros((23, 42), np.uint8)
    tiles[-1, :] = 1
    rng = np.random.default_rng(0)
    rows = [(1, 30 + 6 * int(x), 30 + 6 * int(y), 30 + 6 * int(x), 30 + 6 * int(y), 0, 0)
            for x, y in zip(rng.integers(0, 160, 300), rng.integers(0, 80, 300), strict=True)]
    rows += [(3, 900, 500, 900, 500, 0, 0), (4, 800, 500, 800, 500, 0, 0)]
    lay = layout_from_arrays("mines", tiles, (60.0, 500.0), rows)
    g = graph_topology(build_static(lay))
    assert g.n_nodes <= spec.MAX_NODES
    mines = g.node_type == spec.NODE_TYPE_ID["mine"]
    assert 0 < mines.sum() < 300
    assert (g.row_node[:300, 0] >= 0).all()  # every mine feeds some node


def test_geodesic_respects_jump_reach():
    """Under a platform far above the floor the way up is round by the stairs, not straight up."""
    tiles = np.ones((25, 44), np.uint8)
    tiles[1:-1, 1:-1] = 0
    tiles[10, 10:20] = 1  # a platform 14 cells above the floor (row 23 is the floor row above the border)
    for k in range(4):  # a staircase on the right: one step per 2 cells up
        tiles[22 - 2 * (k + 1), 24 + 2 * k : 26 + 2 * k] = 1
    solid = solid_mask(tiles)
    free = geodesic.free_grid(solid)
    climb = geodesic.climbable(solid, free)
    goal = (15 * 24 + 12, 10 * 24 - 12)  # on top of the platform
    flat = geodesic.distance_field(free, [goal], 16.0)
    grav = geodesic.distance_field(free, [goal], 16.0, climb=climb)
    below = (15 * 24 + 12, 23 * 24 - 12)  # standing on the floor under it
    assert grav[grav < geodesic.UNREACHABLE].size > 0
    assert geodesic.sample(grav, *below) > geodesic.sample(flat, *below) + 100
    # with no way up at all the field falls back to the plain geometric distance
    lone = geodesic.distance_field(free, [(500.0, 100.0)], 16.0, climb=np.zeros_like(free), start=below)
    assert geodesic.sample(lone, *below) < geodesic.UNREACHABLE
