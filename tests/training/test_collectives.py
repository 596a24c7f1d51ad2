"""Ranks cannot silently diverge: a disagreement or a missing rank fails, naming rank and step."""

import socket

import torch.multiprocessing as mp
from _dist_worker import diverge_worker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_disagreeing_and_missing_ranks_fail_with_rank_and_step(tmp_path):
    mp.start_processes(diverge_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True,
                       start_method="fork")
    r0 = (tmp_path / "rank0.txt").read_text().splitlines()
    r1 = (tmp_path / "rank1.txt").read_text().splitlines()
    for msg in (r0[0], r1[0]):  # both ranks learn of the disagreement and what each one was at
        assert "ranks diverged at 'checkpoint'" in msg
        assert "rank 0: checkpoint@256" in msg and "rank 1: checkpoint@384" in msg
    assert len(r0) == 2 and "rank 0/2 at global step 512: collective 'checkpoint'" in r0[1]
    assert "timed out after 5s" in r0[1]
