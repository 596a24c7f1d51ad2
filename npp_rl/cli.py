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


_stack_dir = click.option("--dir", "directory", default=".npp-rl-stack", show_default=True,
                          type=click.Path(file_okay=False), help="Stack folder (data, logs, pids, keys).")


def _stack(directory: str, **overrides):
    from npp_rl.stack import LocalStack, StackConfig

    st = LocalStack(directory)
    if overrides:
        values = {k: v for k, v in overrides.items() if v is not None}
        if values:
            st.config = StackConfig(**{**st.config.__dict__, **values})
    return st


@stack.command("up")
@_stack_dir
@click.option("--mlflow-port", type=int, default=None, help="MLflow server port [5000].")
@click.option("--s3-port", type=int, default=None, help="S3 endpoint port [8333].")
@click.option("--backend-store-uri", default=None,
              help="SQLAlchemy URI of MLflow's backend store (e.g. postgresql://user:pw@host/db); "
                   "default: SQLite file in the stack folder.")
@click.option("--bucket", default=None, help="Artifact bucket [npp-rl].")
@click.option("--timeout", type=float, default=90.0, show_default=True, help="Seconds to wait for health.")
def stack_up(directory, mlflow_port, s3_port, backend_store_uri, bucket, timeout):
    """Start SeaweedFS (S3, loopback only) and the MLflow server; wait until healthy."""
    from npp_rl.stack import StackError

    st = _stack(directory, mlflow_port=mlflow_port, s3_port=s3_port,
                backend_store_uri=backend_store_uri, bucket=bucket)
    try:
        st.up(timeout=timeout, progress=lambda m: click.echo(m, err=True))
    except StackError as exc:
        raise click.ClickException(str(exc)) from None
    for k, v in st.env().items():
        click.echo(f"export {k}={v}")


@stack.command("down")
@_stack_dir
def stack_down(directory):
    """Stop the stack's own processes; data stays."""
    _stack(directory).down(progress=lambda m: click.echo(m, err=True))


@stack.command("status")
@_stack_dir
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stack_status(directory, as_json):
    """URLs, health and memory of the stack."""
    import json

    st = _stack(directory)
    info = st.status()
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        click.echo(f"stack folder : {info['dir']}")
        click.echo(f"tracking URI : {info['tracking_uri']}")
        click.echo(f"S3 endpoint  : {info['s3_endpoint']}  artifacts: {info['artifacts_destination']}")
        click.echo(f"backend store: {info['backend_store_uri']}")
        for name, p in info["processes"].items():
            state = "healthy" if p["healthy"] else ("running, unhealthy" if p["running"] else "stopped")
            click.echo(f"{name:10s}: {state} pid={p['pid']} rss={p['rss_mb']} MB")
    if not info["healthy"]:
        raise SystemExit(1)


@stack.command("env")
@_stack_dir
def stack_env(directory):
    """Print the exports a client needs (eval "$(npp-rl stack env)")."""
    for k, v in _stack(directory).env().items():
        click.echo(f"export {k}={v}")


def run() -> None:  # pragma: no cover - console entry
    main(prog_name="npp-rl")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
