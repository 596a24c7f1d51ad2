"""Compare on synthetic runs logged like the real steps: matrix, plots, report, champion alias, errors."""

from __future__ import annotations

import math

import mlflow
import pytest
import torch
from click.testing import CliRunner
from mlflow.tracking import MlflowClient
from npp_eval_helpers import log_synthetic_experiment, make_policy

from npp_rl import tracking
from npp_rl.cli import main
from npp_rl.comparison import (
    CompareConfig,
    CompareError,
    RunSet,
    build_matrix,
    choose_champion,
    collect_runs,
    parse_weights,
    run_compare,
)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.delenv("MLFLOW_TRACKING_URI", raising=False)
    mp.setenv("NPP_RL_HOME", str(home))
    mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    tracking.configure(quiet=True)
    policy = make_policy(home / "policy.zip", "mlp_baseline")
    runs = log_synthetic_experiment("cmp-test", policy)
    yield runs, home
    mlflow.set_tracking_uri(None)
    mp.undo()


def test_weights_parsing():
    w = parse_weights("success=0.5, latency=0.2")
    assert w["success"] == 0.5 and w["latency"] == 0.2 and w["efficiency"] == 0.15
    with pytest.raises(ValueError, match="unknown criterion 'speed'"):
        parse_weights("speed=1")
    with pytest.raises(ValueError, match="not a number"):
        parse_weights("success=abc")


def test_matrix_from_synthetic_runs(synthetic):
    runs_logged, _ = synthetic
    tracking.configure(quiet=True)
    runs = collect_runs("cmp-test")
    assert len(runs.models) == 13
    missing = [p for p in runs.problems if p["architecture"] == "gat"]
    assert any("no finished evaluate run" in p["problem"] for p in missing)
    m = build_matrix(runs)
    t = m.table
    assert len(t) == 7 and set(t["condition"]) == {"scratch", "pretrained"}
    assert m.categories == ["simple", "medium"]
    gat = t[t["architecture"] == "gat"].iloc[0]
    assert math.isnan(gat["score"]) and math.isnan(gat["rank"])  # listed, not ranked
    ranked = t.dropna(subset=["rank"])
    assert list(ranked["rank"]) == sorted(ranked["rank"]) and ranked["rank"].iloc[0] == 1
    assert ((ranked["score"] >= 0) & (ranked["score"] <= 1)).all()
    vf = t[(t["architecture"] == "vision_free") & (t["condition"] == "pretrained")].iloc[0]
    assert vf["seeds"] == 2 and vf["success"] == pytest.approx((0.90 + 0.87) / 2)
    assert vf["success_ci_low"] < vf["success"] < vf["success_ci_high"]
    assert vf["steps_to_50"] > 0 and vf["reached_50"] == 1.0
    assert sum(m.weights.values()) == pytest.approx(1.0)
    # latency-only weights: everything under the 5 ms target ties; parameters-only: the smallest wins
    fast = build_matrix(runs, parse_weights({k: 0.0 for k in parse_weights(None)} | {"latency": 1.0}))
    ft = fast.table.dropna(subset=["rank"])
    assert (ft["score"] == 1).all()  # every row ties on the score, so success decides the rank
    for hi, lo in zip(ft.itertuples(), ft.iloc[1:].itertuples(), strict=False):
        assert hi.rank < lo.rank or (hi.rank == lo.rank and hi.success_ci_low <= lo.success_ci_high)
        if hi.success_ci_low > lo.success_ci_high:
            assert hi.rank < lo.rank
    # parameters-only weights: the smallest model has the best score, but success comes first, so it cannot
    # rank above a row whose success interval lies wholly above its own
    small = build_matrix(runs, parse_weights({k: 0.0 for k in parse_weights(None)} | {"parameters": 1.0}))
    st = small.table.dropna(subset=["rank"])
    assert set(st.loc[st["score_rank"] == 1, "architecture"]) == {"mlp_baseline"}
    top = st.iloc[0]
    assert (top["architecture"], top["condition"]) == ("vision_free", "pretrained")
    for r in st[st["architecture"] == "mlp_baseline"].itertuples():
        assert r.success_ci_high < top["success_ci_low"] and r.rank > 1


