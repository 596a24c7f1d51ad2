"""The ``npp-rl`` command line: a package with one module per command group, each command a thin
call into one layer. Commands import their layer lazily so that ``npp-rl --help`` starts fast."""

from __future__ import annotations

from npp_rl.cli import (  # noqa: F401
    bench,
    compare,
    evaluate,
    levels,
    pipeline,
    pretrain,
    sim,
    stack,
    sweep,
    train,
    train_and_compare,
)
from npp_rl.cli._app import main
from npp_rl.cli._common import NotBuiltYet

__all__ = ["main", "NotBuiltYet", "run"]


def run() -> None:  # pragma: no cover - console entry
    main(prog_name="npp-rl")
