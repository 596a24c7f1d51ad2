"""`npp-rl sweep --backend local` and `npp-rl tune --backend optuna` through the CLI at a tiny budget."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import yaml
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from npp_rl.cli import main
from npp_rl.training import load_hyperparams

TINY = ["--total-timesteps", "256", "--num-envs", "2", "--train-set", "eval_freq=0", "--train-set", "eval_episodes=2",
        "--eval-set", "videos=false", "--eval-set", "latency_samples=0"]


def _runs(exp: str, filt: str = ""):
    mlflow.set_tracking_uri(mlflow.get_tracking_uri())
    e = mlflow.get_experiment_by_name(exp)
    return MlflowClient().search_runs([e.experiment_id], filt, max_results=1000)


def test_sweep_local_tracks_retries_reports_and_skips_finished(sweep_levels, tracking_uri, tmp_path, monkeypatch):
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("NPP_RL_TEST_CALLS", str(calls))
    args = ["sweep", "--experiment-name", "sw", "--architectures", "mlp_baseline", "--seeds", "0,1",
            "--train-dataset", str(sweep_levels), "--test-dataset", str(sweep_levels), "--backend", "local",
            "--name", "grid", "--max-retries", "1", "--output-dir", str(tmp_path / "out"),
            "--train-set", "env_factory=sweep_factories:fail_seed1", *TINY]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1, res.output
    assert "1 trial(s) failed: mlp_baseline/scratch/seed1" in res.output
    # seed 1 was tried 1 + max_retries times; seed 0 once (plus its held-back eval env)
    tries = [ln.split()[:2] for ln in calls.read_text().splitlines()]
    assert tries.count(["1", "train"]) == 2 and tries.count(["0", "train"]) == 1

    mlflow.set_tracking_uri(tracking_uri)
    parent = _runs("sw", "tags.`npp_rl.step` = 'sweep'")
    assert len(parent) == 1 and parent[0].info.status == "FAILED"
    pid = parent[0].info.run_id
    kids = _runs("sw", f"tags.`mlflow.parentRunId` = '{pid}'")
    steps = sorted((r.data.tags["npp_rl.step"], r.data.tags.get("npp_rl.trial", "")) for r in kids)
    assert ("train", "mlp_baseline/scratch/seed0") in steps and ("evaluate", "mlp_baseline/scratch/seed0") in steps
    assert ("compare", "") in steps  # the sweep ended with compare over what finished
    report = json.loads(Path(MlflowClient().download_artifacts(pid, "sweep.json", str(tmp_path))).read_text())
    status = {t["trial"]: t["status"] for t in report["trials"]}
    assert status == {"mlp_baseline/scratch/seed0": "finished", "mlp_baseline/scratch/seed1": "failed"}
    assert "injected failure" in next(t["error"] for t in report["trials"] if t["status"] == "failed")

    # the same sweep again: the finished trial is skipped (no new training), the failed one retried
    n_train = len(_runs("sw", "tags.`npp_rl.step` = 'train'"))
    res2 = CliRunner().invoke(main, args)
    assert res2.exit_code == 1, res2.output
    line = next(ln for ln in res2.output.splitlines() if ln.startswith("mlp_baseline/scratch/seed0"))
    assert "skipped" in line
    assert len(_runs("sw", "tags.`npp_rl.step` = 'train'")) == n_train
    assert len(_runs("sw", "tags.`npp_rl.step` = 'sweep'")) == 1  # the same sweep run, reopened
    tries = [ln.split()[:2] for ln in calls.read_text().splitlines()]
    assert tries.count(["0", "train"]) == 1 and tries.count(["1", "train"]) == 4


def test_tune_optuna_writes_a_best_yaml_that_train_takes(sweep_levels, tracking_uri, tmp_path):
    out = tmp_path / "best.yaml"
    journal = tmp_path / "study.journal"
    args = ["tune", "--experiment-name", "tn", "--architecture", "mlp_baseline", "--train-dataset", str(sweep_levels),
            "--trials", "2", "--total-timesteps", "256", "--num-envs", "2", "--evals-per-trial", "2",
            "--eval-episodes", "2", "--storage", str(journal), "--out", str(out), "--output-dir", str(tmp_path / "o"),
            "--space", "n_steps={type: categorical, choices: [32, 64]}"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "study tn-mlp_baseline: 2 complete" in res.output and journal.is_file()

    import optuna

    study = optuna.load_study(study_name="tn-mlp_baseline",
                              storage=optuna.storages.JournalStorage(
                                  optuna.storages.journal.JournalFileBackend(str(journal))))
    assert len(study.trials) == 2
    best = study.best_trial
    hp = load_hyperparams("mlp_baseline", out)
    for k, v in best.params.items():
        assert getattr(hp, k) == v, k
    assert hp.n_steps in (32, 64)
    assert yaml.safe_load(out.read_text())["architectures"]["mlp_baseline"]["n_steps"] == best.params["n_steps"]

    mlflow.set_tracking_uri(tracking_uri)
    tune_run = _runs("tn", "tags.`npp_rl.step` = 'tune'")[0]
    kids = _runs("tn", f"tags.`mlflow.parentRunId` = '{tune_run.info.run_id}'")
    assert len(kids) == 2 and {r.data.tags["npp_rl.tune.state"] for r in kids} == {"COMPLETE"}
    assert {r.data.tags["npp_rl.tune.trial"] for r in kids} == {"0", "1"}
    # each trial's run records the hyperparameters it trained with
    for r in kids:
        t = study.trials[int(r.data.tags["npp_rl.tune.trial"])]
        assert float(r.data.params["ppo.learning_rate"]) == t.params["learning_rate"]
        assert r.data.metrics["tune/objective"] == t.value
    assert tune_run.data.metrics["tune/best_value"] == best.value

    # re-running continues the study: it already has 2 trials, so none more are run
    res2 = CliRunner().invoke(main, args)
    assert res2.exit_code == 0 and "2 complete" in res2.output
    assert len(optuna.load_study(study_name="tn-mlp_baseline", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(journal)))).trials) == 2

    # `train --hyperparams best.yaml` trains with those values
    res3 = CliRunner().invoke(main, ["train", "--experiment-name", "tn-use", "--architectures", "mlp_baseline",
                                     "--train-dataset", str(sweep_levels), "--total-timesteps", "128", "--num-envs",
                                     "2", "--eval-freq", "0", "--eval-episodes", "0", "--no-progress",
                                     "--no-register", "--hyperparams", str(out),
                                     "--output-dir", str(tmp_path / "t")])
    assert res3.exit_code == 0, res3.output
    run = _runs("tn-use")[0]
    assert float(run.data.params["ppo.learning_rate"]) == best.params["learning_rate"]
