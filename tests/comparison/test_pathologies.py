"""Run sets with each pathology of the old matrix: the corrected ranking and the refusal messages.

Each test logs its own experiment into one embedded SQLite store under a temporary folder, the way train,
pretrain and evaluate log (tags, metric names, ``per_level.json``), and reads it back through compare."""

from __future__ import annotations

import math

import mlflow
import pytest
from click.testing import CliRunner
from npp_runsets import eval_run, levels, train_run

from npp_rl import tracking
from npp_rl.cli import main
from npp_rl.comparison import CompareConfig, CompareError, build_matrix, collect_runs, run_compare

CURVE_FAST = [(k * 10_000, min(1.0, 0.1 * k)) for k in range(1, 11)]


@pytest.fixture(scope="module", autouse=True)
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.delenv("MLFLOW_TRACKING_URI", raising=False)
    mp.setenv("NPP_RL_HOME", str(home))
    mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    tracking.configure(quiet=True)
    yield home
    mlflow.set_tracking_uri(None)
    mp.undo()


def _row(matrix, arch, cond="scratch"):
    t = matrix.table
    return t[(t["architecture"] == arch) & (t["condition"] == cond)].iloc[0]


def test_idle_agent_never_outranks_one_that_succeeds(tmp_path):
    exp = "pathology-idle"
    for seed in range(3):  # stands still: 0 % success, never leaves the spawn, tiny and fast
        tid = train_run(exp, "mlp_baseline", seed=seed, curve=[(s, 0.0) for s, _ in CURVE_FAST], fps=4000.0)
        eval_run(exp, tid, "mlp_baseline", "scratch", levels(0), seed=seed, moved=0.0, latency=0.2, params=55_000)
    for seed, k in enumerate((1, 2, 1)):  # solves 10-20 %, dies on some levels, big and slow
        tid = train_run(exp, "gcn", seed=seed, curve=[(s, v * 0.2) for s, v in CURVE_FAST], fps=300.0)
        eval_run(exp, tid, "gcn", "scratch", levels(k), seed=seed, moved=1.0, deaths=4, latency=4.5,
                 params=200_000)
    m = build_matrix(collect_runs(exp), reps=1000)
    idle, gcn = _row(m, "mlp_baseline"), _row(m, "gcn")
    assert (gcn["rank"], idle["rank"]) == (1, 2)
    assert math.isnan(idle["safety"]) and idle["norm/safety"] == 0.0  # standing still is not safe
    assert math.isnan(idle["efficiency"]) and idle["norm/efficiency"] == 0.0  # no success, no efficiency
    assert idle["success_auc"] == 0.0 and gcn["safety"] == pytest.approx(1 - 4 / 10)
    assert gcn["success"] == pytest.approx(4 / 30) and gcn["seeds"] == 3
    # weights that reward only speed and size: the score prefers the idle agent, the rank does not, since its
    # success interval [0, 0] lies wholly below gcn's
    w = {"success": 0.05, "efficiency": 0, "safety": 0, "sample_efficiency": 0, "latency": 0.5,
         "train_throughput": 0.25, "parameters": 0.2}
    m2 = build_matrix(collect_runs(exp), weights=w, reps=1000)
    idle2, gcn2 = _row(m2, "mlp_baseline"), _row(m2, "gcn")
    assert idle2["score"] > gcn2["score"] and idle2["score_rank"] == 1
    assert (gcn2["rank"], idle2["rank"]) == (1, 2)
    assert gcn2["success_ci_low"] > idle2["success_ci_high"] == 0.0
    res = run_compare(CompareConfig(experiment_name=exp, weights=w, out=str(tmp_path / "out"), set_champion=False,
                                    bootstrap_reps=500))
    md = (res.out / "report.md").read_text()
    assert "mlp_baseline (scratch) is #2 although its score alone would place it #1" in md
    # P(improvement) per level, averaged: level 0 solved by every gcn seed (1), level 1 by one of three
    # (1/3 + 1/2 * 2/3), the other 8 levels tie (1/2): (1 + 2/3 + 4) / 10 = 0.567
    assert m2.improvement[0]["p"] == pytest.approx((1 + 2 / 3 + 4) / 10)
    assert "How sure:" in md and "P(gcn (scratch) > mlp_baseline (scratch)) = 0.57" in md
    assert "do not overlap" in md


