"""The champion by URI: a fresh process loads models:/npp-rl-<arch>@champion and acts like the trained
policy; `mlflow models serve` answers POST /invocations with the same actions and 400 on bad input."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import mlflow
import numpy as np
import pytest
import torch

from npp_rl import tracking

torch.set_num_threads(1)


def real_observations(dataset: Path, modalities=("game_state",), n: int = 6, steps: int = 7) -> dict:
    """``n`` observations from the real environment on the dataset's test levels after a few steps."""
    from npp_rl.envs.config import EnvConfig
    from npp_rl.envs.engine import WorldBatch
    from npp_rl.evaluation import load_suite

    suite = load_suite(dataset)
    wb = WorldBatch(suite.paths(), n, EnvConfig(observation_modalities=modalities), seed=0)
    wb.reset_worlds(range(n), [k % len(suite) for k in range(n)])
    rng = np.random.default_rng(0)
    for _ in range(steps):
        wb.step(rng.integers(0, 6, n))
    return wb.observe()


def predict_in_fresh_process(uri: str, obs: dict, tmp: Path) -> dict:
    f = tmp / "obs.json"
    f.write_text(json.dumps({k: v.tolist() for k, v in obs.items()}))
    code = ("import json,sys,numpy as np,mlflow\n"
            "obs={k:np.asarray(v) for k,v in json.load(open(sys.argv[2])).items()}\n"
            "out=mlflow.pyfunc.load_model(sys.argv[1]).predict(obs)\n"
            "print(json.dumps({k:np.asarray(v).tolist() for k,v in out.items()}))\n")
    env = dict(os.environ, MLFLOW_TRACKING_URI=mlflow.get_tracking_uri())
    r = subprocess.run([sys.executable, "-c", code, uri, str(f)], capture_output=True, text=True, env=env,
                       timeout=300, cwd=str(tmp))
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`mlflow models serve` on a free loopback port, in its own process group (stopped by its pgid)."""

    def __init__(self, uri: str, workdir: Path):
        self.port = _free_port()
        self.log = open(workdir / "serve.log", "w")  # noqa: SIM115
        # the scoring server is started as `uvicorn` from PATH: make it the one beside this interpreter
        path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
        env = dict(os.environ, MLFLOW_TRACKING_URI=mlflow.get_tracking_uri(), PATH=path)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m", uri, "--env-manager", "local",
             "-h", "127.0.0.1", "-p", str(self.port), "-w", "1"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=str(workdir), start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir

    def wait(self, timeout: float = 180.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("mlflow models serve exited: " + (self.workdir / "serve.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError("mlflow models serve did not answer /ping: " + (self.workdir / "serve.log").read_text()[-3000:])

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, str]:
        req = urllib.request.Request(self.url + "/invocations", data=body, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


def check_rest(uri: str, obs: dict, expected: dict, workdir: Path) -> None:
    """Serve ``uri``; same actions/probabilities as ``expected``; malformed requests get a clear 400."""
    srv = Server(uri, workdir)
    try:
        srv.wait()
        status, body = srv.post(json.dumps({"inputs": {k: v.tolist() for k, v in obs.items()}}).encode())
        assert status == 200, body[:2000]
        pred = json.loads(body)["predictions"]
        assert pred["action"] == expected["action"].tolist()
        np.testing.assert_allclose(pred["action_probs"], expected["action_probs"], rtol=1e-5, atol=1e-6)
        key = next(iter(obs))
        bad = [
            ({"inputs": {"nope": [1, 2, 3]}}, "missing keys"),
            ({"inputs": {key: [[1.0, 2.0]]}}, "has shape"),
            ({"inputs": {key: "not numbers"}}, "expected numbers"),
        ]
        for payload, msg in bad:
            status, body = srv.post(json.dumps(payload).encode())
            assert status == 400, (status, body[:500])
            assert msg in json.loads(body)["message"], body[:1000]
        status, body = srv.post(b"{not json")
        assert 400 <= status < 500
    finally:
        srv.stop()


@pytest.fixture
def champion(tmp_path, monkeypatch, tiny_dataset, tiny_mlp_policy):
    """A policy logged, registered and aliased @champion in a temp embedded store."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    tracking.configure(quiet=True)
    with tracking.start_run("serve-test", step="train", tags={tracking.TAG_ARCH: "mlp_baseline"}):
        info = tracking.log_policy(tiny_mlp_policy, name="model")
    name = "npp-rl-mlp_baseline"
    v = tracking.register_model(info.model_uri, name)
    tracking.set_alias(name, "champion", v)
    yield f"models:/{name}@champion"
    mlflow.set_tracking_uri(None)


def test_champion_in_fresh_process(champion, tiny_dataset, tiny_mlp_policy, tmp_path):
    from npp_rl.tracking.policy_pyfunc import load_local

    obs = real_observations(tiny_dataset)
    expected = load_local(str(tiny_mlp_policy)).predict_obs(obs)
    got = predict_in_fresh_process(champion, obs, tmp_path)
    assert got["action"] == expected["action"].tolist()
    np.testing.assert_allclose(got["action_probs"], expected["action_probs"], rtol=1e-6)


@pytest.mark.slow
def test_rest_endpoint(champion, tiny_dataset, tiny_mlp_policy, tmp_path):
    from npp_rl.tracking.policy_pyfunc import load_local

    obs = real_observations(tiny_dataset)
    expected = load_local(str(tiny_mlp_policy)).predict_obs(obs)
    check_rest(champion, obs, expected, tmp_path)
