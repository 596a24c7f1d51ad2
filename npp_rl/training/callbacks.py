"""Training callbacks (checkpoints, evaluation, TensorBoard sync) and the MLflow metric writer."""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import KVWriter

from npp_rl.training import checkpoint as C
from npp_rl.training import distributed as D
from npp_rl.training import resume as R

#: While the tracking server is unreachable, journaled metrics are retried this often (seconds).
OUTAGE_RETRY_S = 60.0

#: MLflow HTTP defaults for training processes (unless set by the user): fail a call within seconds
#: instead of MLflow's default of 7 retries with exponential backoff (minutes), so that a server
#: outage costs a few seconds per retry and training goes on; metrics stay in the journal.
MLFLOW_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                        "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}


def metric_name(key: str) -> str:
    """SB3 logger keys -> npp-rl namespaces (``time/fps`` -> ``perf/fps_rank``, ``time/*`` -> ``perf/*``)."""
    if key == "time/fps":
        return "perf/fps_rank"
    if key.startswith("time/"):
        return "perf/" + key[5:]
    return key


class MlflowWriter(KVWriter):
    """SB3 logger output that sends numeric values through ``ResilientLogger`` (rank 0 only).

    Steps are global environment steps (``num_timesteps * world_size``); ``perf/fps`` is the
    global rate (per-rank fps times world size).
    """

    def __init__(self, resilient_logger, world_size: int = 1):
        self.log = resilient_logger
        self.world = world_size

    def write(self, key_values, key_excluded, step: int = 0) -> None:
        out = {}
        for k, v in key_values.items():
            if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool):
                out[metric_name(k)] = float(v)
        if "perf/fps_rank" in out:
            out["perf/fps"] = out["perf/fps_rank"] * self.world
        if out:
            self.log.log_metrics(out, step=int(step) * self.world)
            # while the server is away, try to deliver (a blocking call) only once a minute
            self.log.flush_every = 5.0 if getattr(self.log, "connected", True) else OUTAGE_RETRY_S

    def close(self) -> None:
        self.log.flush()