def test_failing_seeds_count_as_the_full_budget():
    exp = "pathology-failing-seeds"
    # lucky: one of three seeds reaches 50 % at 10k steps, the others never do; steady: all three at 20k
    for seed in range(3):
        curve = [(s, 0.6 if seed == 0 else 0.2) for s, _ in CURVE_FAST]
        tid = train_run(exp, "lucky", seed=seed, curve=curve)
        eval_run(exp, tid, "lucky", "scratch", levels(5), seed=seed)
        steady = [(s, 0.3 if s < 20_000 else 0.6) for s, _ in CURVE_FAST]
        tid = train_run(exp, "steady", seed=seed, curve=steady)
        eval_run(exp, tid, "steady", "scratch", levels(5), seed=seed)
    m = build_matrix(collect_runs(exp), reps=500)
    lucky, steady = _row(m, "lucky"), _row(m, "steady")
    assert lucky["reached_50"] == pytest.approx(1 / 3) and steady["reached_50"] == 1.0
    assert lucky["steps_to_50"] == pytest.approx((10_000 + 100_000 + 100_000) / 3)  # the old matrix said 10k
    assert steady["steps_to_50"] == 20_000
    assert steady["success_auc"] > lucky["success_auc"]
    assert steady["norm/sample_efficiency"] > lucky["norm/sample_efficiency"]
    assert (steady["rank"], lucky["rank"]) == (1, 2)  # same test success: sample efficiency decides


def test_mixed_test_sets_and_policy_modes_are_refused():
    exp = "pathology-mixed"
    a = train_run(exp, "gcn", seed=0, curve=CURVE_FAST)
    ea = eval_run(exp, a, "gcn", "scratch", levels(6), test_set="aaaa1111")
    b = train_run(exp, "mlp_baseline", seed=0, curve=CURVE_FAST)
    eb = eval_run(exp, b, "mlp_baseline", "scratch", levels(3), test_set="bbbb2222")
    with pytest.raises(CompareError) as e:
        run_compare(CompareConfig(experiment_name=exp, set_champion=False))
    msg = str(e.value)
    assert "not comparable, they differ in test sets" in msg and "policy modes" not in msg
    assert "test set aaaa1111" in msg and "test set bbbb2222" in msg and ea in msg and eb in msg
    # choosing one test set (a prefix is enough) compares what was evaluated on it
    res = run_compare(CompareConfig(experiment_name=exp, test_set="aaaa", set_champion=False, bootstrap_reps=200))
    ranked = res.matrix.table.dropna(subset=["rank"])
    assert list(ranked["architecture"]) == ["gcn"]
    assert _row(res.matrix, "mlp_baseline")["seeds"] == 0  # its evaluation was on the other set: unevaluated
    # the same test set, but one stochastic evaluation: refused, naming the mode
    c = train_run(exp, "gat", seed=0, curve=CURVE_FAST)
    ec = eval_run(exp, c, "gat", "scratch", levels(4), test_set="aaaa1111", policy_mode="stochastic")
    with pytest.raises(CompareError, match="differ in policy modes") as e2:
        run_compare(CompareConfig(experiment_name=exp, test_set="aaaa", set_champion=False))
    assert "aaaa1111, stochastic policy" in str(e2.value) and ec in str(e2.value)
    # through the real CLI: the refusal is a clear error, exit code 1
    r = CliRunner().invoke(main, ["compare", "--experiment-name", exp, "--no-champion"])
    assert r.exit_code == 1 and "not comparable" in r.output and eb in r.output
    r = CliRunner().invoke(main, ["compare", "--experiment-name", exp, "--no-champion", "--test-set", "aaaa",
                                  "--policy-mode", "deterministic", "--bootstrap-reps", "200"])
    assert r.exit_code == 0, r.output
    assert "gcn" in r.output and "run_id=" in r.output


