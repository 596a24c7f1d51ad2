"""`npp-rl pipeline --data-dir` never deletes what it did not make: a hand-made dataset is used as it is,
any other folder is refused, and every file in it survives."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from npp_rl.cli import main


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _pipeline(tmp_path, data_dir, monkeypatch, *extra):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NPP_RL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return CliRunner().invoke(main, ["pipeline", "--data-dir", str(data_dir), "--experiment-name", "dd",
                                     "--tracking-uri", f"sqlite:///{tmp_path}/m.db", *extra])


def test_folder_that_is_not_a_dataset_is_refused_and_kept(tmp_path, monkeypatch):
    d = tmp_path / "mine"
    (d / "train").mkdir(parents=True)
    (d / "train" / "notes.txt").write_text("my own work")
    (d / "test").mkdir()
    (d / "test" / "level-a").write_bytes(b"\x00" * 100)
    before = _snapshot(d)
    res = _pipeline(tmp_path, d, monkeypatch)
    assert res.exit_code != 0
    assert "is not a level dataset (no manifest.json); nothing was changed" in res.output
    assert _snapshot(d) == before


def test_hand_made_dataset_is_used_as_it_is(tmp_path, monkeypatch):
    """A dataset made with generate_dataset (not by the pipeline: no stamp) is used, not regenerated;
    the pipeline is stopped right after its levels step."""
    from npp_rl.levels import generate_dataset

    d = tmp_path / "hand"
    generate_dataset(d, 1, 1, 11, categories=["simple"])
    (d / "README.txt").write_text("hand-made; do not delete")
    before = _snapshot(d)
    import npp_rl.pipeline as P

    seen = {}

    def stop_after_levels(*a, **k):
        seen["levels_run"] = True
        raise SystemExit("stop after the levels step")

    monkeypatch.setattr(P, "log_levels_run", stop_after_levels)
    res = _pipeline(tmp_path, d, monkeypatch)
    assert seen.get("levels_run"), res.output
    assert "using the existing dataset in" in res.output and "as it is" in res.output
    assert _snapshot(d) == before  # nothing regenerated, nothing deleted, no stamp added


def test_own_dataset_with_other_settings_is_refused(tmp_path, monkeypatch):
    from npp_rl.levels import generate_dataset

    d = tmp_path / "ours"
    generate_dataset(d, 1, 1, 11, categories=["simple"])
    (d / "pipeline-settings.json").write_text(json.dumps({"train_per_category": 1, "test_per_category": 1,
                                                          "seed": 11, "categories": ["simple"]}))
    before = _snapshot(d)
    res = _pipeline(tmp_path, d, monkeypatch)
    assert res.exit_code != 0 and "generated with other settings" in res.output
    assert _snapshot(d) == before
