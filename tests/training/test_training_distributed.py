"""Two gloo ranks on CPU: after PPO updates the parameters agree across ranks only with gradient sync."""

import socket
from pathlib import Path

import numpy as np
import pytest
import torch.multiprocessing as mp
from _dist_worker import worker as _worker

import npp_rl.training.ppo  # noqa: F401,E402  (imported before forking)
import npp_rl.training.trainer  # noqa: F401,E402

HERE = Path(__file__).resolve().parents[1] / "models"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tmp_path, sync: bool, arch: str = "mlp_baseline"):
    out = tmp_path / ("sync" if sync else "nosync")
    out.mkdir()
    # fork: the children inherit the imported modules (spawn re-imports torch/PyG/SB3 per rank, ~20 s)
    mp.start_processes(_worker, args=(2, _free_port(), sync, arch, str(out)), nprocs=2, join=True,
                       start_method="fork")
    return [np.load(out / f"rank{r}.npy") for r in range(2)]


@pytest.mark.parametrize("arch", ["mlp_baseline", "gcn"])
def test_two_rank_update_keeps_parameters_identical(tmp_path, arch):
    r0, r1 = _run(tmp_path, sync=True, arch=arch)
    np.testing.assert_array_equal(r0[0], r1[0])  # same start
    assert not np.array_equal(r0[0], r0[1])  # the update moved them
    np.testing.assert_array_equal(r0[1], r1[1])  # and they moved identically

    n0, n1 = _run(tmp_path, sync=False, arch=arch)
    np.testing.assert_array_equal(n0[0], r0[0])  # same start as the synced run
    assert not np.allclose(n0[1], n1[1])  # without sync the ranks drift apart
    assert not np.allclose(n0[1], r0[1])  # and differ from the synchronised result
