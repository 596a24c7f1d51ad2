"""``evaluate(config) -> run_id``: a logged policy on a test suite, tracked as an ``evaluate`` run.

The model is a training run id (its ``model`` artifact) or any model URI (``models:/npp-rl-<arch>@champion``,
``models:/NAME/VERSION``, ``runs:/ID/model``). The evaluate run is tagged ``npp_rl.step=evaluate``,
``npp_rl.train_run_id`` (the run that logged the model), ``npp_rl.model_uri``, and the training run's
architecture / condition / seed tags, so the compare step finds it by tags. It also records what makes two
evaluations comparable: ``npp_rl.test_set_hash`` (content hash of the levels played), ``npp_rl.policy_mode``
(``deterministic``/``stochastic``), ``npp_rl.source_step`` (``train`` or ``pretrain``; a model straight from
``npp-rl pretrain`` gets condition ``bc_only``), and ``per_level.json`` (one record per level, see
:func:`~npp_rl.evaluation.metrics.per_level_table`) for the comparison's stratified bootstrap.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

TAG_TRAIN_RUN = "npp_rl.train_run_id"
TAG_MODEL_URI = "npp_rl.model_uri"
TAG_TRAIN_DATASET = "npp_rl.train_dataset"
TAG_TEST_SET = "npp_rl.test_set_hash"
"""Content hash of the levels played (:meth:`TestSuite.content_hash`): compare only ranks runs that share it."""
TAG_POLICY_MODE = "npp_rl.policy_mode"
"""``deterministic`` or ``stochastic``."""
TAG_SOURCE_STEP = "npp_rl.source_step"
"""Step of the run that logged the model: ``train`` (PPO) or ``pretrain`` (behaviour cloning only)."""
BC_ONLY = "bc_only"
"""Condition of an evaluation of a BC policy that PPO never trained: its own row, never ``pretrained``."""


@dataclass
class EvalConfig:
    """Everything ``npp-rl evaluate`` needs."""

    model: str
    """Training run id, or a model URI (``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, ``runs:/ID/PATH``)."""
    test_dataset: str
    """Dataset root (its ``test`` split is played), a split folder, or any folder of N++ level files."""
    experiment_name: str = "npp-rl"
    """MLflow experiment of the evaluate run."""
    episodes_per_level: int = 1
    """Episodes per level (with a deterministic policy and environment, repeats are identical)."""
    deterministic: bool = True
    """Most likely action (default) or a sampled one (``--stochastic``)."""
    n_envs: int = 32
    """Worlds played at once."""
    seed: int = 0
    """Seed of the action sampling (stochastic) and the environment."""
    videos: bool = True
    """Log a success and a failure episode per category as GIF artifacts."""
    video_scale: float = 0.5
    """Video size: output pixels per game pixel (0.5 -> 528x300)."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI`` or the embedded store)."""
    run_name: str | None = None
    """Name of the evaluate run (default: ``eval:<architecture>``)."""
    latency_samples: int = 50
    """Batch-1 forward passes timed for ``perf/latency_ms_b1_*`` (0 = skip)."""
    tensorboard_dir: str | None = None
    """Also keep the TensorBoard events (per-category metrics) here (always logged as ``tensorboard/``)."""


class ModelNotFoundError(LookupError):
    """``--model`` names no run or model the tracking server knows."""


@dataclass
class ResolvedModel:
    uri: str
    train_run_id: str | None
    tags: dict


