"""Secrets never reach params, tags, artifacts, printed lines or logs; `stack up --auth` lets no one in unasked."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
import requests
from mlflow.tracking import MlflowClient

from npp_rl import tracking
from npp_rl.tracking.redact import RedactingFilter, redact_text, redact_uri

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "Pa55-w0rd-never-logged"


@pytest.mark.parametrize("uri, shown", [
    (f"http://alice:{SECRET}@127.0.0.1:5000", "http://alice:***@127.0.0.1:5000"),
    (f"https://alice:{SECRET}@mlflow.example.org/prefix", "https://alice:***@mlflow.example.org/prefix"),
    (f"postgresql+psycopg2://bob:{SECRET}@db:5432/mlflow", "postgresql+psycopg2://bob:***@db:5432/mlflow"),
    (f"mysql://bob:{SECRET}@db/mlflow?charset=utf8", "mysql://bob:***@db/mlflow?charset=utf8"),
    (f"https://host/api?token={SECRET}&x=1", "https://host/api?token=***&x=1"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("postgresql://bob@db/mlflow", "postgresql://bob@db/mlflow"),
    ("sqlite:////tmp/x/mlflow.db", "sqlite:////tmp/x/mlflow.db"),
])
def test_redact_uri(uri, shown):
    assert redact_uri(uri) == shown


def test_redact_text_finds_every_uri():
    text = f"npp-rl train --tracking-uri http://a:{SECRET}@h:1 --x 'postgresql://u:{SECRET}@db/m' done"
    out = redact_text(text)
    assert SECRET not in out and "http://a:***@h:1" in out and "postgresql://u:***@db/m'" in out


def test_log_records_are_redacted():
    rec = logging.LogRecord("mlflow", logging.INFO, __file__, 1, "connecting to %s", (f"http://a:{SECRET}@h",), None)
    RedactingFilter().filter(rec)
    assert SECRET not in rec.getMessage() and "http://a:***@h" in rec.getMessage()


def test_params_tags_and_config_of_a_run_hold_no_password(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path}/m.db"
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    tracking.configure(uri, quiet=True)
    secret_uri = f"https://alice:{SECRET}@tracking.example.org"
    monkeypatch.setattr(sys, "argv", ["npp-rl", "evaluate", "--tracking-uri", secret_uri])
    with tracking.start_run("sec", step="evaluate", config={"tracking_uri": secret_uri, "nested": {"db": secret_uri}},
                            tags={"npp_rl.source": secret_uri}) as run:
        pass
    client = MlflowClient(uri)
    r = client.get_run(run.info.run_id)
    blob = json.dumps([r.data.params, r.data.tags])
    blob += Path(client.download_artifacts(run.info.run_id, "config.json", str(tmp_path))).read_text()
    assert SECRET not in blob
    assert "https://alice:***@tracking.example.org" in r.data.params["tracking_uri"]
    assert "alice:***@" in r.data.tags["npp_rl.command"]
    mlflow.set_tracking_uri(None)


def _cli(*args, env=None, timeout=300):
    return subprocess.run([str(BIN / "npp-rl"), *args], capture_output=True, text=True, timeout=timeout,
                          env=env or dict(os.environ))


@pytest.mark.slow
@pytest.mark.stack
def test_auth_stack_401_and_a_run_through_a_password_uri_leaks_nothing(tmp_path):
    from npp_rl.stack import StackConfig, free_port_block

    p = free_port_block(6)
    st_dir = tmp_path / "st"
    st_dir.mkdir()
    cfg = StackConfig(mlflow_port=p[0], s3_port=p[1], master_port=p[2], volume_port=p[3], filer_port=p[4],
                      admin_port=p[5], bucket="npp-rl-auth")
    (st_dir / "stack.json").write_text(json.dumps(cfg.__dict__))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING")}
    up = _cli("stack", "up", "--dir", str(st_dir), "--auth", "--timeout", "240", env=env)
    try:
        assert up.returncode == 0, up.stderr[-3000:]
        password = (st_dir / "auth" / "admin-password").read_text().strip()
        for f in ("stack.json", "auth/admin-password", "auth/flask-secret", "auth/basic_auth.ini"):
            assert stat.S_IMODE((st_dir / f).stat().st_mode) == 0o600, f
        url = f"http://127.0.0.1:{p[0]}"
        search = f"{url}/api/2.0/mlflow/experiments/search?max_results=1"
        assert requests.get(search, timeout=30).status_code == 401
        assert requests.get(search, auth=("admin", "wrong"), timeout=30).status_code == 401
        assert requests.get(search, auth=("admin", password), timeout=30).status_code == 200
        # the exports read the password from its file: the output never holds it, the shell gets it
        out = _cli("stack", "env", "--dir", str(st_dir), env=env).stdout
        assert password not in out and password not in up.stdout + up.stderr
        (tmp_path / "exports.sh").write_text(out)
        got = subprocess.run(["bash", "-c", f'eval "$(cat {tmp_path / "exports.sh"})"; '
                              'echo "$MLFLOW_TRACKING_USERNAME:$MLFLOW_TRACKING_PASSWORD"'],
                             capture_output=True, text=True).stdout.strip()
        assert got == f"admin:{password}"
        ps = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout
        server = [line for line in ps.splitlines() if "mlflow" in line and f"--port {p[0]}" in line]
        assert server and not any("backend-store-uri" in line for line in server)

        # a training run whose tracking URI carries the password: nothing it logs or prints holds it
        secret_uri = f"http://admin:{password}@127.0.0.1:{p[0]}"
        tenv = dict(env, PYTHONPATH=os.pathsep.join([str(REPO / "tests" / "models"), str(REPO)]),
                    NPP_RL_HOME=str(tmp_path / "home"), OMP_NUM_THREADS="1")
        train = _cli("train", "--experiment-name", "secrets", "--architectures", "mlp_baseline",
                     "--env-factory", "fake_env:make_fake_vec_env", "--num-envs", "2", "--total-timesteps", "256",
                     "--save-freq", "128", "--eval-freq", "128", "--eval-episodes", "2", "--set", "n_steps=32",
                     "--set", "batch_size=64", "--tracking-uri", secret_uri, "--output-dir", str(tmp_path / "out"),
                     "--no-progress", "--torch-threads", "1", env=tenv, timeout=600)
        assert train.returncode == 0, train.stderr[-3000:]
        assert password not in train.stdout + train.stderr
        run_id = train.stdout.strip().rsplit("run_id=", 1)[1].split()[0]
        client = MlflowClient(secret_uri)
        run = client.get_run(run_id)
        assert run.info.status == "FINISHED"
        assert run.data.params["train.tracking_uri"] == f"http://admin:***@127.0.0.1:{p[0]}"
        (tmp_path / "arts").mkdir()
        arts = Path(client.download_artifacts(run_id, "", str(tmp_path / "arts")))
        files = [f for f in arts.rglob("*") if f.is_file()]
        assert {"config.json", "meta.json"} <= {f.name for f in files}
        leaks = [str(f) for f in files if password.encode() in f.read_bytes()]
        leaks += [k for k, v in {**run.data.params, **run.data.tags}.items() if password in v]
        leaks += [str(f) for f in (tmp_path / "out").rglob("*") if f.is_file() and password.encode() in f.read_bytes()]
        assert leaks == []
        assert password not in (st_dir / "mlflow.log").read_text(errors="replace")
    finally:
        _cli("stack", "down", "--dir", str(st_dir), env=env)
