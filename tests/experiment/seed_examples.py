"""The seed design's four example command lines, as written, with small budgets and local paths.

``example(n, ds, out)`` returns the argv after ``scripts/train_and_compare.py``: the design's flags
and values, except the budgets (``--total-timesteps``, ``--num-envs``, ``--bc-epochs``), the dataset
paths (``../nclone/datasets/{train,test}`` -> the test dataset), ``--output-dir`` and the replay
folder, plus the small-budget extras listed in ``SMALL``.
"""

from __future__ import annotations

from pathlib import Path

#: budget extras for a 2-core CPU: PPO rollout/minibatch that fit 256-512 steps, no GIFs, 1 eval episode
SMALL = ["--set", "n_steps=32", "--set", "batch_size=64", "--set", "n_epochs=1", "--no-videos",
         "--eval-episodes", "1", "--no-progress"]

DESIGN = {
    1: """--experiment-name test_vision_free --architectures vision_free --no-pretraining
          --train-dataset ../nclone/datasets/train --test-dataset ../nclone/datasets/test
          --total-timesteps 5000000 --num-envs 64 --num-gpus 1 --output-dir experiments/""",
    2: """--experiment-name arch_comparison --architectures full_hgt vision_free gat --no-pretraining
          --train-dataset ../nclone/datasets/train --test-dataset ../nclone/datasets/test
          --total-timesteps 10000000 --num-envs 64 --num-gpus 4 --mixed-precision --output-dir experiments/""",
    3: """--experiment-name pretraining_impact --architectures full_hgt --test-pretraining
          --replay-data-dir datasets/human_replays --bc-epochs 10
          --train-dataset ../nclone/datasets/train --test-dataset ../nclone/datasets/test
          --total-timesteps 10000000 --num-envs 64 --output-dir experiments/""",
    4: """--experiment-name production_run --architectures full_hgt vision_free
          --train-dataset ../nclone/datasets/train --test-dataset ../nclone/datasets/test
          --total-timesteps 10000000 --num-envs 256 --num-gpus 4 --mixed-precision
          --s3-bucket npp-rl-experiments --s3-prefix experiments/ --s3-sync-freq 500000 --output-dir experiments/""",
}


def example(n: int, ds: Path, out: Path, steps: int = 256, envs: int = 2, bucket: str | None = None) -> list[str]:
    swap = {"../nclone/datasets/train": str(ds / "train"), "../nclone/datasets/test": str(ds / "test"),
            "experiments/": str(out) + "/", "datasets/human_replays": str(ds / "train")}
    argv = DESIGN[n].split()
    out_argv = []
    for i, a in enumerate(argv):
        prev = argv[i - 1] if i else ""
        if prev == "--total-timesteps":
            a = str(steps)
        elif prev == "--num-envs":
            a = str(envs)
        elif prev == "--bc-epochs":
            a = "1"
        elif prev == "--s3-sync-freq":
            a = "128"  # several syncs within the small budget
        elif prev == "--s3-bucket" and bucket:
            a = bucket
        elif prev != "--s3-prefix":
            a = swap.get(a, a)
        out_argv.append(a)
    return out_argv + SMALL
