"""What a ``train`` call produced: the run(s) holding models (a multi-architecture call returns its
parent run, whose children hold them)."""

from __future__ import annotations


def trained_runs(run_id: str) -> list[dict]:
    """``[{run_id, architecture, condition, model_uri, status}]`` of ``run_id`` or of its training children
    (a multi-architecture ``train`` parent, or a ``pipeline`` / ``train-and-compare`` run)."""
    from mlflow.tracking import MlflowClient

    from npp_rl import tracking

    client = MlflowClient()
    run = client.get_run(run_id)
    if run.data.tags.get(tracking.TAG_ARCH):
        runs = [run]
    else:
        runs = client.search_runs([run.info.experiment_id], f"tags.`mlflow.parentRunId` = '{run_id}'",
                                  order_by=["attributes.start_time ASC"])
    return [{"run_id": r.info.run_id, "architecture": r.data.tags.get(tracking.TAG_ARCH),
             "condition": r.data.tags.get(tracking.TAG_CONDITION), "status": r.info.status,
             "model_uri": f"runs:/{r.info.run_id}/model"} for r in runs
            if r.data.tags.get(tracking.TAG_ARCH) and r.data.tags.get(tracking.TAG_STEP) == "train"]
