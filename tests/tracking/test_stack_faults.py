"""`npp-rl stack`: faults give clear messages and leave nothing half-started; keys stay secret."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys

import pytest

from npp_rl.stack import LocalStack, StackConfig, StackError, free_port_block


def _config(**kw) -> StackConfig:
    p = free_port_block(6)
    return StackConfig(mlflow_port=p[0], s3_port=p[1], master_port=p[2], volume_port=p[3], filer_port=p[4],
                       admin_port=p[5], **kw)


def _weed_running_in(directory) -> bool:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return any("weed" in line and str(directory) in line for line in out.splitlines())


def test_port_in_use_names_the_port(tmp_path):
    cfg = _config()
    with socket.socket() as s:
        s.bind(("127.0.0.1", cfg.mlflow_port))
        s.listen()
        with pytest.raises(StackError, match=f"mlflow {cfg.mlflow_port}"):
            LocalStack(tmp_path / "st", cfg).up(progress=lambda m: None)
    assert not _weed_running_in(tmp_path / "st")


def test_missing_binary_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("NPP_RL_WEED_BIN", str(tmp_path / "no-weed"))
    with pytest.raises(StackError, match="`weed` not found"):
        LocalStack(tmp_path / "st", _config()).up(progress=lambda m: None)


def test_mlflow_failure_stops_seaweedfs_too(tmp_path):
    cfg = _config(backend_store_uri="notadb://nowhere")
    st = LocalStack(tmp_path / "st", cfg)
    with pytest.raises(StackError, match="mlflow"):
        st.up(timeout=60, progress=lambda m: None)
    assert st.pid("seaweedfs") is None and st.pid("mlflow") is None
    assert not _weed_running_in(st.dir)


@pytest.mark.stack
def test_already_running_and_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("NPP_RL_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("NPP_RL_S3_SECRET_KEY", raising=False)
    st = LocalStack(tmp_path / "st", _config())
    printed: list[str] = []
    st.up(timeout=120, progress=printed.append)
    try:
        with pytest.raises(StackError, match="already running"):
            LocalStack(st.dir).up(progress=lambda m: None)
        creds = st.dir / "credentials.json"
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        assert stat.S_IMODE((st.dir / "s3.json").stat().st_mode) == 0o600
        access, secret = st.credentials()
        cli = subprocess.run([sys.executable, "-m", "npp_rl.cli", "stack", "status", "--dir", str(st.dir)],
                             capture_output=True, text=True, env=dict(os.environ), timeout=60)
        env_out = subprocess.run([sys.executable, "-m", "npp_rl.cli", "stack", "env", "--dir", str(st.dir)],
                                 capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0, cli.stderr
        assert f"export MLFLOW_TRACKING_URI={st.tracking_uri}" in env_out.stdout
        texts = printed + [cli.stdout, cli.stderr, env_out.stdout,
                           (st.dir / "mlflow.log").read_text(errors="replace")]
        for t in texts:
            assert secret not in t and access not in t
        # a bad credential is refused by the store itself
        import boto3
        import botocore

        bad = boto3.client("s3", endpoint_url=st.s3_endpoint, aws_access_key_id=access,
                           aws_secret_access_key="wrong-" + secret, region_name="us-east-1")
        with pytest.raises(botocore.exceptions.ClientError):
            bad.list_objects_v2(Bucket=st.config.bucket)
    finally:
        assert st.down(progress=lambda m: None) == ["mlflow", "seaweedfs"]
    assert not _weed_running_in(st.dir)
