"""The project's own files agree with each other: MLproject <-> CLI, conda.yaml <-> pyproject."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import click
import yaml

from npp_rl.cli import main

REPO = Path(__file__).resolve().parents[2]


def _mlproject() -> dict:
    return yaml.safe_load((REPO / "MLproject").read_text())


def test_mlproject_has_the_entry_points():
    eps = _mlproject()["entry_points"]
    assert {"pretrain", "train", "evaluate", "compare", "generate_levels", "pipeline", "sweep", "tune"} <= set(eps)
    assert "torchrun" in eps["train"]["command"] and "{num_procs}" in eps["train"]["command"]


def _resolve(argv: list[str]) -> click.Command:
    cmd: click.Command = main
    ctx = click.Context(main)
    while isinstance(cmd, click.Group) and argv and not argv[0].startswith("-"):
        sub = cmd.get_command(ctx, argv[0])
        assert sub is not None, f"`npp-rl ... {argv[0]}` does not exist"
        cmd, argv = sub, argv[1:]
    return cmd


def test_each_entry_point_calls_an_existing_command_with_known_options():
    for name, ep in _mlproject()["entry_points"].items():
        argv = shlex.split(ep["command"])
        argv = argv[argv.index("npp-rl") + 1 :]
        cmd = _resolve(argv)
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        used = {a for a in argv if a.startswith("--")}
        assert used <= opts, f"entry point {name}: options {used - opts} unknown to `npp-rl {argv[0]}`"
        for placeholder in re.findall(r"\{(\w+)\}", ep["command"]):
            assert placeholder in ep["parameters"], f"{name}: {{{placeholder}}} is not a parameter"


def test_conda_env_mirrors_pyproject():
    """conda.yaml = the dependencies plus the ``ray`` extra (what ``mlflow run -e sweep`` needs)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["ray"]
    names = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in deps}
    conda = yaml.safe_load((REPO / "conda.yaml").read_text())
    pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    conda_names = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in pip if not d.startswith("-e")}
    assert names == conda_names


def test_ray_extra_is_installed_by_setup_and_matches_conda():
    """The optional extra ``npp-rl[ray]`` (Ray with Tune, Optuna): same specs in pyproject and conda.yaml,
    and the setup script (which CI runs) installs it."""
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["ray"]
    names = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in extra}
    assert names == {"ray", "optuna"}
    conda = yaml.safe_load((REPO / "conda.yaml").read_text())
    pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert set(extra) <= set(pip), f"conda.yaml lacks {set(extra) - set(pip)}"
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert re.search(r'-e "\.\[[^\]]*\bray\b[^\]]*\]"', setup), "scripts/setup.sh does not install the ray extra"
