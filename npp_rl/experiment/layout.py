"""The design's experiment folder and the state kept in it (``config.json``, ``all_results.json``).

::

    {output_dir}/{name}_{timestamp}/
        config.json              the resolved config, hardware, placement, MLflow ids
        {name}.log               everything the run printed
        {arch}/{no_pretrain,with_pretrain}/
            checkpoints/         PPO checkpoints (model.zip, rng.pt, meta.json)
            tensorboard/         training (SB3) and evaluation events
            eval_results.json    the test-suite evaluation (summary + every episode)
            final_model.zip      the final policy (an SB3 zip; MLflow holds the pyfunc)
        comparison/              report, matrix.csv, plots, TensorBoard events of the compare step
        all_results.json         every run's ids, status and per-category results; the matrix
        s3_manifest.json         what was uploaded where (with --s3-bucket)
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from npp_rl.experiment.config import CONDITION_DIRS, ExperimentConfig, ExperimentError

CONFIG = "config.json"
RESULTS = "all_results.json"


def new_folder(cfg: ExperimentConfig) -> Path:
    stamp = time.strftime("%Y%m%d_%H%M%S")
    folder = Path(cfg.output_dir) / f"{cfg.experiment_name}_{stamp}"
    n = 1
    while folder.exists():  # two experiments started in the same second
        n += 1
        folder = Path(cfg.output_dir) / f"{cfg.experiment_name}_{stamp}_{n}"
    folder.mkdir(parents=True)
    return folder


def run_dir(folder: Path, arch: str, condition: str) -> Path:
    return folder / arch / CONDITION_DIRS[condition]


class State:
    """``all_results.json``: one entry per (architecture, condition), written after every step."""

    def __init__(self, folder: Path, data: dict | None = None):
        self.folder = folder
        self.data = data or {"runs": {}}

    @classmethod
    def load(cls, folder: Path) -> State:
        p = folder / RESULTS
        return cls(folder, json.loads(p.read_text()) if p.is_file() else None)

    def entry(self, arch: str, condition: str) -> dict:
        return self.data["runs"].setdefault(f"{arch}/{CONDITION_DIRS[condition]}", {
            "architecture": arch, "condition": condition,
            "folder": str(run_dir(self.folder, arch, condition).relative_to(self.folder))})

    def save(self) -> None:
        tmp = self.folder / (RESULTS + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=2, default=str))
        os.replace(tmp, self.folder / RESULTS)


def write_config(folder: Path, cfg: ExperimentConfig, **extra) -> None:
    (folder / CONFIG).write_text(json.dumps({"experiment": asdict(cfg), **extra}, indent=2, default=str))


def read_config(folder: Path) -> dict:
    p = folder / CONFIG
    if not p.is_file():
        raise ExperimentError(f"--resume-from {folder}: not an experiment folder (no {CONFIG})")
    try:
        return json.loads(p.read_text())
    except ValueError as e:
        raise ExperimentError(f"--resume-from {folder}: {CONFIG} is not valid JSON ({e})") from None


class Tee:
    """Writes to a stream and to the experiment's log file (``{name}.log``)."""

    def __init__(self, stream, log):
        self.stream, self.log = stream, log

    def write(self, s):
        self.stream.write(s)
        try:
            self.log.write(s)
        except ValueError:  # log closed
            pass
        return len(s)

    def flush(self):
        self.stream.flush()
        try:
            self.log.flush()
        except ValueError:
            pass

    def isatty(self):
        return False

    def __getattr__(self, name):
        return getattr(self.stream, name)


class LogFile:
    """Context manager: stdout and stderr also go to ``path`` (appended, so a resume continues it)."""

    def __init__(self, path: Path, debug: bool = False):
        self.path, self.debug = path, debug

    def __enter__(self):
        import logging

        self.fh = open(self.path, "a", buffering=1)  # noqa: SIM115 - closed in __exit__
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Tee(sys.stdout, self.fh), Tee(sys.stderr, self.fh)
        logging.captureWarnings(True)
        self.handler = logging.StreamHandler(sys.stderr)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        self.level = root.level
        root.addHandler(self.handler)
        root.setLevel(logging.DEBUG if self.debug else logging.WARNING)
        if self.debug:
            for noisy in ("urllib3", "botocore", "boto3", "s3transfer", "matplotlib", "PIL", "git", "alembic"):
                logging.getLogger(noisy).setLevel(logging.INFO)
        return self

    def __exit__(self, *exc):
        import logging

        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.level)
        logging.captureWarnings(False)
        sys.stdout, sys.stderr = self.saved
        self.fh.close()
