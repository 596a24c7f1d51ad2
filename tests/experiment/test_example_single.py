"""The design's first example (single architecture, no pretraining) through the real entry point:
the layout it writes, the MLflow runs it records, and `npp-rl evaluate` on its pipeline run."""

from __future__ import annotations

import json
import re

import torch
from click.testing import CliRunner
from mlflow.tracking import MlflowClient
from seed_examples import example

from npp_rl.cli import main


def test_single_architecture_example(seed_dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "experiments"
    res = CliRunner().invoke(main, ["train-and-compare", *example(1, seed_dataset, out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    if not torch.cuda.is_available():
        assert "no CUDA GPU is visible" in res.output  # --num-gpus 1 on a CPU machine: warned, then CPU

    [folder] = list(out.iterdir())
    assert re.fullmatch(r"test_vision_free_\d{8}_\d{6}", folder.name)
    run = folder / "vision_free" / "no_pretrain"
    for p in ["config.json", "test_vision_free.log", "all_results.json", "comparison/report.md",
              "vision_free/no_pretrain/final_model.zip", "vision_free/no_pretrain/eval_results.json",
              "vision_free/no_pretrain/checkpoints/meta.json"]:
        assert (folder / p).is_file(), p
    assert not (folder / "vision_free" / "with_pretrain").exists() and not (folder / "s3_manifest.json").exists()
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))  # training (SB3)
    assert list((run / "tensorboard" / "eval").glob("events.out.tfevents.*"))  # evaluation
    assert "[pipeline" in (folder / "test_vision_free.log").read_text()
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["experiment"]["architectures"] == ["vision_free"] and cfg["experiment"]["total_timesteps"] == 256
    assert json.loads((run / "checkpoints" / "meta.json").read_text())["global_step"] >= 256

    results = json.loads((folder / "all_results.json").read_text())
    entry = results["runs"]["vision_free/no_pretrain"]
    assert results["status"] == "FINISHED" and entry["train_status"] == "FINISHED"
    assert set(entry["eval"]) == {"medium", "overall"}
    assert 0.0 <= entry["eval"]["overall"]["success_rate"] <= 1.0

    client = MlflowClient()
    exp = client.get_experiment_by_name("test_vision_free")
    assert exp.tags["mlflow.experimentKind"] == "custom_model_development"
    pipe = client.get_run(results["pipeline_run_id"])
    assert pipe.info.status == "FINISHED" and pipe.data.tags["npp_rl.step"] == "pipeline"
    kids = client.search_runs([exp.experiment_id], f"tags.`mlflow.parentRunId` = '{pipe.info.run_id}'")
    assert sorted(r.data.tags["npp_rl.step"] for r in kids) == ["compare", "evaluate", "train"]
    train = client.get_run(entry["train_run_id"])
    assert train.data.params["run.architecture"] == "vision_free" and train.data.params["run.condition"] == "scratch"
    assert train.data.params["precision"] == "fp32" and train.data.params["train.mixed_precision"] == "False"
    assert train.data.metrics["test/overall/success_rate"] == entry["eval"]["overall"]["success_rate"]
    ev = client.get_run(entry["eval_run_id"])
    assert ev.data.params["eval.precision"] == "fp32" and ev.data.params["run.architecture"] == "vision_free"
    assert {a.path for a in client.list_artifacts(ev.info.run_id)} >= {"tensorboard", "eval_results.json"}
    cmp_id = results["comparison"]["compare_run_id"]
    assert "matrix_table.json" in {a.path for a in client.list_artifacts(cmp_id)}

    # evaluate takes the pipeline (parent) run: it evaluates the training child and prints a table
    res = CliRunner().invoke(main, ["evaluate", "--model", pipe.info.run_id, "--experiment-name", "test_vision_free",
                                    "--test-dataset", str(seed_dataset / "test"), "--no-videos"])
    assert res.exit_code == 0, res.output
    assert re.search(r"^medium\s+\d\.\d{3}", res.output, re.M) and re.search(r"^overall\s+", res.output, re.M)
    assert "evaluate run" in res.output and "precision fp32" in res.output
