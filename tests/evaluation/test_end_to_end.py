"""Against the real local stack (S3 store + MLflow server): train (scratch and pretrained-from-scratch)
-> evaluate -> compare -> champion; a fresh process and the REST endpoint act like the trained policy."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
import torch
from mlflow.tracking import MlflowClient
from test_serving import check_rest, predict_in_fresh_process, real_observations

from npp_rl import tracking
from npp_rl.stack import LocalStack, StackConfig, free_port_block

torch.set_num_threads(1)

pytestmark = [pytest.mark.slow, pytest.mark.stack]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    ports = free_port_block(6)
    cfg = StackConfig(mlflow_port=ports[0], s3_port=ports[1], master_port=ports[2], volume_port=ports[3],
                      filer_port=ports[4], admin_port=ports[5], bucket="npp-rl-e2e")
    st = LocalStack(tmp_path_factory.mktemp("stack"), cfg)
    st.up(timeout=120, progress=lambda m: None)
    yield st
    st.down(progress=lambda m: None)


def test_train_evaluate_compare_champion(stack, tmp_path, monkeypatch):
    import numpy as np
    from npp_eval_helpers import make_dataset

    from npp_rl.comparison import CompareConfig, run_compare
    from npp_rl.evaluation import EvalConfig, evaluate
    from npp_rl.tracking.policy_pyfunc import load_local
    from npp_rl.training import TrainConfig, train

    monkeypatch.setenv("MLFLOW_TRACKING_URI", stack.tracking_uri)
    for k, v in stack.env().items():
        monkeypatch.setenv(k, v)
    data = make_dataset(tmp_path / "levels", per_category=1, train_per_category=2)
    out = tmp_path / "train"
    common = dict(experiment_name="e2e", architectures=["mlp_baseline"], train_dataset=str(data),
                  total_timesteps=512, num_envs=8, eval_freq=256, eval_episodes=4, save_freq=0,
                  progress_bar=False, output_dir=str(out), tracking_uri=stack.tracking_uri)
    scratch = train(TrainConfig(**common))
    pretrained = train(TrainConfig(**common, init_from=scratch, seed=1))
    evals = [evaluate(EvalConfig(model=r, test_dataset=str(data), experiment_name="e2e", n_envs=4,
                                 tracking_uri=stack.tracking_uri)) for r in (scratch, pretrained)]
    client = MlflowClient()
    assert [client.get_run(e).data.tags["npp_rl.train_run_id"] for e in evals] == [scratch, pretrained]
    assert client.get_run(evals[1]).data.tags["npp_rl.condition"] == "pretrained"
    res = run_compare(CompareConfig(experiment_name="e2e", out=str(tmp_path / "cmp"), tracking_uri=stack.tracking_uri))
    assert len(res.matrix.table) == 2 and set(res.matrix.table["condition"]) == {"scratch", "pretrained"}
    assert (res.out / "report.html").is_file()
    ch = res.champion
    assert ch["version"] and tracking.get_alias_version("npp-rl-mlp_baseline", "champion") == ch["version"]
    arts = {a.path for a in client.list_artifacts(res.run_id)}
    assert {"report.md", "report.html", "matrix.csv"} <= arts

    # the champion acts like the trained policy: in a fresh process and over REST
    trained = load_local(str(Path(out) / ch["train_run_id"] / "policy.zip"))
    obs = real_observations(data)
    expected = trained.predict_obs(obs)
    got = predict_in_fresh_process(ch["uri"], obs, tmp_path)
    assert got["action"] == expected["action"].tolist()
    np.testing.assert_allclose(got["action_probs"], expected["action_probs"], rtol=1e-5)
    check_rest(ch["uri"], obs, expected, tmp_path)
    mlflow.set_tracking_uri(None)
