"""The whole study in one call: generate levels -> pretrain -> train -> evaluate -> compare.

Each step is its own MLflow run (tagged ``npp_rl.step``) created by the step's own function; the
pipeline run (``npp_rl.step=pipeline``) is their parent (``mlflow.parentRunId``) and records the
chain (``pipeline.json``: step -> run id, model URI). Steps hand each other run ids and model
URIs, never folders. Presets are data (``npp_rl/presets.yaml``): ``quick`` finishes in minutes
on a 2-core CPU; ``full`` is the real study.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PRESETS_FILE = Path(__file__).with_name("presets.yaml")


def load_presets() -> dict[str, dict]:
    return yaml.safe_load(PRESETS_FILE.read_text())


@dataclass
class PipelineConfig:
    """A resolved pipeline: the preset's values with any overrides applied."""

    preset: str = "quick"
    """Name of the preset in ``npp_rl/presets.yaml`` (quick | full)."""
    experiment_name: str = "npp-rl"
    """MLflow experiment of every run of the pipeline."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI``, then the embedded store)."""
    data_dir: str = ""
    """Level dataset folder; generated there unless it already holds a dataset with the same settings."""
    output_dir: str = ".npp-rl/pipeline"
    """Local folder for checkpoints and BC shards."""
    architectures: list[str] = field(default_factory=lambda: ["mlp_baseline"])
    """Architectures compared."""
    seeds: list[int] = field(default_factory=lambda: [0])
    """Training seeds per architecture and condition."""
    test_pretraining: bool = True
    """Also train every architecture from its BC-pretrained policy (condition ``pretrained``)."""
    levels: dict = field(default_factory=dict)
    """``train_per_category``, ``test_per_category``, ``seed``, ``categories``."""
    pretrain: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.pretraining.PretrainConfig`."""
    train: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.training.TrainConfig`."""
    evaluate: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.evaluation.EvalConfig`."""
    compare: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.comparison.CompareConfig`."""

    def __post_init__(self):
        from npp_rl.models.registry import get_architecture

        if isinstance(self.architectures, str):
            self.architectures = [a for a in self.architectures.replace(",", " ").split() if a]
        for a in self.architectures:
            get_architecture(a)  # unknown names fail here, before any work, listing the known ones
        if not self.seeds:
            raise ValueError("seeds: give at least one")

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> PipelineConfig:
        presets = load_presets()
        if preset not in presets:
            raise ValueError(f"unknown preset {preset!r}; known: {', '.join(presets)}")
        values = dict(presets[preset])
        values.update({k: v for k, v in overrides.items() if v is not None})
        values.setdefault("data_dir", f"data/levels-{preset}")
        return cls(preset=preset, **values)


def _say(msg: str) -> None:
    print(f"[pipeline {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class PipelineError(ValueError):
    """The pipeline cannot start as asked; the message names the folder or setting."""


def _dataset(cfg: PipelineConfig):
    """The level dataset in ``data_dir``: reused when the pipeline made it with the same settings, used
    as it is when someone else made it, generated when the folder is absent or empty. Nothing in it is
    ever deleted: a folder that holds something else, or the pipeline's own dataset made with other
    settings, is refused with a message."""
    from npp_rl.levels import CATEGORIES, DatasetError, generate_dataset, load_dataset

    lv = {"train_per_category": 4, "test_per_category": 2, "seed": 0, "categories": list(CATEGORIES), **cfg.levels}
    root = Path(cfg.data_dir)
    want = {"train_per_category": int(lv["train_per_category"]), "test_per_category": int(lv["test_per_category"]),
            "seed": int(lv["seed"]), "categories": list(lv["categories"])}
    stamp = root / "pipeline-settings.json"
    if root.exists() and any(root.iterdir()):
        ours = stamp.is_file()
        if ours and json.loads(stamp.read_text()) != want:
            raise PipelineError(f"--data-dir {root}: holds a dataset the pipeline generated with other settings "
                                f"({stamp.read_text().strip()}, wanted {json.dumps(want)}); nothing was changed. "
                                "Choose another --data-dir, or remove the folder yourself to regenerate it.")
        if not (root / "manifest.json").is_file():
            raise PipelineError(f"--data-dir {root}: exists and is not a level dataset (no manifest.json); "
                                "nothing was changed. Choose another (or an empty) folder.")
        try:
            ds = load_dataset(root)
        except DatasetError as exc:
            raise PipelineError(f"--data-dir {root}: the dataset there does not load ({exc}); nothing was "
                                "changed. Repair it or choose another --data-dir.") from None
        if ours:
            _say(f"levels: reusing {root} (content hash {ds.content_hash[:12]})")
        else:
            _say(f"levels: using the existing dataset in {root} as it is (not generated by the pipeline, so "
                 f"the preset's level settings do not apply; content hash {ds.content_hash[:12]})")
        return ds, None, 0.0
    t0 = time.monotonic()
    done = {"n": 0}

    def progress(i, msg):
        done["n"] += 1
        if done["n"] % 5 == 0:
            _say(f"levels: {msg}")

    ds, report = generate_dataset(root, want["train_per_category"], want["test_per_category"], want["seed"],
                                  categories=want["categories"], progress=progress, overwrite=False)
    stamp.write_text(json.dumps(want))
    return ds, report, time.monotonic() - t0


def log_levels_run(experiment_name: str, data_dir: str | Path, settings: dict, report: dict | None = None,
                   seconds: float = 0.0) -> str:
    """Record a level dataset as a ``generate_levels`` run: manifest, counts per split and category,
    the generation report, tagged with the dataset's content hash. Returns the run id."""
    import mlflow

    from npp_rl import tracking
    from npp_rl.levels import load_dataset

    ds = load_dataset(data_dir, verify_checksums=False)
    with tracking.start_run(experiment_name, step="generate_levels", run_name="generate_levels",
                            config=settings, seed=settings.get("seed"),
                            tags={tracking.TAG_DATASET: ds.content_hash}) as run:
        mlflow.log_artifact(str(Path(data_dir) / "manifest.json"))
        counts: dict[str, int] = {}
        for e in ds.entries:
            key = f"levels/{e.split}/{e.category}"
            counts[key] = counts.get(key, 0) + 1
        mlflow.log_metrics({k: float(v) for k, v in counts.items()})
        if report:
            mlflow.log_dict(report, "generation_report.json")
            mlflow.log_metric("perf/generation_s", seconds or float(report.get("seconds", 0.0)))
        return run.info.run_id


class Chain:
    """The parent run of a chain of steps (``npp_rl.step=pipeline``) and its record ``pipeline.json``.

    ``Chain.open`` creates the parent run (or adopts ``mlflow run``'s ``MLFLOW_RUN_ID``, or
    ``resume_run_id``); ``add(step, run_id, **extra)`` makes a step's run its child and appends it to
    ``pipeline.json``; ``close(ok)`` ends it. ``pipeline`` and ``train-and-compare`` both use it.
    """

    def __init__(self, client, run_id: str, outer: bool, chain: dict):
        self.client, self.run_id, self.outer, self.chain = client, run_id, outer, chain
        self.t_start = time.monotonic()

    @classmethod
    def open(cls, experiment_name: str, run_name: str, config, resume_run_id: str | None = None) -> Chain:
        from mlflow.tracking import MlflowClient

        from npp_rl import tracking

        # `mlflow run -e pipeline` hands us its run: that becomes the pipeline run. Remove it from the
        # environment so that each step opens a run of its own.
        outer = os.environ.pop("MLFLOW_RUN_ID", None)
        client = MlflowClient()
        exp_id = tracking.get_or_create_experiment(experiment_name)
        chain: dict[str, Any] = {"steps": []}
        if resume_run_id:
            run_id = resume_run_id
            client.update_run(run_id, status="RUNNING")
            try:
                import tempfile

                with tempfile.TemporaryDirectory() as tmp:
                    chain = json.loads(Path(client.download_artifacts(run_id, "pipeline.json", tmp)).read_text())
            except Exception:  # noqa: BLE001 - no record yet: start one
                pass
        elif outer:
            run_id = outer
        else:
            run_id = client.create_run(exp_id, run_name=run_name).info.run_id
        chain["pipeline_run_id"] = run_id
        client.set_tag(run_id, tracking.TAG_STEP, "pipeline")
        if not resume_run_id:
            client.log_dict(run_id, tracking.config_to_dict(config), "config.json")
            for k, v in tracking.flatten_config(config).items():
                client.log_param(run_id, k, v)
        return cls(client, run_id, bool(outer), chain)

    def add(self, step: str, run_id: str, **extra) -> None:
        self.client.set_tag(run_id, "mlflow.parentRunId", self.run_id)
        self.chain["steps"].append({"step": step, "run_id": run_id, **extra})
        self.client.log_dict(self.run_id, self.chain, "pipeline.json")

    def done(self, step: str, **match) -> str | None:
        """Run id of a recorded step whose extras match (for resuming), else None."""
        for s in self.chain["steps"]:
            if s["step"] == step and all(s.get(k) == v for k, v in match.items()):
                return s["run_id"]
        return None

    def close(self, ok: bool) -> None:
        self.client.log_dict(self.run_id, self.chain, "pipeline.json")
        if ok:
            self.client.log_metric(self.run_id, "perf/pipeline_s", time.monotonic() - self.t_start)
        if not self.outer:
            self.client.set_terminated(self.run_id, "FINISHED" if ok else "FAILED")


def replay_dir(data_dir: str | Path) -> str:
    """Where BC finds its demonstrations: the dataset's ``train`` split (or the folder itself)."""
    root = Path(data_dir)
    return str(root / "train") if (root / "train").is_dir() or not root.exists() else str(root)


def pretrain_step(experiment_name: str, arch: str, replay_dir: str, seed: int, output_dir: str,
                  overrides: dict | None = None) -> str:
    """BC pretraining of ``arch`` on the replays/solutions under ``replay_dir``, files in ``output_dir``;
    returns the pretrain run id."""
    from npp_rl.pretraining import PretrainConfig, pretrain

    _say(f"pretrain {arch} (BC on the demonstrations in {replay_dir})")
    return pretrain(PretrainConfig(**{"architecture": arch, "experiment_name": experiment_name,
                                      "replay_data_dir": str(replay_dir), "seed": seed,
                                      "output_dir": str(output_dir), **(overrides or {})}))


def train_step(experiment_name: str, arch: str, train_dataset: str, seed: int, init_from: str | None,
               output_dir: str, overrides: dict | None = None, launcher=None, on_eval=None) -> str:
    """PPO training of ``arch`` (from ``init_from``'s weights when given); returns the training run id.

    ``launcher(TrainConfig) -> run_id`` runs it elsewhere (e.g. under torchrun); default in-process, where
    ``on_eval(run_id, global_step, metrics)`` sees every held-back evaluation during training."""
    from npp_rl.training import TrainConfig, train

    condition = "pretrained" if init_from else "scratch"
    _say(f"train {arch} [{condition}] seed {seed}")
    tcfg = TrainConfig(**{"experiment_name": experiment_name, "architectures": [arch],
                          "train_dataset": str(train_dataset), "seed": seed, "init_from": init_from,
                          "output_dir": str(output_dir), **(overrides or {})})
    if launcher is not None:
        if on_eval is not None:
            raise ValueError("train_step: on_eval works only in-process (no launcher)")
        return launcher(tcfg)
    return train(tcfg, on_eval=on_eval)


def evaluate_step(experiment_name: str, train_run_id: str, test_dataset: str, seed: int, label: str | None = None,
                  overrides: dict | None = None) -> str:
    """Evaluation of the model of ``train_run_id`` on ``test_dataset``; returns the evaluate run id."""
    from npp_rl.evaluation import EvalConfig, evaluate

    _say(f"evaluate {label or train_run_id} on {test_dataset}")
    return evaluate(EvalConfig(**{"model": train_run_id, "test_dataset": str(test_dataset),
                                  "experiment_name": experiment_name, "seed": seed, **(overrides or {})}))


def compare_step(experiment_name: str, out: str, overrides: dict | None = None) -> str:
    """Decision matrix, plots, report and champion over the experiment; returns the compare run id."""
    from npp_rl.comparison import CompareConfig, compare

    _say("compare: decision matrix, plots, report, champion")
    return compare(CompareConfig(**{"experiment_name": experiment_name, "out": str(out), **(overrides or {})}))


def run_pipeline(cfg: PipelineConfig) -> str:
    """Run the whole chain; returns the pipeline run id."""
    import mlflow

    from npp_rl import tracking

    tracking.configure(cfg.tracking_uri)
    ds, report, secs = _dataset(cfg)  # before any run: a refused --data-dir leaves nothing behind
    chain = Chain.open(cfg.experiment_name, f"pipeline-{cfg.preset}", cfg)
    ok = False
    out = Path(cfg.output_dir)
    try:
        n_runs = len(cfg.architectures) * (2 if cfg.test_pretraining else 1) * len(cfg.seeds)
        _say(f"preset {cfg.preset}: {len(cfg.architectures)} architectures x "
             f"{2 if cfg.test_pretraining else 1} conditions x {len(cfg.seeds)} seeds = {n_runs} training runs; "
             f"tracking {tracking.redact_text(mlflow.get_tracking_uri())}")
        settings = cfg.levels if report is not None or (Path(cfg.data_dir) / "pipeline-settings.json").is_file() \
            else {"existing_dataset": str(cfg.data_dir)}
        chain.add("generate_levels", log_levels_run(cfg.experiment_name, cfg.data_dir, settings, report, secs),
                  dataset=str(cfg.data_dir), content_hash=ds.content_hash)

        train_runs: list[tuple[str, str, str, int]] = []  # (arch, condition, run id, seed)
        for arch in cfg.architectures:
            pre_id = None
            if cfg.test_pretraining:
                pre_id = pretrain_step(cfg.experiment_name, arch, replay_dir(cfg.data_dir), cfg.seeds[0],
                                       str(out / "pretrain" / arch), cfg.pretrain)
                chain.add("pretrain", pre_id, architecture=arch)
            for seed in cfg.seeds:
                conditions = [("scratch", None)] + ([("pretrained", pre_id)] if pre_id else [])
                for condition, init in conditions:
                    _say(f"training run {len(train_runs) + 1}/{n_runs}")
                    run_id = train_step(cfg.experiment_name, arch, cfg.data_dir, seed, init, str(out / "train"),
                                        cfg.train)
                    chain.add("train", run_id, architecture=arch, condition=condition, seed=seed)
                    train_runs.append((arch, condition, run_id, seed))

        for i, (arch, condition, run_id, seed) in enumerate(train_runs, 1):
            eid = evaluate_step(cfg.experiment_name, run_id, cfg.data_dir, seed,
                                f"{arch} [{condition}] seed {seed} ({i}/{len(train_runs)})", cfg.evaluate)
            chain.add("evaluate", eid, architecture=arch, condition=condition, train_run_id=run_id)

        cmp_id = compare_step(cfg.experiment_name, str(out / "compare"), cfg.compare)
        chain.add("compare", cmp_id)
        chain.chain["champion"] = chain.client.get_run(cmp_id).data.tags.get("npp_rl.champion_uri")
        ok = True
        _say(f"done in {time.monotonic() - chain.t_start:.0f}s; pipeline run {chain.run_id}; champion: "
             f"{chain.chain.get('champion') or 'see the compare run'}")
    finally:
        chain.close(ok)
    return chain.run_id


def config_dict(cfg: PipelineConfig) -> dict:
    return dataclasses.asdict(cfg)
