"""Build MLflow run sets the way train / pretrain / evaluate log them (tags, metric names, per_level.json),
with chosen numbers, so each comparison pathology can be set up in a few lines."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import mlflow

from npp_rl import tracking


def train_run(experiment: str, arch: str, cond: str = "scratch", seed: int = 0, curve=(), fps: float = 1000.0,
              step: str = "train") -> str:
    """A finished training (or ``step="pretrain"``) run with a held-back ``eval/success_rate`` curve."""
    with tracking.start_run(experiment, step=step, run_name=f"{step}:{arch}", seed=seed,
                            tags={tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: cond}) as run:
        for s, v in curve:
            mlflow.log_metric("eval/success_rate", v, step=int(s))
        mlflow.log_metric("perf/fps_overall", fps)
    return run.info.run_id


def eval_run(experiment: str, train_id: str | None, arch: str, cond: str, levels: list[float], *, seed: int = 0,
             test_set: str | None = "T1", policy_mode: str | None = "deterministic", source_step: str | None = "train",
             moved: float = 1.0, deaths: int = 0, latency: float = 1.0, params: float = 100_000.0,
             efficiency: float = 0.8, per_level: bool = True, category: str = "simple") -> str:
    """A finished evaluate run: ``levels`` are the per-level success rates (one episode each), ``moved`` the
    fraction of episodes that left the spawn, ``deaths`` deaths among them. ``None`` tags are left out."""
    n = len(levels)
    wins = sum(levels)
    moving = round(moved * n)
    tags = {tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: cond, "npp_rl.train_run_id": train_id,
            "npp_rl.train_seed": seed, "npp_rl.test_set_hash": test_set, "npp_rl.policy_mode": policy_mode,
            "npp_rl.source_step": source_step, "npp_rl.model_uri": f"runs:/{train_id}/model"}
    with tracking.start_run(experiment, step="evaluate", run_name=f"eval:{arch}", seed=0,
                            tags={k: v for k, v in tags.items() if v is not None}) as run:
        m = {"eval/overall/success_rate": wins / n, "eval/overall/episodes": float(n),
             "eval/overall/levels": float(n), f"eval/{category}/success_rate": wins / n,
             "eval/overall/spl": efficiency * wins / n, "eval/overall/moving_rate": moving / n,
             "eval/overall/timeout_rate": (n - wins - deaths) / n,
             "perf/latency_ms_b1_p50": latency, "model/parameters": params}
        if wins:
            m["eval/overall/efficiency"] = efficiency
            m["eval/overall/deaths_per_success"] = deaths / wins
        if moving:
            m["eval/overall/safety"] = 1 - deaths / moving
        mlflow.log_metrics(m)
        if per_level:
            rows = [{"level": f"{category}/{i:03d}", "category": category, "episodes": 1, "successes": int(v),
                     "success_rate": float(v), "efficiency": efficiency if v else None} for i, v in enumerate(levels)]
            with tempfile.TemporaryDirectory() as tmp:
                p = Path(tmp) / "per_level.json"
                p.write_text(json.dumps(rows))
                mlflow.log_artifact(str(p))
    return run.info.run_id


def levels(successes: int, n: int = 10) -> list[float]:
    """``n`` levels of which the first ``successes`` are solved."""
    return [1.0] * successes + [0.0] * (n - successes)
