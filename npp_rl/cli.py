"""The ``npp-rl`` command line: thin click commands, each a call into one layer.

Commands import their layer lazily so that ``npp-rl --help`` and light commands start fast.
"""

from __future__ import annotations

import sys

import click


class NotBuiltYet(click.ClickException):
    """A command whose layer is not implemented yet: exits non-zero naming what is missing."""

    exit_code = 3

    def __init__(self, what: str):
        super().__init__(f"{what} is not built yet in this version of npp-rl")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="npp-rl")
def main() -> None:
    """npp-rl: train, evaluate and compare deep-RL agents on N++, tracked in MLflow."""


# --------------------------------------------------------------------------- simulator
@main.group()
def sim() -> None:
    """The N++ simulator: traces, benchmarks, pictures."""


# --------------------------------------------------------------------------- levels
@main.group()
def levels() -> None:
    """Level datasets: generate, import, show."""


# --------------------------------------------------------------------------- bench
@main.group()
def bench() -> None:
    """Benchmarks that print JSON figures."""


# --------------------------------------------------------------------------- stack
@main.group()
def stack() -> None:
    """The local tracking stack: SeaweedFS (S3) + MLflow server."""


def run() -> None:  # pragma: no cover - console entry
    main(prog_name="npp-rl")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
