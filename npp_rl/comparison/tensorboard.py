"""The decision matrix beside the report: as an MLflow table (``mlflow.log_table``, the UI's artifact
view and ``mlflow.load_table``) and as TensorBoard scalars plus one HPARAMS row per matrix row."""

from __future__ import annotations

import math

import pandas as pd

#: matrix columns that become TensorBoard scalars / hparams metrics when present
NUMERIC = ("score", "rank", "success", "efficiency", "spl", "safety", "steps_to_50", "train_fps", "latency_ms",
           "parameters")


def log_matrix(table: pd.DataFrame, tensorboard_dir: str | None = None) -> None:
    """Inside the active compare run: ``matrix_table.json`` via ``mlflow.log_table`` and ``tensorboard/``."""
    import mlflow

    from npp_rl import tracking

    clean = table.copy()
    for c in clean.columns:  # log_table wants JSON-able cells
        if clean[c].dtype == object:
            clean[c] = clean[c].map(lambda v: v if v is None or isinstance(v, (str, int, float, bool)) else str(v))
    mlflow.log_table(clean, artifact_file="matrix_table.json")
    tb = tracking.EventWriter(tensorboard_dir)
    for row in table.to_dict("records"):
        name = f"{row.get('architecture')}/{row.get('condition')}"
        values = {c: row[c] for c in NUMERIC if c in row and _num(row[c])}
        tb.scalars({f"compare/{c}/{name}": v for c, v in values.items()})
        tb.hparams({"architecture": str(row.get("architecture")), "condition": str(row.get("condition"))},
                   {f"compare/{c}": v for c, v in values.items()}, run_name=name.replace("/", "_"))
    tb.close()


def _num(v) -> bool:
    try:
        return v is not None and not math.isnan(float(v))
    except (TypeError, ValueError):
        return False
