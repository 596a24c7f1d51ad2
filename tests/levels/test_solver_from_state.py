"""The solver searching from an arbitrary simulator state (the DAgger expert): what it returns, played
from that state in a fresh simulator frame by frame, wins on its last frame and not before."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.levels import SolverConfig, generate, solve
from npp_rl.levels.solver import verify, world_state
from npp_rl.sim.simulator import BatchSim, Simulator

ENV = SolverConfig(action_set="env", macro_frames=4, max_iterations=400, time_limit_s=float("inf"))


def _play_from(md, start, inputs: bytes) -> list[int]:
    """States after each input, replayed one frame at a time in a fresh simulator loaded with ``start``."""
    from npp_rl.levels.solver import _load_start

    sim = Simulator(md)
    _load_start(sim._b, 0, start)
    states = []
    for b in inputs:
        assert not (sim.won or sim.dead), "the episode ended before the inputs ran out"
        sim.tick(b)
        states.append(sim.state)
    return states


def test_solution_from_a_mid_episode_state_wins_from_that_state():
    g = generate("simple", 3)  # a level the solver proves from this state within its budget
    sim = BatchSim([g.map], n_worlds=1)
    walk = np.array([2] * 40 + [3] * 12 + [0] * 8, np.uint8)  # right, jump+right, wait: a state off the spawn
    sim.step_sequences(walk[None, :])
    assert sim.ninja[0, 0] != Simulator(g.map).x or sim.ninja[0, 1] != Simulator(g.map).y
    start = world_state(sim, 0)
    frame0 = int(sim.frame[0])
    res = solve(g.map, ENV, start=start)
    assert res.solved, res.reason
    assert res.win_frame == len(res.inputs)
    states = _play_from(g.map, start, res.inputs)
    assert states[-1] == 8 and all(s != 8 for s in states[:-1])  # wins on the last input, not before
    assert verify(g.map, res.inputs, start) == ("won", len(res.inputs))
    # the same inputs from the spawn are a different game: the search really started from the state
    assert verify(g.map, res.inputs) != ("won", len(res.inputs)) or frame0 == 0
    # env action set: every 4-frame window holds one env action
    win = np.frombuffer(res.inputs, np.uint8)
    full = len(win) // 4 * 4
    assert (win[:full].reshape(-1, 4) == win[:full].reshape(-1, 4)[:, :1]).all()


def test_state_from_a_multi_level_env_batch():
    """A world of an environment's batch (many maps, padded entity table, map index != 0) is a start state."""
    from npp_rl.envs.config import EnvConfig
    from npp_rl.envs.engine import WorldBatch

    levels = [generate("mine_heavy", 5).map, generate("simple", 4).map]
    batch = WorldBatch(levels, 2, EnvConfig(observation_modalities=("game_state",), split=None))
    batch.reset_worlds([0, 1], [0, 1])
    for _ in range(6):
        batch.step([2, 2])
    assert batch.sim.lvl[1] == 1 and batch.sim.max_ent > batch.sim.n_entities[1]
    start = world_state(batch.sim, 1)
    assert start["lvl"][0] == 0 and start["entities"].shape[1] == batch.sim.n_entities[1]
    res = solve(levels[1], ENV, start=start)
    assert res.solved, res.reason
    assert verify(levels[1], res.inputs, start) == ("won", len(res.inputs))
    # the env world itself, played on with the solver's env actions, wins
    acts = {0: 0, 4: 1, 2: 2, 1: 3, 5: 4, 3: 5}
    won = False
    for k in range(0, len(res.inputs), 4):
        _, _, term, _, info = batch.step([0, acts[res.inputs[k]]])
        if term[1]:
            won = info[1]["success"]
            break
    assert won


def test_ended_start_state_and_foreign_map_are_reported():
    from npp_rl.sim import core as C

    g = generate("simple", 1)
    sim = BatchSim([g.map], n_worlds=1)
    sim.ninja[0, C.N_STATE] = 6  # dead
    res = solve(g.map, ENV, start=world_state(sim, 0))
    assert not res.solved and "already ended" in res.reason
    other = generate("mine_heavy", 5).map
    big = BatchSim([other], n_worlds=1)
    assert big.n_entities[0] > BatchSim([g.map], n_worlds=1).max_ent  # precondition of the check below
    with pytest.raises(ValueError, match="another map"):
        solve(g.map, ENV, start=world_state(big, 0))
