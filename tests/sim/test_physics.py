"""Rule-level checks of the ninja against the measured figures of NPP_MECHANICS.md section 4.6 and the
entity rules of section 5, on small synthetic levels (no reference data needed)."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.sim.mapdata import parse_map
from npp_rl.sim.simulator import Simulator

FLOOR_ROW = 20  # inner row of the floor -> its top surface is at y = 24 * (FLOOR_ROW + 1) = 504


def make_level(spawn, entities=(), tiles=None):
    t = np.zeros((23, 42), dtype=np.uint8) if tiles is None else tiles
    if tiles is None:
        t[FLOOR_ROW:, :] = 1
    ents = sorted(entities, key=lambda r: r[0])
    counts = np.zeros(40, dtype="<u2")
    counts[0] = 1
    for r in ents:
        counts[r[0]] += 1
    data = bytearray(1230)
    data[184:1150] = t.tobytes()
    data[1150:1230] = counts.tobytes()
    data += bytes((0, spawn[0], spawn[1], 0, 0))
    for r in ents:
        data += bytes(r)
    return parse_map(bytes(data), "synthetic")


def settle(sim, frames=60):
    for _ in range(frames):
        sim.tick(0)
    assert not sim.airborne and sim.state == 0


def test_free_fall_speeds():
    sim = Simulator(make_level((80, 10)))
    vy = {}
    for k in range(1, 91):
        sim.tick(0)
        vy[k] = sim.vy
    assert vy[10] == pytest.approx(0.647, abs=1e-3)
    assert vy[60] == pytest.approx(3.30, abs=1e-2)
    assert vy[90] == pytest.approx(4.52, abs=1e-2)


def test_hold_right_acceleration():
    sim = Simulator(make_level((10, 82)))
    settle(sim)
    vx = {}
    for k in range(1, 61):
        sim.tick(2)
        vx[k] = sim.vx
    assert vx[1] == pytest.approx(0.0667, abs=1e-4)
    assert vx[10] == pytest.approx(0.647, abs=1e-3)
    assert vx[30] == pytest.approx(1.82, abs=1e-2)
    assert vx[60] == pytest.approx(3.30, abs=1e-2)
    for _ in range(60):
        sim.tick(2)
    assert 3.3 < sim.vx < 3.333


def test_single_frame_jump_apex_and_landing():
    sim = Simulator(make_level((80, 82)))
    settle(sim)
    y0 = sim.y
    ys = []
    sim.tick(1)
    ys.append(sim.y)
    k = 1
    while sim.airborne or k < 3:
        sim.tick(0)
        ys.append(sim.y)
        k += 1
        assert k < 200
    apex = int(np.argmin(ys)) + 1
    assert y0 - min(ys) == pytest.approx(28.8, abs=0.1)
    assert apex == 28
    assert k == 59


@pytest.mark.parametrize("drop,dies", [(240, False), (252, True)])
def test_fall_impact_death(drop, dies):
    # centre of the standing ninja is at 494; spawn the centre `drop` px higher (6-px units)
    sim = Simulator(make_level((80, (494 - drop) // 6)))
    for _ in range(400):
        sim.tick(0)
        if sim.dead or (not sim.airborne and sim.frame > 5):
            break
    assert sim.dead == dies
    if dies:
        assert sim.death_cause == "impact"


def test_gold_switch_exit_win():
    # ninja at x=80 units... walk right over gold (2), the switch (4) then into the exit door (3)
    sim = Simulator(make_level((20, 82), [(2, 30, 82, 0, 0), (3, 60, 82, 0, 0), (4, 45, 82, 0, 0)]))
    for _ in range(400):
        sim.tick(2)
        if sim.won:
            break
    assert sim.gold_collected == 1
    assert sim.exit_switch_activated and sim.exit_switch_frame is not None
    assert sim.won and sim.win_frame == sim.frame and sim.win_frame > sim.exit_switch_frame
    types = list(sim.entity_type)
    assert types == [2, 3, 4]
    assert not sim.entity_active[types.index(2)] and not sim.entity_active[types.index(4)]


def test_deadly_mine_kills_safe_mine_toggles():
    sim = Simulator(make_level((20, 82), [(1, 40, 82, 0, 0)]))
    for _ in range(300):
        sim.tick(2)
        if sim.dead:
            break
    assert sim.dead and sim.death_cause == "mine"
    sim = Simulator(make_level((20, 82), [(21, 40, 82, 0, 0)]))
    states = set()
    for _ in range(200):
        sim.tick(2)
        states.add(int(sim.entity_state[0]))
    assert not sim.dead and states == {1, 2, 0}  # safe -> toggling -> deadly once left


def test_locked_door_blocks_until_switch():
    # vertical locked door at x=60 units (360 px) on the floor; its switch far away (never touched)
    lvl = make_level((20, 82), [(6, 60, 80, 0, 0), (7, 150, 40, 0, 0)])
    sim = Simulator(lvl)
    for _ in range(300):
        sim.tick(2)
    assert sim.x < 360 and not sim.dead
    # switch on the path: door opens, the ninja walks through
    lvl = make_level((20, 82), [(6, 60, 80, 0, 0), (7, 40, 82, 0, 0)])
    sim = Simulator(lvl)
    for _ in range(300):
        sim.tick(2)
    assert sim.x > 380


def test_launch_pad_launches():
    sim = Simulator(make_level((20, 82), [(10, 40, 83, 6, 0)]))  # pad facing up
    top = 1e9
    for _ in range(120):
        sim.tick(2)
        top = min(top, sim.y)
    assert top < 494 - 40


def test_input_decoding_left_wins_and_bit3_ignored():
    a = Simulator(make_level((80, 82)))
    b = Simulator(make_level((80, 82)))
    settle(a)
    settle(b)
    for _ in range(30):
        a.tick(6)
        b.tick(4 | 8)
    assert a.vx < 0 and a.state_vector().tobytes() == b.state_vector().tobytes()
