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


@sim.command("render")
@click.argument("mapfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.option("--scale", default=1.0, show_default=True, help="Output pixels per game pixel.")
@click.option("--no-legend", is_flag=True, help="Leave out the entity legend.")
def sim_render(mapfile: str, out: str, scale: float, no_legend: bool) -> None:
    """Draw MAPFILE (an N++ level file, attract demo or .nppreplay) with its entities as a PNG."""
    from npp_rl.sim.render import save_render

    try:
        path = save_render(mapfile, out, scale=scale, legend=not no_legend)
    except ValueError as e:  # format errors name the file already
        raise click.ClickException(str(e)) from None
    click.echo(str(path))


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
