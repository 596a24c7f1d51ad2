"""Benchmarks that print JSON figures."""

from __future__ import annotations

import click

from npp_rl.cli._app import main
from npp_rl.cli._common import split_names


@main.group()
def bench() -> None:
    """Benchmarks that print JSON figures."""


@bench.command("env")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--levels", "levels_src", multiple=True, type=click.Path(exists=True),
              help="Level files or folders (default: the reference levels if present).")
@click.option("--n-envs", default=64, show_default=True, help="Worlds in the batched vector env.")
@click.option("--seconds", default=3.0, show_default=True, help="Measuring time per observation set.")
def bench_env(as_json: bool, levels_src, n_envs: int, seconds: float) -> None:
    """Env steps per second per core (frame skip 4) for state, state_graph and all observations."""
    import json

    from npp_rl.envs.bench import run_env_bench

    try:
        res = run_env_bench(list(levels_src) or None, n_envs=n_envs, seconds=seconds)
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(res))
    else:
        for k, v in res.items():
            click.echo(f"{k}: {v}")


@bench.command("inference")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--architectures", "archs", multiple=True, help="Architectures (default: all); A B or A,B.")
@click.option("--repeats", default=100, show_default=True, help="Timed calls per batch size.")
@click.option("--threads", default=1, show_default=True, help="torch threads on CPU.")
@click.option("--isolate", is_flag=True, help="One subprocess per architecture (exact CPU peak memory).")
@click.option("--experiment-name", default=None, help="Also log the figures to this MLflow experiment.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.pass_context
def bench_inference_cmd(ctx, as_json, archs, repeats, threads, isolate, experiment_name, tracking_uri) -> None:
    """Parameters, latency p50/p95 at batch 1 and 64, throughput and peak memory per architecture
    (CPU, and CUDA when present); target: batch-1 CPU p50 under 5 ms."""
    import json

    from npp_rl.evaluation.bench import BenchConfig, bench_inference, log_bench

    try:
        res = bench_inference(BenchConfig(architectures=split_names(archs), repeats=repeats, threads=threads,
                                          isolate=isolate))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--architectures") from None
    if experiment_name:
        res["run_id"] = log_bench(res, experiment_name, tracking_uri)
    if as_json:
        click.echo(json.dumps(res))
        return
    click.echo(f"{'architecture':<16}{'params':>9}{'b1 p50':>9}{'b1 p95':>9}{'b64 p50':>9}{'obs/s b64':>11}{'mem MB':>8}")
    for a, r in res["architectures"].items():
        c = r["cpu"]
        click.echo(f"{a:<16}{r['parameters']:>9,}{c['latency_ms_b1_p50']:>9.2f}{c['latency_ms_b1_p95']:>9.2f}"
                   f"{c['latency_ms_b64_p50']:>9.2f}{c['throughput_obs_per_s_b64']:>11.0f}{c['peak_memory_mb']:>8.1f}"
                   + ("" if c["meets_target"] else "  (over 5 ms)"))
    if res.get("run_id"):
        click.echo(f"run_id={res['run_id']}")
