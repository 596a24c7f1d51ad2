"""Inference benchmark: figures per architecture, logged to MLflow, CLI errors."""

from __future__ import annotations

import json

import mlflow
import pytest
import torch
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from npp_rl import tracking
from npp_rl.evaluation.bench import BenchConfig, bench_inference, bench_metrics, log_bench

torch.set_num_threads(1)


def test_bench_inference_figures_and_logging(tmp_path, monkeypatch):
    res = bench_inference(BenchConfig(architectures=["mlp_baseline"], repeats=5, warmup=1))
    r = res["architectures"]["mlp_baseline"]
    assert r["parameters"] > 1000 and r["modalities"] == ["game_state"]
    cpu = r["cpu"]
    for k in ("latency_ms_b1_p50", "latency_ms_b1_p95", "latency_ms_b64_p50", "throughput_obs_per_s_b64",
              "peak_memory_mb"):
        assert cpu[k] >= 0
    assert cpu["latency_ms_b1_p50"] <= cpu["latency_ms_b1_p95"] and isinstance(cpu["meets_target"], bool)
    assert torch.get_num_threads() == 1  # restored
    m = bench_metrics(res)
    assert "perf/mlp_baseline/cpu/latency_ms_b1_p50" in m and m["perf/mlp_baseline/parameters"] == r["parameters"]
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    run_id = log_bench(res, "bench-test")
    run = MlflowClient().get_run(run_id)
    assert run.data.tags["npp_rl.step"] == "bench"
    assert run.data.metrics["perf/mlp_baseline/cpu/latency_ms_b1_p50"] == pytest.approx(cpu["latency_ms_b1_p50"])
    mlflow.set_tracking_uri(None)


def test_bench_cli():
    from npp_rl.cli import main

    out = CliRunner().invoke(main, ["bench", "inference", "--json", "--architectures", "mlp_baseline", "--repeats", "3"])
    assert out.exit_code == 0, out.output
    res = json.loads(out.output.strip().splitlines()[-1])
    assert list(res["architectures"]) == ["mlp_baseline"]
    bad = CliRunner().invoke(main, ["bench", "inference", "--architectures", "nope"])
    assert bad.exit_code != 0 and "unknown architecture 'nope'" in bad.output and "mlp_baseline" in bad.output
    tracking  # noqa: B018
