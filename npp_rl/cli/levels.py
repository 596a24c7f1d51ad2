"""Level dataset commands: generate, import, show, stats."""

from __future__ import annotations

import os
import sys

import click

from npp_rl.cli._app import main


@main.group()
def levels() -> None:
    """Level datasets: generate, import, show, stats."""


def _progress_cb(bar):
    def cb(n: int, label: str) -> None:
        bar.label = f"{label:<24}"
        bar.update(n)

    return cb


def _category_summary(report: dict) -> None:
    click.echo(f"{'category':<12} {'kept':>5} {'cands':>6} {'solve%':>7} {'gen ms':>7} {'solve s':>8} {'frames':>7}")
    for cat, st in report["categories"].items():
        click.echo(f"{cat:<12} {st['kept']:>5} {st['candidates']:>6} {100 * st['solve_rate']:>6.1f}% "
                   f"{st['generate_ms_per_level']:>7.2f} {st['solve_s_per_level']:>8.2f} "
                   f"{st['mean_solution_frames']:>7.0f}")
        for reason, n in sorted(st.get("rejections_by_reason", {}).items(), key=lambda kv: -kv[1]):
            click.echo(f"    rejected {n}: {reason}")


@levels.command("generate")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Dataset folder to write.")
@click.option("--train-per-category", default=50, show_default=True, type=click.IntRange(0))
@click.option("--test-per-category", default=20, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--categories", default="simple,medium,complex,mine_heavy,exploration", show_default=True,
              help="Comma-separated categories.")
@click.option("--max-iterations", default=800, show_default=True, type=click.IntRange(1),
              help="Solver budget per candidate level (search iterations).")
@click.option("--beam", default=None, type=click.IntRange(1),
              help="Solver beam (open nodes expanded per iteration); default: the generation beam (16).")
@click.option("--stall-iterations", default=None, type=click.IntRange(0),
              help="Give up on a candidate after this many search iterations without heuristic progress "
                   "(0: never); default: the generation stall (400).")
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in --out.")
@click.option("--workers", default=0, show_default=True, type=click.IntRange(0),
              help="Worker processes (0: one per CPU core). The dataset does not depend on it.")
@click.option("--difficulty", default="0:1", show_default=True,
              help="Generator difficulty in [0, 1]: one value, or lo:hi to draw each level's uniformly.")
@click.option("--json", "as_json", is_flag=True, help="Print the generation report as JSON.")
@click.option("--experiment-name", default=None,
              help="Record the dataset as a generate_levels MLflow run in this experiment "
                   "(automatic under `mlflow run`).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def levels_generate(out, train_per_category, test_per_category, seed, categories, max_iterations, beam,
                    stall_iterations, overwrite, workers, difficulty, as_json, experiment_name, tracking_uri) -> None:
    """Generate solver-verified levels per category: DIR/{train,test}/<category>/<id>.npplevel + solutions."""
    import json as _json

    from npp_rl.levels.dataset import DatasetError
    from npp_rl.levels.generation import GENERATION_BEAM, GENERATION_STALL, generate_dataset, parse_difficulty
    from npp_rl.levels.solver import SolverConfig

    try:
        parse_difficulty(difficulty)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--difficulty") from None
    cats = [c.strip() for c in categories.split(",") if c.strip()]
    stall = GENERATION_STALL if stall_iterations is None else stall_iterations
    total = (train_per_category + test_per_category) * len(cats)
    track = bool(experiment_name or os.environ.get("MLFLOW_RUN_ID"))
    if track:  # check the tracking target before any work starts
        from npp_rl import tracking

        try:
            tracking.configure(tracking_uri)
        except tracking.TrackingError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        with click.progressbar(length=total, label="generating", show_pos=True, file=sys.stderr) as bar:
            ds, report = generate_dataset(out, train_per_category, test_per_category, seed, cats,
                                          SolverConfig(max_iterations=max_iterations, beam=beam or GENERATION_BEAM,
                                                       stall_iterations=stall),
                                          progress=_progress_cb(bar), overwrite=overwrite, workers=workers or None,
                                          difficulty=difficulty)
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    if track:
        from npp_rl.pipeline import log_levels_run

        settings = {"train_per_category": train_per_category, "test_per_category": test_per_category,
                    "seed": seed, "categories": cats, "max_iterations": max_iterations, "difficulty": difficulty,
                    "beam": beam or GENERATION_BEAM, "stall_iterations": stall}
        run_id = log_levels_run(experiment_name or "npp-rl", out, settings, report)
        click.echo(f"generate_levels run: {run_id}", err=True)
    if as_json:
        click.echo(_json.dumps(report))
        return
    _category_summary(report)
    click.echo(f"levels: {report['levels']}  workers: {report['workers']}  seconds: {report['seconds']}  "
               f"({report['levels_per_minute']} verified levels/min, {report['levels_per_cpu_second']} per CPU-s, "
               f"load {report['load_average'][0]})  content hash: {report['content_hash']}")
    if report["unfilled_slots"]:
        click.echo(f"unfilled slots (no solvable level within the attempts): {', '.join(report['unfilled_slots'])}")


