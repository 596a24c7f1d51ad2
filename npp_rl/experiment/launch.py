"""Running one training run in N ranks under torchrun, and watching its checkpoints (for S3 syncs).

``torchrun_train(cfg, ranks, backend)`` writes the resolved :class:`~npp_rl.training.TrainConfig` to
JSON and runs ``torchrun --standalone --nproc-per-node N -m npp_rl.experiment.launch CONFIG RESULT``;
every rank calls :func:`npp_rl.training.train` with it and rank 0 writes the run id to ``RESULT``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path


class LaunchError(RuntimeError):
    """torchrun failed; the message has its exit status and the tail of its output."""


def torchrun_train(cfg, ranks: int, backend: str, work_dir: Path) -> str:
    work_dir.mkdir(parents=True, exist_ok=True)
    conf, result = work_dir / "train_config.json", work_dir / "train_run_id.txt"
    conf.write_text(json.dumps(dataclasses.asdict(cfg), indent=2))
    result.unlink(missing_ok=True)
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
    cmd = [torchrun, "--standalone", f"--nproc-per-node={ranks}", "-m", "npp_rl.experiment.launch",
           str(conf), str(result)]
    env = dict(os.environ, NPP_RL_DIST_BACKEND=backend)
    print(f"launching {ranks} ranks ({backend}): {' '.join(cmd)}", file=sys.stderr, flush=True)
    # the ranks' output goes through this process's stderr, so it also lands in the experiment's log file
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    for line in proc.stdout:
        sys.stderr.write(line)
    proc.wait()
    if proc.returncode != 0 or not result.is_file():
        raise LaunchError(f"torchrun ({ranks} ranks, {backend}) exited with status {proc.returncode}; "
                          f"see the ranks' output above and docs/troubleshooting.md (hangs, NCCL, DDP init)")
    return result.read_text().strip()


def _rank_main(conf: str, result: str) -> None:
    from npp_rl.training import TrainConfig, train
    from npp_rl.training import distributed as D

    cfg = TrainConfig(**json.loads(Path(conf).read_text()))
    run_id = train(cfg)
    if D.current().is_main:
        Path(result).write_text(run_id)


class CheckpointWatcher:
    """Calls ``on_step(global_step)`` from a thread whenever the checkpoint in ``ckpt_dir`` crosses the
    next multiple of ``every`` steps (training writes a checkpoint every ``--save-freq`` steps)."""

    def __init__(self, ckpt_dir: Path, every: int, on_step, poll_s: float = 2.0):
        self.ckpt_dir, self.every, self.on_step, self.poll_s = Path(ckpt_dir), every, on_step, poll_s
        self._stop = threading.Event()
        self._next = every
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.errors: list[str] = []

    def __enter__(self):
        if self.every > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        from npp_rl.training.checkpoint import META

        while not self._stop.wait(self.poll_s):
            try:
                step = int(json.loads((self.ckpt_dir / META).read_text()).get("global_step", 0))
            except (OSError, ValueError):
                continue
            if step >= self._next:
                self._next = (step // self.every + 1) * self.every
                try:
                    self.on_step(step)
                except Exception as e:  # noqa: BLE001 - a failed sync is retried at the next one
                    self.errors.append(f"{type(e).__name__}: {e}")
                    print(f"S3 sync at step {step} failed: {e}", file=sys.stderr)


if __name__ == "__main__":
    _rank_main(sys.argv[1], sys.argv[2])
