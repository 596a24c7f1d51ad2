"""Worker for the 2-rank gloo test (a plain module so spawned processes can import it)."""

import os
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parents[1] / "models"


def worker(rank: int, world: int, port: int, sync: bool, arch: str, out: str) -> None:
    sys.path.insert(0, str(HERE))
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    import torch.distributed as dist
    from fake_env import make_fake_vec_env

    from npp_rl.models.policy import policy_kwargs
    from npp_rl.models.registry import get_architecture
    from npp_rl.training import distributed as D
    from npp_rl.training.ppo import NppPPO
    from npp_rl.training.trainer import _broadcast_parameters

    D.init_distributed("cpu")
    seed = 1000 * rank
    env = make_fake_vec_env(4, seed, get_architecture(arch).modalities, None, "train")
    model = NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs(arch), n_steps=16, batch_size=32,
                   n_epochs=2, seed=seed, device="cpu")
    model.sync_gradients = sync
    _broadcast_parameters(model)  # same start everywhere
    before = torch.nn.utils.parameters_to_vector(model.policy.parameters()).detach().clone()
    model.learn(64)  # one rollout (4 envs x 16 steps) and one update of 2 epochs x 2 minibatches
    after = torch.nn.utils.parameters_to_vector(model.policy.parameters()).detach()
    np.save(Path(out) / f"rank{rank}.npy", torch.stack([before, after]).numpy())
    dist.destroy_process_group()


def diverge_worker(rank: int, world: int, port: int, out: str) -> None:
    """Ranks that disagree on the step of a checkpoint, then a rank that never joins a collective."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    import torch.distributed as dist

    from npp_rl.training import distributed as D

    D.init_distributed("cpu", timeout=5)
    msgs = []
    try:
        D.agree("checkpoint", 256 if rank == 0 else 384)
    except D.CollectiveError as e:
        msgs.append(str(e))
    if rank == 0:
        try:
            D.agree("checkpoint", 512)  # rank 1 never comes
        except D.CollectiveError as e:
            msgs.append(str(e))
    (Path(out) / f"rank{rank}.txt").write_text("\n".join(msgs))
    if rank == 1:
        import time

        time.sleep(8)  # stay alive (and away) while rank 0 times out
    dist.destroy_process_group() if rank == 1 else None
