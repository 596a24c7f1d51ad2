"""train-and-compare's parts without training: flags, GPU placement, precision choice, S3 sync (moto)."""

from __future__ import annotations

import json

import boto3
import pytest
import torch
from click.testing import CliRunner
from moto import mock_aws

from npp_rl.cli import main
from npp_rl.experiment import ExperimentConfig, ExperimentError
from npp_rl.experiment.hardware import Hardware, pick_profile, place
from npp_rl.experiment.s3 import S3Error, S3Sync
from npp_rl.training.precision import resolve_precision


def _cfg(**kw):
    base = {"experiment_name": "x", "architectures": ["mlp_baseline"], "train_dataset": ".", "test_dataset": "."}
    return ExperimentConfig(**{**base, **kw})


def test_conditions_follow_the_pretraining_flags():
    assert _cfg(no_pretraining=True).conditions == ["scratch"]
    assert _cfg(test_pretraining=True).conditions == ["scratch", "pretrained"]
    assert _cfg().conditions == ["pretrained"]
    with pytest.raises(ExperimentError, match="contradict"):
        _cfg(test_pretraining=True, no_pretraining=True)


def test_design_defaults():
    c = _cfg()
    assert (c.total_timesteps, c.num_envs, c.eval_freq, c.save_freq) == (10_000_000, 64, 100_000, 500_000)
    assert (c.bc_epochs, c.bc_batch_size, c.num_gpus, c.s3_prefix, c.s3_sync_freq, c.output_dir) == \
        (10, 64, 1, "experiments/", 500_000, "experiments/")


def test_unknown_architecture_is_named_by_the_cli(tmp_path):
    res = CliRunner().invoke(main, ["train-and-compare", "--experiment-name", "x", "--architectures", "mlp_baseline",
                                    "no_such_net", "--train-dataset", str(tmp_path), "--test-dataset", str(tmp_path)])
    assert res.exit_code != 0
    assert "no_such_net" in res.output and "mlp_baseline" in res.output and "Traceback" not in res.output


def test_missing_dataset_is_named_before_any_work(tmp_path):
    res = CliRunner().invoke(main, ["train-and-compare", "--experiment-name", "x", "--architectures", "mlp_baseline",
                                    "--train-dataset", str(tmp_path / "nope"), "--test-dataset", str(tmp_path),
                                    "--output-dir", str(tmp_path / "exp")])
    assert res.exit_code != 0 and f"--train-dataset {tmp_path / 'nope'}: no such folder" in res.output
    assert not (tmp_path / "exp").exists()


NO_GPU = Hardware(0, [], 0.0, False, 2)
TWO_GPUS = Hardware(2, ["H100", "H100"], 80.0, True, 32)


def test_num_gpus_placement():
    assert place(0, TWO_GPUS).device == "cpu" and place(0, TWO_GPUS).ranks == 1
    p = place(4, NO_GPU)
    assert (p.ranks, p.device, p.backend) == (1, "cpu", "gloo") and "no CUDA GPU" in p.warning
    p = place(4, TWO_GPUS)
    assert (p.ranks, p.device, p.backend) == (2, "cuda", "nccl") and "only 2 GPU(s)" in p.warning
    p = place(2, TWO_GPUS, "gloo")
    assert (p.ranks, p.backend, p.warning) == (2, "gloo", None)


def test_hardware_profiles():
    assert pick_profile(NO_GPU).name == "cpu" and pick_profile(TWO_GPUS).name == "gpu-large"
    with pytest.raises(ValueError, match="--hardware-profile"):
        pick_profile(NO_GPU, "huge")


def test_precision_choice():
    cuda = torch.device("cuda")
    assert resolve_precision(cuda, False).mode == "fp32"
    assert resolve_precision(cuda, True, bf16_supported=True).mode == "bf16"
    fp16 = resolve_precision(cuda, True, bf16_supported=False)
    assert fp16.mode == "fp16" and fp16.dtype == torch.float16 and "GradScaler" in fp16.reason
    cpu = resolve_precision(torch.device("cpu"), True)
    assert cpu.mode == "fp32" and cpu.requested and "no effect on cpu" in cpu.reason


@mock_aws
def test_s3_sync_uploads_only_what_changed(tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="npp-bucket")
    root = tmp_path / "exp_20260101_000000"
    (root / "a" / "no_pretrain").mkdir(parents=True)
    (root / "config.json").write_text("{}")
    (root / "a" / "no_pretrain" / "final_model.zip").write_bytes(b"zip")
    sync = S3Sync("npp-bucket", "experiments/", root, client=s3)
    sync.check()
    assert sync.sync() == 2
    assert sync.sync() == 0
    (root / "config.json").write_text('{"changed": 1}')
    assert sync.sync() == 1
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="npp-bucket")["Contents"])
    assert keys == ["experiments/exp_20260101_000000/a/no_pretrain/final_model.zip",
                    "experiments/exp_20260101_000000/config.json", "experiments/exp_20260101_000000/s3_manifest.json"]
    manifest = json.loads((root / "s3_manifest.json").read_text())
    assert manifest["files"]["config.json"]["size"] == len('{"changed": 1}')
    with pytest.raises(S3Error, match="--s3-bucket missing"):
        S3Sync("missing", "", root, client=s3).check()


def test_launch_scripts_pass_only_known_flags(tmp_path):
    """Each scenario script under scripts/launch/ ends in a command line the CLI accepts."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    scripts = sorted((repo / "scripts" / "launch").glob("*.sh"))
    assert {s.stem for s in scripts} >= {"single_architecture", "architecture_comparison", "pretraining_impact",
                                         "with_s3", "multi_gpu"}
    # a stand-in python that parses the flags with the real command and stops before any work
    shim = tmp_path / "py"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; from npp_rl.cli.train_and_compare import "
                    f"train_and_compare_cmd as c; ctx = c.make_context(\"t\", sys.argv[2:]); print(\"OK\", "
                    f"ctx.params[\"experiment_name\"])' \"$@\"\n")
    shim.chmod(0o755)
    env = dict(os.environ, PYTHON=str(shim), TRAIN=str(tmp_path), TEST=str(tmp_path), BUCKET="b",
               PYTHONPATH=str(repo))
    for s in scripts:
        p = subprocess.run(["bash", str(s)], env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0 and p.stdout.startswith("OK "), (s.name, p.stdout, p.stderr)


def test_out_of_memory_is_one_clear_line(tmp_path, monkeypatch):
    import npp_rl.experiment.runner as runner

    def boom(cfg, explicit=None):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(runner, "run_experiment", boom)
    res = CliRunner().invoke(main, ["train-and-compare", "--experiment-name", "x", "--architectures", "mlp_baseline",
                                    "--train-dataset", str(tmp_path), "--test-dataset", str(tmp_path)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "out of GPU memory (CUDA out of memory. Tried to allocate 2.00 GiB); reduce --num-envs" in res.output


def test_pipeline_takes_space_separated_architectures(monkeypatch):
    import npp_rl.pipeline as pipeline

    seen = {}

    def fake(cfg):
        seen["archs"] = cfg.architectures
        return "run123"

    monkeypatch.setattr(pipeline, "run_pipeline", fake)
    res = CliRunner().invoke(main, ["pipeline", "--architectures", "gcn", "mlp_baseline", "--seeds", "0"])
    assert res.exit_code == 0, res.output
    assert seen["archs"] == ["gcn", "mlp_baseline"] and res.output.strip().endswith("run123")
