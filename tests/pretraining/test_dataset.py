"""Replays -> dataset: re-simulation reproduces the recorded outcome, labels line up with observations,
mixed windows follow the documented rule, bad replays are skipped with reasons."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bc_helpers import FRAME_SKIP, SIMPLE_WALK_INPUTS, scripted_replay

from npp_rl.pretraining import DatasetOptions, build_dataset, open_dataset
from npp_rl.pretraining.labels import INPUT_TO_ACTION, window_label, window_labels
from npp_rl.sim.replay import Replay, write_replay

MODS = ("game_state", "graph", "player_frame", "global_view")


# --------------------------------------------------------------------------- labelling rule
def test_input_bytes_map_to_the_six_actions():
    # bit0 jump, bit1 right, bit2 left; left+right = left; bit 3 ignored
    assert INPUT_TO_ACTION.tolist() == [0, 3, 2, 5, 1, 4, 1, 4]
    from npp_rl.envs.engine import ACTION_BYTES
    from npp_rl.envs.spec import ACTIONS
    from npp_rl.sim.replay import decode_input

    for b in range(16):
        a = int(INPUT_TO_ACTION[b & 7])
        assert ACTIONS[a] == decode_input(b)  # same (horizontal, jump)
        assert decode_input(int(ACTION_BYTES[a])) == decode_input(b)  # what the env feeds the simulator


def test_window_rule_majority_first_and_ties():
    assert window_label([2, 2, 2, 2]) == (2, False)
    assert window_label([0, 3, 3, 3]) == (3, True)  # "press jump": majority
    assert window_label([0, 3, 3, 3], "first") == (0, True)
    assert window_label([1, 1, 4, 4]) == (1, True)  # tie -> the first frame's action
    assert window_label([0, 1, 4, 4, 1]) == (1, True)  # tie without the first: earliest-starting tied action
    labels, mixed = window_labels(bytes([2, 2, 2, 2, 0, 1, 1, 1, 6]), FRAME_SKIP)
    assert labels.tolist() == [2, 3, 1] and mixed.tolist() == [False, True, False]


# --------------------------------------------------------------------------- re-simulation
def _write(tmp_path, name, replay):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    write_replay(p, replay)
    return p


def test_replay_reproduces_its_outcome_and_labels_win_the_level(tmp_path, simple_walk):
    """Observation k is the one the env shows before action k, and the labels played in NppEnv win."""
    from npp_rl.envs.env import NppEnv
    from npp_rl.sim import load_map

    replay, md = scripted_replay(simple_walk, SIMPLE_WALK_INPUTS)
    assert replay.outcome == "won"
    _write(tmp_path / "replays" / "train" / "simple", "walk.nppreplay", replay)
    ds = build_dataset(tmp_path / "replays", tmp_path / "ds", DatasetOptions(modalities=MODS))
    rep = ds.manifest["replays"][0]
    assert (rep["outcome"], rep["end_frame"]) == ("won", replay.outcome_frame)
    assert rep["category"] == "simple" and rep["mixed_windows"] == 0
    assert ds.skip_counts == {r: 0 for r in ds.skip_counts}
    data = ds.load()
    n = len(data["action"])
    assert n == -(-replay.outcome_frame // FRAME_SKIP)
    assert data["step"].tolist() == list(range(n))
    assert set(data["action"].tolist()) == {0, 2, 5}  # noop, right, jump+right

    from npp_rl.envs.config import RewardConfig

    # the dataset's rewards shape with the returns' discount (the PPO gamma); play the env with the same one
    env = NppEnv([load_map(simple_walk)], observation_modalities=MODS, frame_skip=FRAME_SKIP,
                 reward=RewardConfig(gamma=DatasetOptions(modalities=MODS).gamma))
    obs, _ = env.reset(options={"level": 0})
    info, term = {}, False
    for k in range(n):
        for key, arr in data["obs"].items():
            np.testing.assert_array_equal(arr[k], obs[key], err_msg=f"step {k} {key}")
        assert not term
        obs, rew, term, trunc, info = env.step(int(data["action"][k]))
        assert rew == pytest.approx(float(data["reward"][k]), abs=1e-6)
        assert not trunc
    assert term and info["success"] and info["frames"] == replay.outcome_frame
    # the stored return is the discounted sum of the stored rewards
    g = 0.0
    for r in data["reward"][::-1]:
        g = float(r) + 0.99 * g
    assert data["ret"][0] == pytest.approx(g, rel=1e-5)


def test_mixed_windows_are_counted_and_follow_the_rule(tmp_path, simple_walk):
    # a window that releases then presses jump (the solver's "press" macros) and one left+right frame
    inputs = bytes([2] * 8 + [2, 3, 3, 3] + [6, 2, 2, 2]) + bytes([2] * 200)
    replay, _ = scripted_replay(simple_walk, inputs)
    assert replay.outcome == "won"
    _write(tmp_path / "r", "mixed.nppreplay", replay)
    maj = build_dataset(tmp_path / "r", tmp_path / "maj", DatasetOptions(modalities=("game_state",)))
    assert maj.manifest["totals"]["mixed_windows"] == 2
    d = maj.load()
    assert d["action"][2] == 5 and d["mixed"][2]  # jump+right on 3 of 4 frames
    assert d["action"][3] == 2 and d["mixed"][3]  # right on 3 of 4 frames (6 = left)
    drop = build_dataset(tmp_path / "r", tmp_path / "drop", DatasetOptions(modalities=("game_state",),
                                                                            mixed_rule="drop"))
    dd = drop.load()
    assert len(dd["action"]) == len(d["action"]) - 2 and not dd["mixed"].any()
    assert drop.manifest["replays"][0]["outcome"] == "won"  # the dropped windows were still played
    np.testing.assert_array_equal(dd["obs"]["game_state"], np.delete(d["obs"]["game_state"], [2, 3], axis=0))


def test_bad_replays_are_skipped_with_reasons(tmp_path, simple_walk):
    good, md = scripted_replay(simple_walk, SIMPLE_WALK_INPUTS)
    root = tmp_path / "replays"
    _write(root, "good.nppreplay", good)
    raw = good.to_bytes()
    (root / "truncated.nppreplay").write_bytes(raw[:-40])
    (root / "garbage.nppreplay").write_bytes(b"NPPREPLY" + b"\x01" * 50)
    flipped = bytearray(raw)
    flipped[-50] ^= 0xFF  # checksum mismatch
    (root / "flipped.nppreplay").write_bytes(bytes(flipped))
    _write(root, "nomap.nppreplay", Replay(b"", good.inputs, "won", good.outcome_frame))
    _write(root, "badmap.nppreplay", Replay(b"\x00" * 40, good.inputs, "won", good.outcome_frame))
    _write(root, "late.nppreplay", Replay(md.to_bytes(), good.inputs, "won", good.outcome_frame - 1))
    _write(root, "notwon.nppreplay", Replay(md.to_bytes(), bytes(200), "won", 0))
    _write(root, "diedearly.nppreplay", Replay(md.to_bytes(), good.inputs, "died", 0))
    # a replay without map bytes whose level file lies beside it (the dataset layout) is fine
    (root / "beside.npplevel").write_bytes(md.to_bytes())
    _write(root, "beside.nppreplay", Replay(b"", good.inputs, "won", good.outcome_frame))
    ds = build_dataset(root, tmp_path / "ds", DatasetOptions(modalities=("game_state",)))
    assert ds.skip_counts == {"corrupt": 3, "missing_map": 1, "bad_map": 1, "desync": 3, "empty": 0}
    assert sorted(r["file"] for r in ds.manifest["replays"]) == ["beside.nppreplay", "good.nppreplay"]
    skipped = json.loads((ds.path / "skipped.json").read_text())
    by_file = {r["file"]: r for r in skipped["replays"]}
    assert by_file["late.nppreplay"]["reason"] == "desync"
    assert "frame" in by_file["late.nppreplay"]["detail"]
    assert by_file["nomap.nppreplay"]["reason"] == "missing_map"
    assert by_file["flipped.nppreplay"]["reason"] == "corrupt" and "sha256" in by_file["flipped.nppreplay"]["detail"]
    assert ds.n_samples == len(ds.load()["action"])


def test_content_hash_is_stable_and_cache_reused(tmp_path, simple_walk):
    replay, _ = scripted_replay(simple_walk, SIMPLE_WALK_INPUTS)
    _write(tmp_path / "r", "a.nppreplay", replay)
    opts = DatasetOptions(modalities=("game_state",))
    a = build_dataset(tmp_path / "r", tmp_path / "a", opts)
    b = build_dataset(tmp_path / "r", tmp_path / "b", opts)
    assert a.content_hash == b.content_hash and len(a.content_hash) == 16
    c1 = build_dataset(tmp_path / "r", options=opts, cache_dir=tmp_path / "cache")
    c2 = build_dataset(tmp_path / "r", options=opts, cache_dir=tmp_path / "cache")
    assert c1.path == c2.path and open_dataset(c1.path).content_hash == a.content_hash
    other = build_dataset(tmp_path / "r", tmp_path / "o", DatasetOptions(modalities=("game_state",), gamma=0.9))
    assert other.content_hash != a.content_hash


def test_test_split_replays_are_excluded_by_default(tmp_path, simple_walk):
    replay, _ = scripted_replay(simple_walk, SIMPLE_WALK_INPUTS)
    _write(tmp_path / "d" / "train" / "simple", "a.nppreplay", replay)
    _write(tmp_path / "d" / "test" / "simple", "b.nppreplay", replay)
    ds = build_dataset(tmp_path / "d", tmp_path / "x", DatasetOptions(modalities=("game_state",)))
    assert [r["file"] for r in ds.manifest["replays"]] == ["train/simple/a.nppreplay"]
    assert ds.manifest["excluded_test_split"] == ["test/simple/b.nppreplay"]


def test_attract_demos_are_read_and_resimulated(tmp_path, shared_reference):
    ds = build_dataset(shared_reference / "npp" / "attract", tmp_path / "ds", DatasetOptions(modalities=("game_state",)))
    t = ds.manifest["totals"]
    assert t["replays_found"] == len(list((shared_reference / "npp" / "attract").iterdir()))
    assert t["replays_used"] + t["replays_skipped"] == t["replays_found"]
    assert t["replays_used"] >= t["replays_found"] - 2
    assert {r["kind"] for r in ds.manifest["replays"]} == {"attract"}
    assert {r["category"] for r in ds.manifest["replays"]} == {"attract"}
    demo0 = [r for r in ds.manifest["replays"] if r["file"] == "0"]
    if demo0:  # NPP_MECHANICS §8: demo 0 dies on its last input frame (471)
        assert (demo0[0]["outcome"], demo0[0]["end_frame"]) == ("died", 471)
