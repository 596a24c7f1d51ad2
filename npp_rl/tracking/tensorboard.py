"""TensorBoard events next to MLflow's metrics, for the steps SB3 does not write them for
(pretrain, evaluate, compare): scalars and the hparams plugin, logged to the run as ``tensorboard/``."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path


class EventWriter:
    """A ``SummaryWriter`` on ``log_dir`` (a temporary folder when None); ``close(log_to_run=True)``
    uploads the events to the active MLflow run under ``artifact_path``."""

    def __init__(self, log_dir: str | Path | None = None, artifact_path: str = "tensorboard"):
        self._tmp = tempfile.TemporaryDirectory(prefix="npp-rl-tb-") if log_dir is None else None
        self.log_dir = Path(log_dir) if log_dir is not None else Path(self._tmp.name)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.artifact_path = artifact_path
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.log_dir))
        except ImportError as e:  # tensorboard missing: MLflow metrics still flow
            print(f"TensorBoard events disabled ({e})", file=sys.stderr)
            self.writer = None

    def scalars(self, values: Mapping[str, float], step: int = 0) -> None:
        if self.writer is None:
            return
        for k, v in values.items():
            if v is not None and v == v:  # skip NaN
                self.writer.add_scalar(k, float(v), step)

    def hparams(self, hparams: Mapping[str, object], metrics: Mapping[str, float], run_name: str = ".") -> None:
        """One row of TensorBoard's HPARAMS tab (strings, numbers and bools only)."""
        if self.writer is None:
            return
        hp = {k: (v if isinstance(v, (int, float, str, bool)) else str(v)) for k, v in hparams.items()}
        self.writer.add_hparams(hp, {k: float(v) for k, v in metrics.items() if v is not None and v == v},
                                run_name=run_name)

    def close(self, log_to_run: bool = True) -> None:
        if self.writer is not None:
            self.writer.close()
            if log_to_run:
                import mlflow

                mlflow.log_artifacts(str(self.log_dir), self.artifact_path)
        if self._tmp is not None:
            self._tmp.cleanup()
