"""DAgger with the solver as expert, the held-out levels BC/DAgger never see, and streamed BC data."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from npp_rl.cli import main
from npp_rl.levels import SolverConfig, generate_dataset, load_dataset


@pytest.fixture(scope="module")
def tiny_levels(tmp_path_factory) -> Path:
    """4 train + 1 test `simple` levels: the last train level is the held-back `eval` level."""
    root = tmp_path_factory.mktemp("dagger") / "levels"
    generate_dataset(root, 4, 1, seed=11, categories=["simple"], solver_config=SolverConfig(max_iterations=400))
    return root


def _held(root: Path) -> dict[str, str]:
    from npp_rl.pretraining.heldout import held_out, level_datasets

    return held_out(level_datasets(root))


def test_held_out_levels_are_the_eval_and_test_splits(tiny_levels):
    from npp_rl.envs.levelset import split_entries
    from npp_rl.pretraining.heldout import level_datasets, training_levels

    ds = load_dataset(tiny_levels)
    held = _held(tiny_levels)
    ev, te = split_entries(ds, "eval"), ds.levels("test")
    assert len(ev) == 1 and len(te) == 1
    assert held == {ev[0].sha256: "eval", te[0].sha256: "test"}
    train = training_levels(level_datasets(tiny_levels / "train" / "simple"))  # found from a subfolder too
    assert len(train) == 3 and not {e.sha256 for e in train} & set(held)


def test_bc_dataset_excludes_eval_and_test_levels(tiny_levels, tmp_path):
    from npp_rl.pretraining import DatasetOptions, build_dataset

    held = _held(tiny_levels)
    for src in (tiny_levels, tiny_levels / "train"):  # the dataset root, or its train folder (the default)
        ds = build_dataset(src, tmp_path / src.name, DatasetOptions())
        used = {r["level"] for r in ds.manifest["replays"]}
        assert len(used) == 3 and not used & {h[:16] for h in held}
        assert [x["split"] for x in ds.manifest["excluded_held_out"]] == ["eval"]
    # a copy of the eval level's solution stored outside the dataset is still left out (matched by map hash)
    ev = next(e for e in load_dataset(tiny_levels).entries if held.get(e.sha256) == "eval")
    stray = tmp_path / "stray"
    stray.mkdir()
    shutil.copy(ev.solution_path, stray / "copy.nppreplay")
    ds = build_dataset(stray, tmp_path / "s1", DatasetOptions(), held=held)
    assert ds.n_samples == 0 and ds.manifest["totals"]["replays_excluded_held_out"] == 1
    ds = build_dataset(stray, tmp_path / "s2", DatasetOptions(), held={})
    assert ds.n_samples > 0  # the same replay is usable when nothing is held out: the test above is real


def test_sharded_stream_serves_every_sample_once_per_epoch(tiny_levels, tmp_path):
    from npp_rl.pretraining import DatasetOptions, build_dataset
    from npp_rl.pretraining.stream import ShardedSamples

    ds = build_dataset(tiny_levels, tmp_path / "d", DatasetOptions(shard_size=1))  # one shard per replay
    assert len(ds.manifest["shards"]) >= 3
    full = ds.load()
    src = ShardedSamples([ds], buffer_shards=1)
    key = [tuple(np.round(v, 5)) for v in full["obs"]["game_state"]]
    for shuffle in (False, True):
        got = []
        for b in src.all().batches(32, shuffle=shuffle, rng=np.random.default_rng(0)):
            assert len(b["action"]) <= 32
            got += [tuple(np.round(v, 5)) for v in b["obs"]["game_state"]]
        assert sorted(got) == sorted(key)
    tr, va = src.split(0.3, seed=0)
    assert len(tr) + len(va) == ds.n_samples and not tr.level_set() & va.level_set() and len(va) > 0


def test_expert_labels_a_mid_episode_state_and_its_plan_wins(tiny_levels):
    from npp_rl.envs.config import EnvConfig
    from npp_rl.envs.engine import WorldBatch
    from npp_rl.pretraining.expert import ExpertConfig, SolverExpert

    entries = load_dataset(tiny_levels).levels("train")[:1]
    batch = WorldBatch(entries, 1, EnvConfig(observation_modalities=("game_state",), split=None))
    batch.reset_worlds([0], [0])
    for a in (0, 0, 1, 1):  # wait, walk left: off the spawn
        batch.step([a])
    ex = SolverExpert([e.load_map() for e in entries], 4, ExpertConfig(max_iterations=300))
    won = False
    for _ in range(400):
        a = ex.label(batch, 0)
        assert a is not None
        _, _, term, trunc, info = batch.step([a])
        ex.advance(0, a)
        if term[0] or trunc[0]:
            won = info[0]["success"]
            break
    assert won and ex.stats["searches"] == 1 and ex.stats["plan_reused"] > 5  # one search, then its plan
    starved = SolverExpert([e.load_map() for e in entries], 4, ExpertConfig(max_iterations=1))
    batch.reset_worlds([0], [0])
    assert starved.label(batch, 0) is None and starved.stats["unsolved"] == 1


def test_cli_pretrain_dagger_end_to_end(tiny_levels, tmp_path, tracking_uri):
    import mlflow

    out = tmp_path / "out"
    # one search iteration extends a path by one 4-frame action, so the budget bounds how far from a win a
    # labelled state may be: cover twice the longest stored solution (the learner wanders; 60 did not)
    longest = max(e.solution_frames for e in load_dataset(tiny_levels).levels("train"))
    budget = str(2 * longest // 4 + 10)
    r = CliRunner().invoke(main, [
        "pretrain", "--method", "dagger", "--architecture", "mlp_baseline", "--replay-data-dir", str(tiny_levels),
        "--bc-epochs", "2", "--bc-batch-size", "64", "--dagger-iterations", "2", "--dagger-levels-per-iteration", "2",
        "--dagger-epochs", "1", "--dagger-label-every", "16", "--dagger-max-steps-factor", "1",
        "--solver-max-iterations", budget, "--dagger-num-envs", "2",
        "--tracking-uri", tracking_uri, "--output-dir", str(out), "--no-progress", "--experiment-name", "dg"])
    assert r.exit_code == 0, r.output
    found = re.search(r"run_id=([0-9a-f]{32})", r.output)
    assert found, r.output[-3000:]
    run_id = found.group(1)
    client = mlflow.tracking.MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    assert run.data.tags["npp_rl.pretrain_method"] == "dagger" and run.data.tags["npp_rl.condition"] == "pretrained"
    acc = client.get_metric_history(run_id, "dagger/val_accuracy")
    assert sorted(m.step for m in acc) == [0, 1, 2]
    assert sorted(m.step for m in client.get_metric_history(run_id, "dagger/heldout_success/overall")) == [0, 1, 2]
    for name in ("dagger/labelled_states", "dagger/unsolved_states", "dagger/aggregate_samples", "dagger/train_loss"):
        assert sorted(m.step for m in client.get_metric_history(run_id, name)) == [1, 2], name
    labelled = [m.value for m in client.get_metric_history(run_id, "dagger/labelled_states")]
    unsolved = [m.value for m in client.get_metric_history(run_id, "dagger/unsolved_states")]
    assert sum(labelled) > 0 and sum(labelled) > sum(unsolved)  # a budget covering the levels labels most states
    agg = sorted(client.get_metric_history(run_id, "dagger/aggregate_samples"), key=lambda m: m.step)
    assert agg[1].value > agg[0].value  # the aggregate grows
    # DAgger played only training levels: never eval/test, never BC's validation levels
    held = {h[:16] for h in _held(tiny_levels)}
    res = json.loads((out / run_id / "bc_result.json").read_text())
    bc = json.loads((Path(res["dataset_path"]) / "manifest.json").read_text())
    played = set()
    for it in (1, 2):
        played |= {x["level"] for x in json.loads((out / run_id / f"dagger-{it}" / "manifest.json").read_text())["replays"]}
    assert played and not played & held and not {x["level"] for x in bc["replays"]} & held
    assert res["val_levels"] and not played & set(res["val_levels"])
    assert (out / run_id / "policy.zip").is_file() and run.data.tags.get("npp_rl.registered_version")


def test_measure_writes_success_per_category(tiny_levels, tmp_path):
    from npp_rl.pretraining.measure import main as measure

    assert measure(["--levels", str(tiny_levels), "--split", "test", "--untrained",
                    "--out", str(tmp_path / "m.png"), "--json", str(tmp_path / "m.json")]) == 0
    res = json.loads((tmp_path / "m.json").read_text())
    assert res["levels_per_category"] == {"simple": 1}
    assert set(res["greedy_success"]["untrained"]) == {"simple", "overall"}
    assert (tmp_path / "m.png").stat().st_size > 1000
