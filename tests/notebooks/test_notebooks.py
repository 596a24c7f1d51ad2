"""Both notebooks run top to bottom (nbclient) on tiny data: a synthetic experiment and a tiny dataset."""

from __future__ import annotations

from pathlib import Path

import mlflow
import nbformat
import pytest
import torch
from nbclient import NotebookClient
from npp_eval_helpers import log_synthetic_experiment, make_dataset, make_policy

from npp_rl import tracking

torch.set_num_threads(1)
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    home = tmp_path_factory.mktemp("nbhome")
    mp = pytest.MonkeyPatch()
    mp.delenv("MLFLOW_TRACKING_URI", raising=False)
    mp.setenv("NPP_RL_HOME", str(home))
    mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    mp.setenv("OMP_NUM_THREADS", "1")
    tracking.configure(quiet=True)
    policy = make_policy(home / "policy.zip", "mlp_baseline")
    log_synthetic_experiment("nb-study", policy, seeds=(0,))
    from npp_rl.comparison import CompareConfig, run_compare

    res = run_compare(CompareConfig(experiment_name="nb-study"))
    data = make_dataset(home / "levels", categories=("simple",), per_category=1)
    yield res.champion["uri"], data, home
    mlflow.set_tracking_uri(None)
    mp.undo()


def run_notebook(name: str, params: str, workdir: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    cell.source = params
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    nbformat.write(nb, workdir / name)
    return nb


def _outputs(nb, kind: str) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if kind in o.get("data", {}))


@pytest.mark.slow
def test_compare_notebook(study, tmp_path):
    nb = run_notebook("compare.ipynb", 'EXPERIMENT = "nb-study"\nTRACKING_URI = None\nWEIGHTS = {}', tmp_path)
    assert _outputs(nb, "image/png") == 6  # the six plots (aggregate intervals and profiles included)
    html = "".join(o["data"].get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if "data" in o)
    assert "vision_free" in html and "no finished evaluate run" in html


@pytest.mark.slow
def test_play_champion_notebook(study, tmp_path):
    uri, data, _ = study
    nb = run_notebook("play_champion.ipynb", f'MODEL_URI = "{uri}"\nTEST_DATASET = "{data}"\nLEVEL = 0\n'
                      "TRACKING_URI = None", tmp_path)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "steps" in text and ("won" in text or "died" in text or "timed out" in text)
    assert _outputs(nb, "image/png") >= 1 and _outputs(nb, "image/gif") == 1
    assert (tmp_path / "champion_episode.gif").is_file()
