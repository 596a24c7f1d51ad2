"""The tracking layer against the embedded default and against the real local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from npp_rl import tracking


# --------------------------------------------------------------------------- backends
@pytest.fixture(params=["embedded", pytest.param("stack", marks=pytest.mark.stack)])
def backend(request, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    if request.param == "embedded":
        monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
        target = tracking.configure(quiet=True)
        assert target.embedded and target.uri.startswith("sqlite:////")
        yield request.param, None
    else:
        st = request.getfixturevalue("local_stack")
        tracking.configure(st.tracking_uri, quiet=True)
        yield request.param, st
    mlflow.set_tracking_uri(None)


def _write_tb_events(log_dir: Path, steps: range) -> None:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(log_dir))
    for s in steps:
        w.add_scalar("train/loss", 1.0 / (s + 1), s)
    w.close()


def test_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    t = tracking.resolve_tracking()
    assert t.source == "default" and t.uri == f"sqlite:///{tmp_path}/mlflow.db"
    assert t.artifact_root == (tmp_path / "artifacts").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    assert tracking.resolve_tracking().source == "env"
    assert tracking.resolve_tracking("http://example.invalid:5000").source == "flag"


@pytest.mark.parametrize("uri", ["htp:/nope", "http://", "sqlite://relative.db", "ftp://host/x"])
def test_malformed_uri_is_refused(uri):
    with pytest.raises(tracking.TrackingError, match="malformed"):
        tracking.configure(uri, quiet=True)


def test_unreachable_server_is_refused():
    from npp_rl.stack.local import free_port_block

    port = free_port_block(1)[0]
    with pytest.raises(tracking.TrackingError, match="unreachable"):
        tracking.configure(f"http://127.0.0.1:{port}", quiet=True)


def test_run_params_metrics_tensorboard_artifacts(backend, tmp_path):
    name, st = backend
    cfg = {"lr": 3e-4, "arch": {"name": "mlp_baseline", "layers": [64, 64]}}
    with tracking.start_run("track-test", step="train", config=cfg, seed=7,
                            tags={tracking.TAG_ARCH: "mlp_baseline"}) as run:
        run_id = run.info.run_id
        for s in range(5):
            mlflow.log_metric("train/loss", 1.0 / (s + 1), step=s)
        tb = tmp_path / "tb"
        _write_tb_events(tb, range(3))
        sync = tracking.TensorBoardSync(tb, run_id)
        assert sync.sync() == 1
        assert sync.sync() == 0  # nothing changed: nothing re-uploaded
        _write_tb_events(tb, range(3, 6))  # a second event file appears
        assert sync.sync() == 1
        (tmp_path / "note.txt").write_text("hello")
        mlflow.log_artifact(str(tmp_path / "note.txt"))

    client = MlflowClient()
    run = client.get_run(run_id)
    assert run.data.params["arch.layers"] == "64,64" and run.data.params["lr"] == "0.0003"
    assert run.data.tags["npp_rl.step"] == "train" and run.data.tags["npp_rl.seed"] == "7"
    assert run.data.tags["npp_rl.architecture"] == "mlp_baseline"
    assert "npp_rl.command" in run.data.tags
    hist = client.get_metric_history(run_id, "train/loss")
    assert [m.step for m in hist] == list(range(5))
    arts = {a.path for a in client.list_artifacts(run_id)}
    assert {"config.json", "note.txt", "tensorboard"} <= arts
    tb_files = [a.path for a in client.list_artifacts(run_id, "tensorboard")]
    assert sum("events.out.tfevents" in p for p in tb_files) == 2
    manifest = json.loads(Path(client.download_artifacts(run_id, "tensorboard/_manifest.json", str(tmp_path))).read_text())
    assert len(manifest) == 2 and all("sha256" in v for v in manifest.values())
    cfg_back = json.loads(Path(client.download_artifacts(run_id, "config.json", str(tmp_path))).read_text())
    assert cfg_back == cfg

    if st is not None:  # the objects are physically in the bucket
        keys = [o["Key"] for page in st.s3_client().get_paginator("list_objects_v2").paginate(
            Bucket=st.config.bucket, Prefix=st.config.prefix) for o in page.get("Contents", [])]
        assert any(k.endswith(f"{run_id}/artifacts/note.txt") for k in keys), keys[:20]
        assert sum("events.out.tfevents" in k for k in keys if run_id in k) == 2


def _predict_in_fresh_process(uris: list[str], obs_file: Path) -> list[dict]:
    """Load each model URI in one new Python process and predict on the observations in obs_file."""
    code = (
        "import json,sys,numpy as np,mlflow\n"
        "obs={k:np.asarray(v) for k,v in json.load(open(sys.argv[1])).items()}\n"
        "outs=[mlflow.pyfunc.load_model(u).predict(obs) for u in sys.argv[2:]]\n"
        "print(json.dumps([{k:np.asarray(v).tolist() for k,v in o.items()} for o in outs]))\n"
    )
    env = dict(os.environ, MLFLOW_TRACKING_URI=mlflow.get_tracking_uri())
    res = subprocess.run([sys.executable, "-c", code, str(obs_file), *uris], capture_output=True, text=True,
                         env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_policy_pyfunc_registered_aliased_loaded_by_uri(backend, tiny_policy, tmp_path):
    from npp_rl.tracking.policy_pyfunc import load_local

    name = f"npp-rl-test-{backend[0]}"
    with tracking.start_run("track-test", step="train", seed=0) as run:
        info = tracking.log_policy(tiny_policy, name="model")
    v1 = tracking.register_model(info.model_uri, name, tags={"npp_rl.architecture": "test"})
    tracking.set_alias(name, "champion", v1)
    assert tracking.get_alias_version(name, "champion") == v1

    rng = np.random.default_rng(0)
    obs = {"game_state": rng.uniform(-1, 1, (5, 8)).astype(np.float32),
           "graph_node_mask": rng.integers(0, 2, (5, 4)).astype(np.float32)}
    expected = load_local(str(tiny_policy)).predict_obs(obs)
    obs_file = tmp_path / "obs.json"
    obs_file.write_text(json.dumps({k: v.tolist() for k, v in obs.items()}))
    got, got_v = _predict_in_fresh_process([f"models:/{name}@champion", f"models:/{name}/{v1}"], obs_file)
    assert got["action"] == expected["action"].tolist()
    np.testing.assert_allclose(got["action_probs"], expected["action_probs"], rtol=1e-6)
    assert got_v == got

    # a second version: moving the alias
    with tracking.start_run("track-test", step="train", seed=1):
        info2 = tracking.log_policy(tiny_policy, name="model")
    v2 = tracking.register_model(info2.model_uri, name)
    tracking.set_alias(name, "champion", v2)
    assert tracking.get_alias_version(name, "champion") == v2 != v1
    assert run.info.run_id

    with pytest.raises(LookupError, match="no-such-model"):
        tracking.load_pyfunc("models:/no-such-model@champion")


def test_resilient_logger_keeps_metrics_while_server_is_away(backend, tmp_path):
    with tracking.start_run("track-test", step="train") as run:
        run_id = run.info.run_id
    good = MlflowClient()
    logger = tracking.ResilientLogger(run_id, journal_dir=tmp_path, flush_every=0)
    logger.client = MlflowClient(tracking_uri="http://127.0.0.1:9")  # nothing listens there
    import mlflow.environment_variables as ev

    os.environ[ev.MLFLOW_HTTP_REQUEST_MAX_RETRIES.name] = "0"
    os.environ[ev.MLFLOW_HTTP_REQUEST_TIMEOUT.name] = "2"
    try:
        for s in range(3):
            logger.log_metrics({"train/x": float(s)}, step=s)
        assert not logger.connected and logger.journal.exists()
    finally:
        os.environ.pop(ev.MLFLOW_HTTP_REQUEST_MAX_RETRIES.name)
        os.environ.pop(ev.MLFLOW_HTTP_REQUEST_TIMEOUT.name)
    assert logger._retry_at > 0  # backing off: the next metrics do not wait on a dead server
    logger.client = good  # the server is back
    logger._retry_at = 0.0
    logger.log_metrics({"train/x": 3.0}, step=3)
    assert logger.connected and not logger.journal.exists()
    assert [m.value for m in good.get_metric_history(run_id, "train/x")] == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.stack
def test_stack_persists_across_down_and_up(local_stack, tiny_policy, tmp_path, monkeypatch):
    st = local_stack
    tracking.configure(st.tracking_uri, quiet=True)
    with tracking.start_run("persist-test", step="train", seed=3) as run:
        mlflow.log_metric("m", 1.5, step=1)
        (tmp_path / "a.txt").write_text("kept")
        mlflow.log_artifact(str(tmp_path / "a.txt"))
        info = tracking.log_policy(tiny_policy, name="model")
    version = tracking.register_model(info.model_uri, "npp-rl-persist")
    tracking.set_alias("npp-rl-persist", "champion", version)

    assert st.down(progress=lambda m: None) == ["mlflow", "seaweedfs"]
    assert not st.status()["healthy"]
    with pytest.raises(tracking.TrackingError):
        tracking.configure(st.tracking_uri, quiet=True)
    st.up(timeout=120, progress=lambda m: None)
    tracking.configure(st.tracking_uri, quiet=True)
    client = MlflowClient()
    assert client.get_run(run.info.run_id).data.metrics["m"] == 1.5
    path = client.download_artifacts(run.info.run_id, "a.txt", str(tmp_path / "dl"))
    assert Path(path).read_text() == "kept"
    assert tracking.get_alias_version("npp-rl-persist", "champion") == version
    model = tracking.load_pyfunc("models:/npp-rl-persist@champion")
    out = model.predict({"game_state": np.zeros((1, 8), np.float32), "graph_node_mask": np.ones((1, 4), np.float32)})
    assert out["action"].shape == (1,)
