"""The search space (data in ``space.yaml``), the trial objective's value, and the best-parameters YAML."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import yaml

SPACE_FILE = Path(__file__).with_name("space.yaml")
_KINDS = {"float": ("low", "high"), "int": ("low", "high"), "categorical": ("choices",)}


def load_space(overrides: dict | None = None) -> dict[str, dict]:
    """The packaged space with ``overrides`` (name -> spec) applied; every spec checked."""
    from npp_rl.training import PPOHyperparams

    space = dict(yaml.safe_load(SPACE_FILE.read_text()))
    space.update(overrides or {})
    known = {f.name for f in dataclasses.fields(PPOHyperparams)}
    for name, spec in space.items():
        where = f"search space {name!r}"
        if name not in known:
            raise ValueError(f"{where}: not a PPO hyperparameter; known: {', '.join(sorted(known))}")
        if not isinstance(spec, dict) or spec.get("type") not in _KINDS:
            raise ValueError(f"{where}: expected a mapping with type one of {', '.join(_KINDS)}, got {spec!r}")
        missing = [k for k in _KINDS[spec["type"]] if k not in spec]
        if missing:
            raise ValueError(f"{where}: {spec['type']} needs {', '.join(missing)}")
        if spec["type"] != "categorical" and not spec["low"] < spec["high"]:
            raise ValueError(f"{where}: low must be < high, got {spec['low']} and {spec['high']}")
        if spec["type"] == "categorical" and not spec["choices"]:
            raise ValueError(f"{where}: choices must not be empty")
    return space


def suggest(trial, space: dict[str, dict]) -> dict:
    """Ask an Optuna trial (or Ray Tune's define-by-run wrapper of one) for one value per entry."""
    out = {}
    for name, spec in space.items():
        kind = spec["type"]
        if kind == "float":
            out[name] = trial.suggest_float(name, float(spec["low"]), float(spec["high"]), log=bool(spec.get("log")))
        elif kind == "int":
            out[name] = trial.suggest_int(name, int(spec["low"]), int(spec["high"]), log=bool(spec.get("log")))
        else:
            out[name] = trial.suggest_categorical(name, list(spec["choices"]))
    return out


def objective_value(metrics: dict) -> float | None:
    """Held-back success first: ``success_rate + 0.01 * (tanh(mean_reward) + 1) / 2``.

    The reward term only breaks ties between equal success rates (it spans at most 0.01, less than
    one episode's worth of success for up to 100 evaluation episodes), so a higher success always wins.
    """
    s = metrics.get("eval/success_rate")
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    r = float(metrics.get("eval/mean_reward", 0.0) or 0.0)
    return float(s) + 0.01 * (math.tanh(r) + 1.0) / 2.0


def write_best_yaml(path: str | Path, architecture: str, params: dict, about: dict) -> Path:
    """A hyperparameter file ``npp-rl train --hyperparams`` takes: the packaged ``default`` block and
    ``architectures.<architecture>`` = the architecture's resolved values with the tuned ones applied."""
    from npp_rl.training import load_hyperparams
    from npp_rl.training.config import HYPERPARAMS_FILE

    resolved = dataclasses.asdict(load_hyperparams(architecture, None, params))
    packaged = yaml.safe_load(HYPERPARAMS_FILE.read_text()) or {}
    header = "".join(f"# {k}: {v}\n" for k, v in about.items())
    body = yaml.safe_dump({"default": packaged.get("default") or {}, "architectures": {architecture: resolved}},
                          sort_keys=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("# written by `npp-rl tune`: the best trial's PPO hyperparameters\n" + header + body)
    tmp.replace(path)
    load_hyperparams(architecture, path)  # the file must read back
    return path