def test_compare_run_report_and_champion(synthetic, tmp_path):
    runs_logged, _ = synthetic
    tracking.configure(quiet=True)
    res = run_compare(CompareConfig(experiment_name="cmp-test", out=str(tmp_path / "out")))
    top = res.matrix.table.iloc[0]
    assert (top["architecture"], top["condition"]) == ("vision_free", "pretrained")
    ch = res.champion
    assert ch["name"] == "npp-rl-vision_free" and ch["seed"] == "0"  # seed 0 has the better test success
    assert tracking.get_alias_version("npp-rl-vision_free", "champion") == ch["version"]
    assert ch["version"] == runs_logged[("vision_free", "pretrained", 0)][2]
    client = MlflowClient()
    run = client.get_run(res.run_id)
    assert run.data.tags["npp_rl.step"] == "compare" and run.data.tags["npp_rl.champion_uri"] == \
        "models:/npp-rl-vision_free@champion"
    arts = {a.path for a in client.list_artifacts(res.run_id)}
    assert {"report.md", "report.html", "matrix.csv", "training_curves.png", "category_success.png",
            "pretraining_impact.png", "success_vs_latency.png", "aggregate_intervals.png", "performance_profiles.png",
            "champion.json"} <= arts
    md = (res.out / "report.md").read_text()
    assert "vision_free (pretrained)** ranks first" in md and "Champion: `models:/npp-rl-vision_free@champion`" in md
    assert "no finished evaluate run" in md  # the incomplete run is listed
    html = (res.out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 6 and "<table" in html
    # weights that favour the smallest model: its score wins, success-first keeps the champion
    res2 = run_compare(CompareConfig(experiment_name="cmp-test", weights={"success": 0.0, "efficiency": 0.0,
                                     "safety": 0.0, "sample_efficiency": 0.0, "train_throughput": 0.0,
                                     "parameters": 1.0, "latency": 0.0}, bootstrap_reps=500))
    assert res2.champion["name"] == "npp-rl-vision_free"
    t2 = res2.matrix.table
    assert set(t2.loc[t2["score_rank"] == 1, "architecture"]) == {"mlp_baseline"}
    # another winner (only mlp_baseline's runs in the comparison): the alias moves to that architecture's model
    runs = collect_runs("cmp-test")
    only_mlp = RunSet(runs.experiment_name, [m for m in runs.models if m.architecture == "mlp_baseline"], runs.bench)
    ch2 = choose_champion(only_mlp, build_matrix(only_mlp, reps=200))
    assert ch2["name"] == "npp-rl-mlp_baseline" and ch2["condition"] == "pretrained"
    assert tracking.get_alias_version("npp-rl-mlp_baseline", "champion") == ch2["version"]
    with pytest.raises(CompareError, match="no finished evaluate run"):
        run_compare(CompareConfig(experiment_name="cmp-test", strict=True))
    # --no-champion through the CLI: the alias stays where it is, and neither the output nor the report says
    # it moved (the choice is named as what it would be)
    before = tracking.get_alias_version("npp-rl-vision_free", "champion")
    r = CliRunner().invoke(main, ["compare", "--experiment-name", "cmp-test", "--no-champion", "--bootstrap-reps",
                                  "200", "--out", str(tmp_path / "out3")])
    assert r.exit_code == 0, r.output
    assert "champion not moved (--no-champion); the choice would be npp-rl-vision_free" in r.output
    assert "champion: models:/" not in r.output
    assert tracking.get_alias_version("npp-rl-vision_free", "champion") == before
    md3 = (tmp_path / "out3" / "report.md").read_text()
    assert "Champion not moved (disabled for this compare)" in md3 and "Champion: `models:/" not in md3


def test_compare_errors(synthetic):
    tracking.configure(quiet=True)
    with pytest.raises(CompareError, match="does not exist"):
        collect_runs("no-such-experiment")
    tracking.get_or_create_experiment("cmp-empty")
    with pytest.raises(CompareError, match="has no runs"):
        run_compare(CompareConfig(experiment_name="cmp-empty"))
    with tracking.start_run("cmp-noeval", step="train", tags={tracking.TAG_ARCH: "gcn"}):
        pass
    with pytest.raises(CompareError, match="no model has test results"):
        run_compare(CompareConfig(experiment_name="cmp-noeval"))