def resolve_model(model: str) -> ResolvedModel:
    """Model URI and source (training) run of ``model`` (a run id or a model URI); clear errors."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    s = str(model).strip()
    run_id = None
    if s.startswith("models:/"):
        rest = s[len("models:/"):]
        try:
            if "@" in rest:
                name, alias = rest.split("@", 1)
                mv = client.get_model_version_by_alias(name, alias)
            else:
                name, _, version = rest.partition("/")
                if not version or not version.split("/")[0].isdigit():
                    raise ModelNotFoundError(f"--model {s!r}: expected models:/NAME/VERSION or models:/NAME@ALIAS")
                mv = client.get_model_version(name, version.split("/")[0])
        except MlflowException as e:
            raise ModelNotFoundError(f"--model {s!r}: no such registered model version ({e.message})") from None
        run_id = mv.run_id
        uri = s
    elif s.startswith("runs:/"):
        run_id = s[len("runs:/"):].split("/", 1)[0]
        uri = s
    elif "://" in s or s.startswith(("/", ".")) or Path(s).exists():
        uri = s
    else:
        uri = f"runs:/{s}/model"
        run_id = s
    tags: dict = {}
    if run_id:
        try:
            tags = dict(client.get_run(run_id).data.tags)
        except MlflowException as e:
            raise ModelNotFoundError(f"--model {s!r}: run {run_id} is unknown to {_uri()} ({e.message})") from None
    return ResolvedModel(uri, run_id, tags)


def _uri() -> str:
    import mlflow

    return mlflow.get_tracking_uri()


def load_policy(uri: str):
    """The :class:`~npp_rl.tracking.policy_pyfunc.PolicyPyfunc` behind ``uri`` (loaded by MLflow)."""
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    try:
        pf = mlflow.pyfunc.load_model(uri)
    except (MlflowException, OSError) as e:
        msg = getattr(e, "message", str(e))
        raise ModelNotFoundError(f"--model: cannot load {uri!r} from {_uri()}: {msg}") from None
    inner = pf.unwrap_python_model() if hasattr(pf, "unwrap_python_model") else None
    if inner is None or not hasattr(inner, "predict_obs"):
        raise ModelNotFoundError(f"--model {uri!r} is not an npp-rl policy (PolicyPyfunc); got {type(inner).__name__}")
    return inner


def measure_latency(policy, obs: dict, samples: int = 50) -> dict[str, float]:
    """p50/p95 milliseconds of one batch-1 action computation (what serving does per request)."""
    one = {k: v[:1] for k, v in obs.items()}
    for _ in range(3):
        policy.predict_obs(one)
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        policy.predict_obs(one)
        times.append((time.perf_counter() - t) * 1e3)
    return {"perf/latency_ms_b1_p50": float(np.percentile(times, 50)),
            "perf/latency_ms_b1_p95": float(np.percentile(times, 95))}


def policy_mode(deterministic: bool) -> str:
    return "deterministic" if deterministic else "stochastic"


def evaluate(config: EvalConfig) -> str:
    """Evaluate ``config.model`` on ``config.test_dataset``; returns the evaluate run's id."""
    import mlflow
    import torch

    from npp_rl import tracking
    from npp_rl.evaluation import video
    from npp_rl.evaluation.metrics import flat_metrics, per_level_table, summarize
    from npp_rl.evaluation.runner import modalities_for_keys, run_episodes
    from npp_rl.evaluation.suite import load_suite
    from npp_rl.training.precision import eval_precision_note
    from npp_rl.training.trainer import dataset_hash

    suite = load_suite(config.test_dataset)  # bad dataset -> SuiteError before any tracking work
    tracking.configure(config.tracking_uri, quiet=True)
    resolved = resolve_model(config.model)
    policy = load_policy(resolved.uri)
    mods = modalities_for_keys(policy.space.spaces.keys())
    arch = resolved.tags.get(tracking.TAG_ARCH) or "unknown"
    torch.manual_seed(config.seed)

    def act(obs):
        return policy.predict_obs(obs, deterministic=config.deterministic)["action"]

    t0 = time.perf_counter()
    episodes = run_episodes(act, suite, mods, episodes_per_level=config.episodes_per_level,
                            n_envs=config.n_envs, seed=config.seed, record_trajectories=config.videos)
    wall = time.perf_counter() - t0
    summary = summarize(episodes, repeats_independent=not config.deterministic)
    source_step = resolved.tags.get(tracking.TAG_STEP)
    condition = BC_ONLY if source_step == "pretrain" else resolved.tags.get(tracking.TAG_CONDITION)
    tags = {
        TAG_TRAIN_RUN: resolved.train_run_id, TAG_MODEL_URI: resolved.uri,
        tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: condition,
        TAG_TEST_SET: suite.content_hash(), TAG_SOURCE_STEP: source_step,
        TAG_POLICY_MODE: policy_mode(config.deterministic),
        tracking.TAG_DATASET: dataset_hash(str(config.test_dataset)),
        TAG_TRAIN_DATASET: resolved.tags.get(tracking.TAG_DATASET),
        "npp_rl.train_seed": resolved.tags.get(tracking.TAG_SEED),
        "npp_rl.deterministic": str(config.deterministic).lower(),
    }
    with tracking.start_run(config.experiment_name, step="evaluate", run_name=config.run_name or f"eval:{arch}",
                            config=asdict(config), seed=config.seed, tags=tags) as run:
        metrics = flat_metrics(summary)
        # the overall figures also under the short names training uses
        for k in ("success_rate", "mean_reward"):
            if f"eval/overall/{k}" in metrics:
                metrics[f"eval/{k}"] = metrics[f"eval/overall/{k}"]
        metrics["perf/eval_seconds"] = wall
        metrics["perf/eval_steps_per_s"] = sum(e.steps for e in episodes) / max(wall, 1e-9)
        metrics["model/parameters"] = float(sum(p.numel() for p in policy.policy.parameters()))
        if config.latency_samples > 0:
            from npp_rl.envs.config import EnvConfig
            from npp_rl.envs.engine import WorldBatch

            wb = WorldBatch([suite.levels[0].path], 1, EnvConfig(observation_modalities=mods))
            wb.reset_worlds([0], [0])
            metrics.update(measure_latency(policy, wb.observe(), config.latency_samples))
        mlflow.log_metrics(metrics)
        tb = tracking.EventWriter(config.tensorboard_dir)
        tb.scalars(metrics)
        tb.close()
        mlflow.log_params({"eval.precision": "fp32", "eval.policy_mode": policy_mode(config.deterministic),
                           "run.architecture": arch, "run.condition": resolved.tags.get(tracking.TAG_CONDITION),
                           "run.seed": resolved.tags.get(tracking.TAG_SEED)})
        _copy_to_training_run(resolved.train_run_id, metrics)
        print(f"evaluating in {eval_precision_note()}", file=sys.stderr)
        results = {
            "model": config.model, "model_uri": resolved.uri, "train_run_id": resolved.train_run_id,
            "architecture": arch, "condition": condition, "test_set_hash": tags[TAG_TEST_SET],
            "test_dataset": str(config.test_dataset), "deterministic": config.deterministic,
            "episodes_per_level": config.episodes_per_level, "modalities": list(mods),
            "categories": suite.categories, "summary": summary,
            "reference_kinds": {k: sum(e.reference_kind == k for e in episodes) for k in ("manifest", "replay", "geodesic")},
            "episodes": [e.to_dict() for e in episodes],
        }
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "eval_results.json"
            out.write_text(json.dumps(_jsonable(results), indent=2))
            mlflow.log_artifact(str(out))
            per_level = Path(tmp) / "per_level.json"
            per_level.write_text(json.dumps(_jsonable(per_level_table(episodes)), indent=1))
            mlflow.log_artifact(str(per_level))
            if config.videos:
                paths = {lv.name: lv.path for lv in suite.levels}
                for label, ep in video.pick_examples(episodes):
                    try:
                        frames = video.episode_frames(paths[ep.level], ep, scale=config.video_scale)
                        gif = video.save_gif(frames, Path(tmp) / "videos" / f"{label.replace('/', '_')}.gif")
                        mlflow.log_artifact(str(gif), artifact_path=f"videos/{label.split('/')[0]}")
                    except Exception as e:  # a video is a nice-to-have: say so, keep the results
                        print(f"video {label} failed ({type(e).__name__}: {e})", file=sys.stderr)
        return run.info.run_id


