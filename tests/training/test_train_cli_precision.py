"""`npp-rl train --mixed-precision` (the flag path; on a CPU it trains in fp32 and says so) and the
per-child run ids and model URIs `train` prints for several architectures."""

from __future__ import annotations

import re

import mlflow
import torch
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from npp_rl.cli import main


def test_train_mixed_precision_flag_and_children(tmp_path, monkeypatch):
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    res = CliRunner().invoke(main, [
        "train", "--experiment-name", "precision", "--architectures", "mlp_baseline", "gcn", "--mixed-precision",
        "--total-timesteps", "64", "--num-envs", "2", "--set", "n_steps=32", "--set", "batch_size=32",
        "--set", "n_epochs=1", "--save-freq", "0", "--eval-freq", "0", "--eval-episodes", "0",
        "--env-factory", "fake_env:make_fake_vec_env", "--tracking-uri", uri, "--output-dir", str(tmp_path / "out"),
        "--no-progress", "--torch-threads", "1"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    if not torch.cuda.is_available():
        assert "mixed precision: --mixed-precision has no effect on cpu: training in fp32" in res.output
    children = re.findall(r"^\s+(\S+)\s+run_id=(\w{32})\s+model_uri=(runs:/\w{32}/model)$", res.output, re.M)
    assert [c[0] for c in children] == ["mlp_baseline", "gcn"]
    parent = re.search(r"^run_id=(\w{32})$", res.output, re.M).group(1)
    client = MlflowClient(uri)
    mlflow.set_tracking_uri(uri)
    expected = "fp32" if not torch.cuda.is_available() else ("bf16" if torch.cuda.is_bf16_supported() else "fp16")
    for arch, rid, model_uri in children:
        run = client.get_run(rid)
        assert run.data.tags["mlflow.parentRunId"] == parent and model_uri == f"runs:/{rid}/model"
        assert run.data.tags["npp_rl.architecture"] == arch
        assert run.data.params["train.mixed_precision"] == "True"
        assert run.data.params["precision"] == expected
        assert mlflow.models.get_model_info(model_uri).flavors.get("python_function")
    assert "CloudPickle" not in res.output and "Sparse CSR tensor support is in beta" not in res.output
