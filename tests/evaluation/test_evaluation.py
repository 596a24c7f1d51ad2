"""Evaluation: metrics, the test-suite loader, episodes through the batched env, the evaluate run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mlflow
import numpy as np
import pytest
import torch
from mlflow.tracking import MlflowClient

from npp_rl import tracking
from npp_rl.evaluation import Episode, SuiteError, load_suite, summarize, wilson_interval
from npp_rl.evaluation.metrics import flat_metrics

torch.set_num_threads(1)


def _ep(cat, success=False, died=False, timeout=False, cause=None, steps=10, frames=40, ref=20.0, reward=0.0,
        moved=True, level="x", repeat=0):
    return Episode(level=f"{cat}/{level}", category=cat, repeat=repeat, success=success, died=died, timeout=timeout,
                   death_cause=cause, steps=steps, frames=frames, reward=reward, reference_frames=ref,
                   reference_kind="manifest", moved=moved)


def test_safety_counts_only_attempts_that_move():
    from npp_rl.evaluation.metrics import per_level_table

    idle = summarize([_ep("a", timeout=True, moved=False, level=str(i)) for i in range(4)])["overall"]
    assert idle["moving_rate"] == 0 and math.isnan(idle["safety"])  # standing still is not "safe"
    assert math.isnan(idle["deaths_per_success"]) and idle["death_rate"] == 0
    eps = [_ep("a", success=True, level="1"), _ep("a", died=True, cause="mine", level="2"),
           _ep("a", timeout=True, moved=False, level="3"), _ep("a", timeout=True, level="4")]
    m = summarize(eps)["overall"]
    assert m["moving_rate"] == 0.75 and m["safety"] == pytest.approx(1 - 1 / 3) and m["deaths_per_success"] == 1
    rows = per_level_table(eps)
    assert [r["level"] for r in rows] == ["a/1", "a/2", "a/3", "a/4"]
    assert rows[0]["success_rate"] == 1 and rows[0]["efficiency"] == 0.5 and rows[1]["efficiency"] is None
    assert (rows[1]["deaths"], rows[2]["moved"]) == (1, 0)


def test_deterministic_repeats_count_once_in_the_interval():
    # 2 levels x 5 identical repeats: 1 of 2 levels solved; as independent episodes n = 10, as levels n = 2
    eps = [_ep("a", success=lv == 0, timeout=lv == 1, level=str(lv), repeat=r) for lv in range(2) for r in range(5)]
    ind, det = summarize(eps)["overall"], summarize(eps, repeats_independent=False)["overall"]
    assert ind["success_rate"] == det["success_rate"] == 0.5
    assert (det["success_ci_low"], det["success_ci_high"]) == pytest.approx(wilson_interval(1, 2))
    assert (ind["success_ci_low"], ind["success_ci_high"]) == pytest.approx(wilson_interval(5, 10))
    assert det["success_ci_high"] - det["success_ci_low"] > ind["success_ci_high"] - ind["success_ci_low"]


def test_wilson_interval():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.25 < hi < 0.35  # 0/10 is not certainly 0
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0 and 0.65 < lo < 0.75
    lo, hi = wilson_interval(5, 10)
    assert lo < 0.5 < hi and math.isclose(0.5 - lo, hi - 0.5, rel_tol=1e-9)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_summary_metrics_are_bounded_and_add_up():
    eps = [_ep("a", success=True, frames=40, ref=20.0, steps=10), _ep("a", success=True, frames=10, ref=20.0, steps=3),
           _ep("a", died=True, cause="mine"), _ep("b", timeout=True), _ep("b", died=True, cause="impact"),
           _ep("b", success=True, frames=100, ref=25.0, steps=25, reward=1.0)]
    s = summarize(eps)
    assert set(s) == {"a", "b", "overall"}
    a = s["a"]
    assert a["success_rate"] == pytest.approx(2 / 3)
    assert a["efficiency"] == pytest.approx((0.5 + 1.0) / 2)  # 20/40, and 20/10 clipped to 1
    assert a["spl"] == pytest.approx((0.5 + 1.0 + 0) / 3)
    assert a["steps_mean"] == 6.5 and a["steps_median"] == 6.5
    assert a["deaths"] == {"mine": pytest.approx(1 / 3)} and a["safety"] == pytest.approx(2 / 3)
    for m in s.values():
        assert m["success_rate"] + m["death_rate"] + m["timeout_rate"] == pytest.approx(1.0)
        assert 0 <= m["efficiency"] <= 1 and m["success_ci_low"] <= m["success_rate"] <= m["success_ci_high"]
    assert s["overall"]["episodes"] == 6 and s["overall"]["deaths"] == {"impact": 1 / 6, "mine": 1 / 6}
    flat = flat_metrics(s)
    assert flat["eval/b/deaths/impact"] == pytest.approx(1 / 3) and "eval/overall/success_rate" in flat
    s_none = summarize([_ep("c", died=True, cause="mine")])
    assert math.isnan(s_none["c"]["efficiency"]) and "eval/c/efficiency" not in flat_metrics(s_none)


def test_suite_loader(tiny_dataset, tmp_path):
    suite = load_suite(tiny_dataset)
    assert suite.categories == ["simple", "mine_heavy"] and len(suite) == 4
    assert all(lv.reference_kind == "manifest" and lv.reference_frames > 0 for lv in suite.levels)
    # a bare folder of level files (an import): category = folder name; solutions beside are used
    flat = tmp_path / "imported"
    flat.mkdir()
    for lv in suite.levels[:2]:
        (flat / lv.path.name).write_bytes(lv.path.read_bytes())
    (flat / suite.levels[0].path.with_suffix(".nppreplay").name).write_bytes(
        suite.levels[0].path.with_suffix(".nppreplay").read_bytes())
    s2 = load_suite(flat)
    assert s2.categories == ["imported"] and len(s2) == 2
    assert [lv.reference_kind for lv in s2.levels] == ["replay", "geodesic"]
    assert s2.levels[0].reference_frames == suite.levels[0].reference_frames
    with pytest.raises(SuiteError, match="no such"):
        load_suite(tmp_path / "nope")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(SuiteError, match="no level files"):
        load_suite(tmp_path / "nothing")


def test_run_episodes_every_level_played(tiny_dataset):
    from npp_rl.evaluation.runner import run_episodes

    suite = load_suite(tiny_dataset)
    # always run right: episodes end by death, a win or the frame budget
    eps = run_episodes(lambda obs: np.full(len(obs["game_state"]), 2), suite, ("game_state",),
                       episodes_per_level=2, n_envs=3)
    assert len(eps) == 8
    assert [(e.level, e.repeat) for e in eps] == [(lv.name, r) for lv in suite.levels for r in range(2)]
    for e in eps:
        assert e.success + e.died + e.timeout == 1 and e.steps >= 1 and len(e.trajectory) == e.steps + 1
        far = max(math.hypot(x - e.trajectory[0][0], y - e.trajectory[0][1]) for x, y in e.trajectory)
        assert e.moved == (far > 8.0)
    assert any(e.moved for e in eps)
    idle = run_episodes(lambda obs: np.zeros(len(obs["game_state"]), np.int64), suite, ("game_state",), n_envs=4)
    assert not any(e.moved for e in idle) and all(e.timeout for e in idle)  # NOOP never leaves the spawn
    # deterministic policy + deterministic env: repeats agree
    assert [e.frames for e in eps[0::2]] == [e.frames for e in eps[1::2]]


def test_evaluate_run(tiny_dataset, tiny_mlp_policy, tmp_path, monkeypatch):
    from npp_rl.evaluation import EvalConfig, ModelNotFoundError, evaluate

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    tracking.configure(quiet=True)
    with tracking.start_run("eval-test", step="train", seed=3,
                            tags={tracking.TAG_ARCH: "mlp_baseline", tracking.TAG_CONDITION: "scratch"}) as run:
        tracking.log_policy(tiny_mlp_policy, name="model")
    train_id = run.info.run_id
    cfg = EvalConfig(model=train_id, test_dataset=str(tiny_dataset), experiment_name="eval-test", n_envs=4,
                     latency_samples=5)
    eval_id = evaluate(cfg)
    client = MlflowClient()
    r = client.get_run(eval_id)
    assert r.data.tags["npp_rl.step"] == "evaluate" and r.data.tags["npp_rl.train_run_id"] == train_id
    assert r.data.tags["npp_rl.architecture"] == "mlp_baseline" and r.data.tags["npp_rl.condition"] == "scratch"
    assert r.data.tags["npp_rl.test_set_hash"] == load_suite(tiny_dataset).content_hash()
    assert r.data.tags["npp_rl.policy_mode"] == "deterministic" and r.data.tags["npp_rl.source_step"] == "train"
    m = r.data.metrics
    for cat in ("simple", "mine_heavy", "overall"):
        assert 0 <= m[f"eval/{cat}/success_rate"] <= 1
        assert m[f"eval/{cat}/success_rate"] + m[f"eval/{cat}/death_rate"] + m[f"eval/{cat}/timeout_rate"] == pytest.approx(1)
    assert m["eval/overall/episodes"] == 4 and m["model/parameters"] > 1000 and m["perf/latency_ms_b1_p50"] > 0
    res = json.loads(Path(client.download_artifacts(eval_id, "eval_results.json", str(tmp_path))).read_text())
    assert res["summary"]["overall"]["episodes"] == 4 and len(res["episodes"]) == 4
    per = json.loads(Path(client.download_artifacts(eval_id, "per_level.json", str(tmp_path))).read_text())
    assert sorted(p["level"] for p in per) == sorted(lv.name for lv in load_suite(tiny_dataset).levels)
    assert sum(p["successes"] for p in per) == round(m["eval/overall/success_rate"] * 4)
    videos = [a.path for c in ("simple", "mine_heavy") for a in client.list_artifacts(eval_id, f"videos/{c}")]
    assert videos and all(p.endswith(".gif") for p in videos)
    # the same model by URI gives the same results
    eval2 = evaluate(EvalConfig(model=f"runs:/{train_id}/model", test_dataset=str(tiny_dataset),
                                experiment_name="eval-test", n_envs=2, videos=False, latency_samples=0))
    r2 = client.get_run(eval2)
    m2 = r2.data.metrics
    assert r2.data.tags["npp_rl.test_set_hash"] == r.data.tags["npp_rl.test_set_hash"]
    assert m2["eval/overall/success_rate"] == m["eval/overall/success_rate"]
    assert m2["eval/overall/mean_reward"] == pytest.approx(m["eval/overall/mean_reward"])
    # the pipeline helper: already-evaluated runs are skipped; a parent id selects its children
    from npp_rl.evaluation import evaluate_experiment

    assert evaluate_experiment("eval-test", str(tiny_dataset)) == {}
    again = evaluate_experiment("eval-test", str(tiny_dataset), run_ids=[train_id], skip_evaluated=False,
                                videos=False, latency_samples=0, n_envs=4)
    assert list(again) == [train_id]
    # a policy straight from behaviour cloning (a pretrain run) is evaluated as its own condition
    with tracking.start_run("eval-test", step="pretrain", seed=0,
                            tags={tracking.TAG_ARCH: "mlp_baseline", tracking.TAG_CONDITION: "pretrained"}) as pre:
        tracking.log_policy(tiny_mlp_policy, name="model")
    bc = client.get_run(evaluate(EvalConfig(model=pre.info.run_id, test_dataset=str(tiny_dataset), n_envs=4,
                                            experiment_name="eval-test", videos=False, latency_samples=0,
                                            deterministic=False)))
    assert bc.data.tags["npp_rl.condition"] == "bc_only" and bc.data.tags["npp_rl.source_step"] == "pretrain"
    assert bc.data.tags["npp_rl.policy_mode"] == "stochastic"
    for bad in ("models:/npp-rl-nothing@champion", "0123456789abcdef0123456789abcdef", "models:/npp-rl-x/7"):
        with pytest.raises(ModelNotFoundError, match="--model"):
            evaluate(EvalConfig(model=bad, test_dataset=str(tiny_dataset), experiment_name="eval-test"))
    mlflow.set_tracking_uri(None)