def _copy_to_training_run(train_run_id: str | None, metrics: dict) -> None:
    """The test results also on the training run (``test/<category>/<metric>``), so the UI compares
    training runs by what they achieved on the test set. Best effort: the evaluate run has them anyway."""
    if not train_run_id:
        return
    import time as _t

    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    now = int(_t.time() * 1000)
    batch = [Metric("test/" + k[len("eval/"):], float(v), now, 0) for k, v in metrics.items()
             if k.startswith("eval/") and k.count("/") >= 2 and v == v]
    try:
        for i in range(0, len(batch), 500):
            MlflowClient().log_batch(train_run_id, metrics=batch[i:i + 500])
    except Exception as e:  # noqa: BLE001
        print(f"copying the test results to training run {train_run_id} failed ({type(e).__name__})", file=sys.stderr)


def _jsonable(o):
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, float) and o != o:
        return None
    if isinstance(o, np.generic):
        return _jsonable(o.item())
    return o


def evaluate_experiment(experiment_name: str, test_dataset: str, *, run_ids: list[str] | None = None,
                        skip_evaluated: bool = True, **config) -> dict[str, str]:
    """Evaluate the experiment's finished training runs (for the pipeline): ``{train_run_id: eval_run_id}``.

    ``run_ids`` limits it to those runs and their child runs (a multi-architecture ``train`` returns the
    parent's id; its children hold the models). Runs that already have a finished evaluate run are skipped
    unless ``skip_evaluated=False``. ``config`` goes to :class:`EvalConfig` (``episodes_per_level``,
    ``n_envs``, ``tracking_uri``...). Runs whose model cannot be loaded are reported together at the end.
    """
    from npp_rl import tracking

    tracking.configure(config.get("tracking_uri"), quiet=True)
    runs = tracking.find_runs(experiment_name, status="FINISHED")
    if runs.empty:
        raise ModelNotFoundError(f"experiment {experiment_name!r} has no finished runs to evaluate")
    col = runs.get

    def tag(name):
        return col(f"tags.{name}", None)

    step, arch, parent = tag(tracking.TAG_STEP), tag(tracking.TAG_ARCH), tag("mlflow.parentRunId")
    train = runs[(step == "train") & arch.notna()] if arch is not None else runs.iloc[0:0]
    if run_ids:
        wanted = set(run_ids)
        keep = train["run_id"].isin(wanted)
        if parent is not None:
            keep |= train["tags.mlflow.parentRunId"].isin(wanted)
        train = train[keep]
        if train.empty:
            raise ModelNotFoundError(f"none of {sorted(wanted)} is a finished training run with an architecture "
                                     f"(or the parent of one) in experiment {experiment_name!r}")
    done = set()
    if skip_evaluated and step is not None and tag(TAG_TRAIN_RUN) is not None:
        done = set(runs.loc[step == "evaluate", f"tags.{TAG_TRAIN_RUN}"].dropna())
    out: dict[str, str] = {}
    failed: list[str] = []
    for rid in train["run_id"]:
        if rid in done:
            continue
        try:
            out[rid] = evaluate(EvalConfig(model=rid, test_dataset=str(test_dataset), experiment_name=experiment_name,
                                           **config))
        except ModelNotFoundError as e:
            failed.append(f"{rid}: {e}")
    if failed:
        print("evaluate_experiment: could not evaluate\n  " + "\n  ".join(failed), file=sys.stderr)
    return out