def evaluate(model, env, n_episodes: int, deterministic: bool = True) -> dict[str, float]:
    """Play ``n_episodes`` on a vector env; success/reward/length overall and per ``info['category']``.

    Each environment plays a fixed quota of episodes (like SB3's ``evaluate_policy``); counting the
    first episodes to finish would favour short ones, i.e. over-count quick successes.
    """
    obs = env.reset()
    n = env.num_envs
    quota = np.array([n_episodes // n + (i < n_episodes % n) for i in range(n)])
    counts = np.zeros(n, dtype=int)
    ret = np.zeros(n)
    length = np.zeros(n, dtype=int)
    eps: list[tuple[str | None, float, int, bool]] = []
    max_steps = 1_000_000
    while (counts < quota).any() and max_steps > 0:
        max_steps -= 1
        action, _ = model.predict(obs, deterministic=deterministic)
        obs, reward, done, infos = env.step(action)
        ret += reward
        length += 1
        for i in np.nonzero(done)[0]:
            if counts[i] < quota[i]:
                info = infos[i]
                eps.append((info.get("category"), float(ret[i]), int(length[i]), bool(info.get("is_success", False))))
                counts[i] += 1
            ret[i] = 0
            length[i] = 0
    if not eps:
        return {}
    out = {
        "eval/success_rate": float(np.mean([e[3] for e in eps])),
        "eval/mean_reward": float(np.mean([e[1] for e in eps])),
        "eval/mean_ep_length": float(np.mean([e[2] for e in eps])),
        "eval/episodes": float(len(eps)),
    }
    by_cat = defaultdict(list)
    for e in eps:
        if e[0]:
            by_cat[e[0]].append(e[3])
    for cat, s in by_cat.items():
        out[f"eval/{cat}/success_rate"] = float(np.mean(s))
    return out


class NppTrainingCallback(BaseCallback):
    """Checkpoints every ``save_freq`` global steps, evaluation every ``eval_freq``, TensorBoard sync.

    All ranks run it and decide from the same global step (``num_timesteps * world_size``, equal on
    every rank), between PPO iterations: when a rollout starts, the model, its last observation and
    the environments agree, so a checkpoint taken there resumes exactly. Every rank takes part in a
    checkpoint (its RNG and env state go in); only rank 0 writes and evaluates.
    """

    def __init__(self, *, run_id: str | None, ckpt_dir: Path, save_freq: int, eval_freq: int, eval_env_fn,
                 eval_episodes: int, meta: dict, metrics_logger=None, tb_sync=None, tb_sync_every_s: float = 60.0,
                 on_eval=None, time_budget_s: float | None = None, best_path: Path | None = None):
        super().__init__()
        self.run_id = run_id
        self.ckpt_dir = Path(ckpt_dir)
        self.save_freq = save_freq
        self.eval_freq = eval_freq
        self.eval_env_fn = eval_env_fn
        self.eval_env = None
        self.eval_episodes = eval_episodes
        self.meta = meta
        self.metrics = metrics_logger
        self.tb_sync = tb_sync
        self.tb_every = tb_sync_every_s
        self._tb_last = time.monotonic()
        self.info = D.current()
        self._next_save = None
        self._next_eval = None
        self.last_checkpoint_step = None
        self.eval_history: list[tuple[int, dict]] = []
        self.on_eval = on_eval
        self.time_budget_s = time_budget_s
        self._t0 = time.monotonic()
        self.stopped_by_time_budget = False
        self.best_path = Path(best_path) if best_path else None
        self.best: dict | None = None
        """``{"step", "success_rate"}`` of the policy at ``best_path`` (rank 0; None before any evaluation)."""

    def global_step(self) -> int:
        return int(self.model.num_timesteps) * self.info.world_size

    def _init_callback(self) -> None:
        g = self.global_step()
        self._next_save = (g // self.save_freq + 1) * self.save_freq if self.save_freq else None
        self._next_eval = (g // self.eval_freq + 1) * self.eval_freq if self.eval_freq else None
        self._t0 = time.monotonic()
        if self.last_checkpoint_step is None and self.meta.get("resumed_from_step") is not None:
            self.last_checkpoint_step = int(self.meta["resumed_from_step"])
        if self.best is None and self.best_path is not None and self.info.is_main:
            self.best = _read_best(self.best_path)

    def _on_rollout_start(self) -> None:
        g = self.global_step()
        if self._next_save is not None and g >= self._next_save:
            self.save_checkpoint()
            self._next_save = (g // self.save_freq + 1) * self.save_freq
        if self._next_eval is not None and g >= self._next_eval:
            self.run_eval()
            self._next_eval = (g // self.eval_freq + 1) * self.eval_freq
        if self.time_budget_s is not None:
            # rank 0's clock decides for all: the stop and the learning-rate schedule's time progress
            spent = D.broadcast_object((time.monotonic() - self._t0) / self.time_budget_s, what="time budget")
            self.stopped_by_time_budget = spent >= 1.0
            self.model.time_progress = min(1.0, float(spent))

    def _on_step(self) -> bool:
        if self.stopped_by_time_budget:
            # SB3 stepped the envs once more before asking: keep the model's last observation in step with
            # them, so that the final checkpoint resumes from a consistent state
            self.model._last_obs = self.locals["new_obs"]
            self.model._last_episode_starts = self.locals["dones"]
            return False
        if self.tb_sync is not None and time.monotonic() - self._tb_last > self.tb_every \
                and getattr(self.metrics, "connected", True):
            self._tb_last = time.monotonic()
            self.sync_tensorboard()
        return True

    def save_checkpoint(self) -> Path | None:
        """Every rank calls this at the same global step (checked: a rank elsewhere fails them all)."""
        g = self.global_step()
        states = D.agree("checkpoint", g, R.capture(self.model, self.training_env))
        self.last_checkpoint_step = g  # on every rank: all decide the final save from it
        if not self.info.is_main:
            return None
        meta = {k: v for k, v in self.meta.items() if k != "resumed_from_step"}
        meta.update(global_step=g, local_step=int(self.model.num_timesteps), world_size=self.info.world_size,
                    n_updates=int(self.model._n_updates), saved_at=time.time(),
                    counters={k: int(getattr(self.model, k)) for k in R.COUNTERS})
        path = C.save(self.model, self.ckpt_dir, meta, states)
        if self.run_id:
            C.upload(path, self.run_id)
        if self.metrics is not None:
            self.metrics.log_metrics({"perf/checkpoint_step": g}, step=g)
        return path

    def run_eval(self) -> dict:
        if not self.info.is_main or self.eval_env_fn is None or self.eval_episodes <= 0:
            return {}
        if self.eval_env is None:
            self.eval_env = self.eval_env_fn()
        t = time.perf_counter()
        res = evaluate(self.model, self.eval_env, self.eval_episodes)
        res["perf/eval_seconds"] = time.perf_counter() - t
        g = self.global_step()
        self.eval_history.append((g, res))
        self._keep_if_best(g, res)
        if self.metrics is not None:
            self.metrics.log_metrics(res, step=g)
        if self.on_eval is not None:
            self.on_eval(self.run_id, g, res)
        return res

    def _keep_if_best(self, step: int, res: dict) -> None:
        """Save the policy to ``best_path`` when its held-back success is at least the best so far."""
        score = res.get("eval/success_rate")
        if self.best_path is None or score is None:
            return
        if self.best is None or score >= self.best["success_rate"]:
            self.best = {"step": step, "success_rate": float(score)}
            self.best_path.parent.mkdir(parents=True, exist_ok=True)
            self.model.save(self.best_path)
            _best_json(self.best_path).write_text(json.dumps(self.best))
        res["eval/best_success_rate"] = self.best["success_rate"]
        res["eval/best_step"] = float(self.best["step"])

    def sync_tensorboard(self) -> None:
        if self.tb_sync is None or not self.info.is_main:
            return
        try:
            self.model.logger.output_formats  # noqa: B018 - flush SB3's TB writer first
            for f in self.model.logger.output_formats:
                if hasattr(f, "writer"):
                    f.writer.flush()
            self.tb_sync.sync()
        except Exception as e:
            print(f"tensorboard sync failed ({type(e).__name__}: {e})", file=sys.stderr)

    def _on_training_end(self) -> None:
        if self.eval_env is not None:
            self.eval_env.close()


def _best_json(best_path: Path) -> Path:
    return best_path.with_suffix(".json")


def _read_best(best_path: Path) -> dict | None:
    """The best evaluation kept by an earlier process of this run (resume), when its policy is still there."""
    try:
        best = json.loads(_best_json(best_path).read_text())
        if best_path.is_file():
            return {"step": int(best["step"]), "success_rate": float(best["success_rate"])}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None
