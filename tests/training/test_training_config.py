"""Hyperparameters as data, config validation and CLI errors (fast)."""

import pytest
from click.testing import CliRunner

from npp_rl.cli import main
from npp_rl.training import PPOHyperparams, TrainConfig, load_hyperparams


def test_yaml_default_arch_override_and_set():
    base = load_hyperparams("mlp_baseline")
    assert isinstance(base, PPOHyperparams) and base.n_steps == 128
    assert load_hyperparams("vision_free").n_epochs == 2
    hp = load_hyperparams("vision_free", overrides={"n_epochs": "7", "learning_rate": "1e-3", "target_kl": "0.02"})
    assert (hp.n_epochs, hp.learning_rate, hp.target_kl) == (7, 1e-3, 0.02)


def test_bad_hyperparameter_names_the_field(tmp_path):
    with pytest.raises(ValueError, match="unknown hyperparameter 'lr'"):
        load_hyperparams("gcn", overrides={"lr": 1})
    f = tmp_path / "h.yaml"
    f.write_text("default:\n  n_steps: many\n")
    with pytest.raises(ValueError, match="n_steps='many'"):
        load_hyperparams("gcn", f)


def test_config_rejects_unknown_architecture():
    with pytest.raises(ValueError, match="known architectures: full_hgt"):
        TrainConfig(architectures=["nope"])
    assert TrainConfig(architectures="gcn").architectures == ["gcn"]
    assert TrainConfig(init_from="runs:/x/model").condition == "pretrained"


def test_cli_train_errors():
    r = CliRunner().invoke(main, ["train", "--experiment-name", "x", "--architectures", "mlp_baseline", "nope"])
    assert r.exit_code == 2 and "unknown architecture 'nope'" in r.output and "vision_free" in r.output
    r = CliRunner().invoke(main, ["train", "--experiment-name", "x", "--architectures", "gcn",
                                  "--train-dataset", "/no/such/dir"])
    assert r.exit_code == 2 and "/no/such/dir" in r.output


def test_cli_architectures_lists_all():
    r = CliRunner().invoke(main, ["architectures"])
    assert r.exit_code == 0
    for name in ("full_hgt", "vision_free", "local_only", "gat", "gcn", "simplified_hgt", "mlp_baseline"):
        assert name in r.output


def test_time_budget_spellings_and_refusals():
    import click
    import pytest as _pytest

    from npp_rl.cli._common import DURATION
    from npp_rl.training import TrainConfig

    assert [DURATION.convert(v, None, None) for v in ("1800", "90s", "30m", "2h", "1h30m", "0", "none")] == \
        [1800.0, 90.0, 1800.0, 7200.0, 5400.0, None, None]
    for bad in ("soon", "-5", "5x", "m"):
        with _pytest.raises(click.BadParameter, match="not a duration"):
            DURATION.convert(bad, None, None)
    with _pytest.raises(ValueError, match="time_budget_s"):
        TrainConfig(time_budget_s=-1.0)
