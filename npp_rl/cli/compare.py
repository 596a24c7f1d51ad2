"""The compare step: decision matrix, report, champion."""

from __future__ import annotations

import click

from npp_rl.cli._app import main


@main.command("compare")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--weights", multiple=True, metavar="NAME=W",
              help="Score weights over the defaults, e.g. --weights success=0.5,latency=0.2 "
                   "(success, efficiency, safety, sample_efficiency, latency, train_throughput, parameters).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Also write report.md/html, PNGs and matrix.csv here (always logged to the compare run).")
@click.option("--no-champion", is_flag=True, help="Do not move the registry alias `champion`.")
@click.option("--strict", is_flag=True, help="Fail when runs lack metrics instead of listing them.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.option("--test-set", default=None, metavar="HASH",
              help="Only evaluations on this test set (npp_rl.test_set_hash tag, or a prefix). Without it, "
                   "compare refuses evaluations on different test sets and names them.")
@click.option("--policy-mode", type=click.Choice(["deterministic", "stochastic"]), default=None,
              help="Only evaluations in this policy mode (default: all; refused when they differ).")
@click.option("--bootstrap-reps", type=click.IntRange(min=100), default=2000, show_default=True,
              help="Stratified bootstrap resamples behind every interval.")
def compare_cmd(experiment_name, weights, out, no_champion, strict, tracking_uri, test_set, policy_mode,
                bootstrap_reps) -> None:
    """Decision matrix, plots and report over an experiment's runs (found by tags); moves @champion."""
    from npp_rl.comparison import CompareConfig, CompareError, parse_weights, run_compare

    try:
        w = parse_weights(list(weights))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--weights") from None
    try:
        res = run_compare(CompareConfig(experiment_name=experiment_name, weights=w, out=out,
                                        set_champion=not no_champion, strict=strict, tracking_uri=tracking_uri,
                                        test_set=test_set, policy_mode=policy_mode,
                                        bootstrap_reps=bootstrap_reps))
    except CompareError as e:
        raise click.ClickException(str(e)) from None
    from npp_rl.comparison.report import display_table

    click.echo(display_table(res.matrix).to_string(index=False))
    ch = res.champion or {}
    if ch.get("version") and ch.get("moved", True):
        click.echo(f"champion: {ch['uri']} -> version {ch['version']} ({ch['architecture']}, {ch['condition']}, "
                   f"seed {ch['seed']})")
    elif ch.get("version"):
        click.echo(f"champion not moved (--no-champion); the choice would be {ch['name']} version {ch['version']} "
                   f"({ch['architecture']}, {ch['condition']}, seed {ch['seed']})")
    else:
        click.echo(f"champion not moved: {ch.get('reason', 'disabled')}")
    if out:
        click.echo(f"report: {out}/report.html")
    click.echo(f"run_id={res.run_id}")
