"""The local tracking stack: up, down, status, env."""

from __future__ import annotations

import click

from npp_rl.cli._app import main


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
@click.option("--auth/--no-auth", default=None,
              help="MLflow's basic-auth app: every request needs credentials (a generated admin password, "
                   "0600 in DIR/auth/admin-password) [kept from the last up; off at first].")
@click.option("--timeout", type=float, default=90.0, show_default=True, help="Seconds to wait for health.")
def stack_up(directory, mlflow_port, s3_port, backend_store_uri, bucket, auth, timeout):
    """Start SeaweedFS (S3, loopback only) and the MLflow server; wait until healthy.

    Prints the exports a client needs (with --auth the password is read from its file, not printed).
    """
    from npp_rl.stack import StackError

    st = _stack(directory, mlflow_port=mlflow_port, s3_port=s3_port,
                backend_store_uri=backend_store_uri, bucket=bucket, auth=auth)
    try:
        st.up(timeout=timeout, progress=lambda m: click.echo(m, err=True))
    except StackError as exc:
        raise click.ClickException(str(exc)) from None
    for line in st.exports():
        click.echo(line)


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
        click.echo(f"auth         : {'basic auth (MLFLOW_TRACKING_USERNAME/PASSWORD)' if info['auth'] else 'none'}")
        for name, p in info["processes"].items():
            state = "healthy" if p["healthy"] else ("running, unhealthy" if p["running"] else "stopped")
            click.echo(f"{name:10s}: {state} pid={p['pid']} rss={p['rss_mb']} MB")
    if not info["healthy"]:
        raise SystemExit(1)


@stack.command("env")
@_stack_dir
def stack_env(directory):
    """Print the exports a client needs (eval "$(npp-rl stack env)"); a password is read from its 0600
    file by the shell, never printed."""
    for line in _stack(directory).exports():
        click.echo(line)