@levels.command("import")
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Dataset folder (created or merged).")
@click.option("--category", required=True, help="Category to file the levels under.")
@click.option("--split", default="test", show_default=True, type=click.Choice(["train", "test"]))
@click.option("--verify/--no-verify", default=False, show_default=True,
              help="Prove each level solvable with the solver (and store its solution); drop the others.")
@click.option("--max-iterations", default=800, show_default=True, type=click.IntRange(1))
def levels_import(src, out, category, split, verify, max_iterations) -> None:
    """Import a folder of N++ level files (or nclone level pickles) into a dataset under one category.

    Entities outside the map are dropped with a warning; a level still complete is kept."""
    from pathlib import Path as _Path

    from npp_rl.levels.dataset import DatasetError, import_levels, level_files
    from npp_rl.levels.solver import SolverConfig

    n = len(level_files(_Path(src), pickles=True))
    try:
        with click.progressbar(length=n, label="importing", show_pos=True, file=sys.stderr) as bar:
            ds, report = import_levels(src, out, category, split, verify, SolverConfig(max_iterations=max_iterations),
                                       progress=_progress_cb(bar))
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    for w in report.get("warnings", []):
        click.echo(f"warning: {w}", err=True)
    for r in report["rejected"]:
        click.echo(f"rejected {r['file']}: {r['reason']}")
    click.echo(f"imported {len(report['imported'])} of {n} into {out}/{split}/{category}; "
               f"content hash {ds.content_hash}")


@levels.command("show")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PNG contact sheet to write.")
@click.option("--split", default="test", show_default=True, type=click.Choice(["train", "test"]))
@click.option("--category", default=None, help="Only this category.")
@click.option("--per-category", default=5, show_default=True, type=click.IntRange(1))
@click.option("--solutions/--no-solutions", default=True, show_default=True, help="Draw the solution paths.")
def levels_show(path, out, split, category, per_category, solutions) -> None:
    """A contact sheet of a dataset's levels (or any folder of N++ levels), one row per category."""
    from npp_rl.levels.dataset import DatasetError
    from npp_rl.levels.sheet import save_contact_sheet

    try:
        p = save_contact_sheet(path, out, split=split, category=category, per_category=per_category,
                               solutions=solutions)
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(str(p))


@levels.command("stats")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--split", default="test", show_default=True, type=click.Choice(["train", "test"]))
@click.option("--category", default=None, help="Only this category.")
@click.option("--graph/--no-graph", default=True, show_default=True,
              help="Build each level's observation graph to report its size.")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def levels_stats(path, split, category, graph, as_json) -> None:
    """Per category: tile-shape and entity histograms (mean per level / levels holding any), graph size,
    solution length."""
    import json as _json

    from npp_rl.levels.dataset import DatasetError
    from npp_rl.levels.stats import dataset_stats, stats_markdown

    size = None
    if graph:
        from npp_rl.envs._mapdata_adapter import layout_from_mapdata
        from npp_rl.envs.graph import graph_topology
        from npp_rl.envs.static import build_static

        def size(md):
            g = graph_topology(build_static(layout_from_mapdata(md)))
            return g.n_nodes, int(g.edge_mask.sum())

    try:
        st = dataset_stats(path, split=split, category=category, graph_size=size)
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(_json.dumps(st, indent=1) if as_json else stats_markdown(st))
