"""``npp-rl pretrain``: bad input is reported where it enters, a good call prints the run id."""

from __future__ import annotations

from click.testing import CliRunner

from npp_rl.cli import main


def test_missing_replay_dir_and_unknown_architecture(tmp_path):
    r = CliRunner().invoke(main, ["pretrain", "--architecture", "mlp_baseline", "--replay-data-dir",
                                  str(tmp_path / "nope")])
    assert r.exit_code != 0 and "no such folder" in r.output
    r = CliRunner().invoke(main, ["pretrain", "--architecture", "resnet", "--replay-data-dir", str(tmp_path)])
    assert r.exit_code != 0 and "mlp_baseline" in r.output  # names the known architectures


def test_no_usable_replay_is_an_error(tmp_path, tracking_uri):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "bad.nppreplay").write_bytes(b"junk")
    r = CliRunner().invoke(main, ["pretrain", "--architecture", "mlp_baseline", "--replay-data-dir",
                                  str(tmp_path / "r"), "--tracking-uri", tracking_uri,
                                  "--output-dir", str(tmp_path / "out")])
    assert r.exit_code != 0 and "no usable replay" in r.output and "'corrupt': 1" in r.output