def test_bc_only_evaluations_are_their_own_condition():
    exp = "pathology-bc-only"
    pre = train_run(exp, "gcn", "pretrained", seed=0, step="pretrain")
    # tagged by today's evaluate (source step pretrain) ...
    eval_run(exp, pre, "gcn", "bc_only", levels(9), source_step="pretrain")
    # ... and as older evaluate runs were: condition "pretrained", no source step, train_run_id = the pretrain run
    pre2 = train_run(exp, "gcn", "pretrained", seed=1, step="pretrain")
    eval_run(exp, pre2, "gcn", "pretrained", levels(8), seed=1, source_step=None)
    for seed in range(2):
        tid = train_run(exp, "gcn", "pretrained", seed=seed, curve=CURVE_FAST)
        eval_run(exp, tid, "gcn", "pretrained", levels(4), seed=seed)
    runs = collect_runs(exp)
    m = build_matrix(runs, reps=500)
    bc, ppo = _row(m, "gcn", "bc_only"), _row(m, "gcn", "pretrained")
    assert bc["seeds"] == 2 and bc["success"] == pytest.approx(0.85)
    assert ppo["seeds"] == 2 and ppo["success"] == pytest.approx(0.4)  # not merged with the BC-only ones
    assert set(m.table["condition"]) == {"bc_only", "pretrained"}
    assert not [p for p in runs.problems if "not in this experiment" in p["problem"]]


def test_unevaluated_seeds_are_marked_and_not_counted(tmp_path):
    exp = "pathology-unevaluated"
    ids = [train_run(exp, "vision_free", seed=s, curve=CURVE_FAST) for s in range(3)]
    eval_run(exp, ids[0], "vision_free", "scratch", levels(7))
    for s in range(2):
        tid = train_run(exp, "gcn", seed=s, curve=CURVE_FAST)
        eval_run(exp, tid, "gcn", "scratch", levels(6 + s), seed=s)
    runs = collect_runs(exp)
    m = build_matrix(runs, reps=500)
    vf = _row(m, "vision_free")
    assert (vf["seeds"], vf["trained"], vf["unevaluated"]) == (1, 3, 2)
    assert vf["success_ci_low"] == vf["success_ci_high"] == vf["success"] == 0.7  # one seed: a point
    assert sum("no finished evaluate run" in p["problem"] for p in runs.problems) == 2
    res = run_compare(CompareConfig(experiment_name=exp, out=str(tmp_path / "o"), set_champion=False,
                                    bootstrap_reps=300))
    md = (res.out / "report.md").read_text()
    assert "| 1 of 3 (unevaluated: 2) |" in md
    assert "vision_free (scratch) 1 of 3" in md and "one evaluated seed" in md
    html = (res.out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 6


def test_one_seed_rows_never_read_as_a_clear_improvement(tmp_path):
    """With one seed per row the interval over seeds is a point ([0.8, 0.8] vs [0.2, 0.2]): points that do not
    overlap must not be read as "a clear improvement"; the verdict says one seed cannot show it."""
    exp = "pathology-one-seed"
    tid = train_run(exp, "gcn", seed=0, curve=CURVE_FAST)
    eval_run(exp, tid, "gcn", "scratch", levels(8), seed=0)
    tid = train_run(exp, "mlp_baseline", seed=0, curve=CURVE_FAST)
    eval_run(exp, tid, "mlp_baseline", "scratch", levels(2), seed=0)
    res = run_compare(CompareConfig(experiment_name=exp, out=str(tmp_path / "out"), set_champion=False,
                                    bootstrap_reps=500))
    md = (res.out / "report.md").read_text()
    assert _row(res.matrix, "gcn")["rank"] == 1 and _row(res.matrix, "gcn")["seeds"] == 1
    assert "a clear improvement" not in md and "do not overlap" not in md
    # gcn solves levels 0-7, mlp 0-1: P = (2 * 0.5 + 6 * 1 + 2 * 0.5) / 10 = 0.8, its interval above 0.5
    assert "P(gcn (scratch) > mlp_baseline (scratch)) = 0.80" in md
    assert "one seed cannot show an improvement" in md
