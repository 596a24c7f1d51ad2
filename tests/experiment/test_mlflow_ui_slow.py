"""The MLflow UI as the comparison view: a headless Chromium (Debian's package) opens the runs page
of an npp-rl experiment and must list its training runs (not the GenAI traces overview)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from npp_rl.cli import main

pytestmark = pytest.mark.slow


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(url: str, png: Path | None = None, size: str = "1600,1000", budget_ms: int = 20000) -> str:
    """The DOM of ``url`` after its scripts ran (and a screenshot in ``png``)."""
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--window-size={size}", f"--virtual-time-budget={budget_ms}"]
    if png is not None:  # chromium sometimes exits without writing on a loaded machine: try again
        for _ in range(3):
            subprocess.run([*base, f"--screenshot={png}", url], capture_output=True, timeout=180)
            if png.is_file():
                break
    return subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=180, check=True).stdout


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_runs_page_lists_the_training_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    # one `train` per architecture: top-level runs (the UI folds a parent's children into one row)
    for arch in ("mlp_baseline", "gcn"):
        res = CliRunner().invoke(main, [
            "train", "--experiment-name", "ui-view", "--architectures", arch,
            "--total-timesteps", "64", "--num-envs", "2", "--set", "n_steps=32", "--set", "batch_size=32",
            "--set", "n_epochs=1", "--save-freq", "0", "--eval-freq", "0", "--eval-episodes", "0",
            "--env-factory", "fake_env:make_fake_vec_env", "--tracking-uri", uri,
            "--output-dir", str(tmp_path / "out"), "--no-progress", "--no-register", "--torch-threads", "1"],
            catch_exceptions=False)
        assert res.exit_code == 0, res.output
    exp = MlflowClient(uri).get_experiment_by_name("ui-view")
    assert exp.tags["mlflow.experimentKind"] == "custom_model_development"
    port = _port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("mlflow")), "server", "--backend-store-uri", uri,
                               "--default-artifact-root", str(tmp_path / "art"), "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
                                   "MLFLOW_DISABLE_TELEMETRY": "true"})
    try:
        for _ in range(240):
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        png = tmp_path / "runs.png"
        dom = render(f"http://127.0.0.1:{port}/#/experiments/{exp.experiment_id}/runs", png)
        assert png.stat().st_size > 10_000
        for name in ("mlp_baseline", "gcn"):
            assert re.search(rf">\s*{name}\s*<", dom), f"run {name} not listed on the runs page"
    finally:
        server.terminate()
        server.wait(timeout=30)
