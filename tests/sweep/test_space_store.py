"""The search space, the objective, the best-parameters YAML, and tracking under concurrent writers."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

import optuna
import pytest

from npp_rl.sweep import load_space, suggest, write_best_yaml
from npp_rl.sweep.space import objective_value
from npp_rl.sweep.store import enable_wal, is_locked_error, retry_locked
from npp_rl.training import load_hyperparams


def test_space_validation_names_the_bad_entry():
    assert {"learning_rate", "n_steps", "batch_size", "n_epochs", "ent_coef", "clip_range", "gamma"} <= set(load_space())
    with pytest.raises(ValueError, match="'lr'.*not a PPO hyperparameter"):
        load_space({"lr": {"type": "float", "low": 0.1, "high": 1}})
    with pytest.raises(ValueError, match="'n_epochs'.*low must be < high"):
        load_space({"n_epochs": {"type": "int", "low": 4, "high": 2}})
    with pytest.raises(ValueError, match="'gamma'.*categorical needs choices"):
        load_space({"gamma": {"type": "categorical"}})


def test_suggest_asks_for_each_entry_within_its_range():
    space = load_space({"n_epochs": {"type": "int", "low": 2, "high": 3}})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(6):
        t = study.ask()
        p = suggest(t, space)
        assert set(p) == set(space)
        assert 2 <= p["n_epochs"] <= 3 and 1e-5 <= p["learning_rate"] <= 3e-3 and p["n_steps"] in (32, 64, 128, 256)
    fixed = optuna.trial.FixedTrial({"learning_rate": 1e-3, "n_steps": 64, "batch_size": 128, "n_epochs": 2,
                                     "ent_coef": 0.01, "clip_range": 0.3, "gamma": 0.98})
    assert suggest(fixed, space)["clip_range"] == 0.3


def test_objective_success_first_reward_only_breaks_ties():
    lo = objective_value({"eval/success_rate": 0.25, "eval/mean_reward": 100.0})
    hi = objective_value({"eval/success_rate": 0.30, "eval/mean_reward": -100.0})
    assert hi > lo  # more success wins whatever the reward
    a = objective_value({"eval/success_rate": 0.5, "eval/mean_reward": 1.0})
    b = objective_value({"eval/success_rate": 0.5, "eval/mean_reward": -1.0})
    assert a > b and abs(a - b) < 0.01
    assert objective_value({"eval/mean_reward": 1.0}) is None


def test_best_yaml_is_read_by_train_hyperparams(tmp_path):
    tuned = {"learning_rate": 1.25e-4, "n_steps": 32, "n_epochs": 7, "gamma": 0.95}
    path = write_best_yaml(tmp_path / "best.yaml", "mlp_baseline", tuned, {"study": "s", "trial": 3})
    hp = load_hyperparams("mlp_baseline", path)
    assert (hp.learning_rate, hp.n_steps, hp.n_epochs, hp.gamma) == (1.25e-4, 32, 7, 0.95)
    packaged = load_hyperparams("mlp_baseline")
    assert hp.batch_size == packaged.batch_size and hp.clip_range == packaged.clip_range  # untouched stay
    assert "# trial: 3" in path.read_text()
    # other architectures keep the packaged defaults
    assert load_hyperparams("gcn", path).learning_rate == load_hyperparams("gcn").learning_rate


def test_retry_locked_retries_lock_errors_only():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "ok"

    assert retry_locked(flaky, wait=0.01) == "ok" and len(calls) == 3
    with pytest.raises(ValueError):
        retry_locked(lambda: (_ for _ in ()).throw(ValueError("other")), wait=0.01)
    assert is_locked_error(RuntimeError("(sqlite3.OperationalError) database is locked"))


def _writer(uri: str, run_id: str, worker: int, n: int, q) -> None:
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    try:
        for i in range(n):
            client.log_metric(run_id, f"w{worker}", float(i), step=i)
            client.set_tag(run_id, f"w{worker}.last", str(i))
        q.put(None)
    except Exception as e:  # reported to the test
        q.put(f"{type(e).__name__}: {e}")


@pytest.mark.slow  # 4 fresh MLflow processes: ~100 s on this loaded 2-core machine
def test_concurrent_writers_on_the_embedded_store(tmp_path):
    """4 processes writing one SQLite store in WAL mode at once: every write lands, no 'database is locked'."""
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    run_id = client.create_run(client.create_experiment("concurrent")).info.run_id
    assert enable_wal(uri) == "wal"
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(uri, run_id, w, 40, q)) for w in range(4)]
    for p in procs:
        p.start()
    errors = [q.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(30)
    assert errors == [None] * 4
    for w in range(4):
        assert len(client.get_metric_history(run_id, f"w{w}")) == 40
    assert client.get_run(run_id).data.tags["w3.last"] == "39"
