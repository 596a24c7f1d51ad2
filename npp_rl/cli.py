"""The ``npp-rl`` command line: thin click commands, each a call into one layer.

Commands import their layer lazily so that ``npp-rl --help`` and light commands start fast.
"""

from __future__ import annotations

import os
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
@click.option("--path/--no-path", "draw_path", default=True, show_default=True,
              help="For a replay or attract demo, draw the ninja's path.")
def sim_render(mapfile: str, out: str, scale: float, no_legend: bool, draw_path: bool) -> None:
    """Draw MAPFILE (an N++ level file, attract demo or .nppreplay) with its entities as a PNG."""
    from npp_rl.sim.render import replay_trajectory, save_render

    try:
        traj = replay_trajectory(mapfile) if draw_path else None
        path = save_render(mapfile, out, scale=scale, legend=not no_legend, trajectory=traj)
    except ValueError as e:  # format errors name the file already
        raise click.ClickException(str(e)) from None
    click.echo(str(path))


@sim.command("trace")
@click.option("--map", "map_path", type=click.Path(exists=True, dir_okay=False), help="N++ level file.")
@click.option("--inputs", "inputs_path", type=click.Path(exists=True, dir_okay=False),
              help="Raw input bytes, one per frame (bit0 jump, bit1 right, bit2 left).")
@click.option("--demo", "demo_path", type=click.Path(exists=True, dir_okay=False),
              help="N++ attract demo (its own map and inputs); instead of --map/--inputs.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="CSV file to write.")
def sim_trace(map_path, inputs_path, demo_path, out) -> None:
    """Simulate a level with given inputs and write the per-frame trace CSV
    (frame,input,x,y,vx,vy,state,dead,won)."""
    if bool(demo_path) == bool(map_path or inputs_path) or (map_path and not inputs_path) or (
        inputs_path and not map_path
    ):
        raise click.UsageError("give either --demo DEMOFILE, or --map MAPFILE and --inputs INPUTSFILE")
    from npp_rl.sim.trace import trace_command

    try:
        tr = trace_command(map_path, inputs_path, demo_path, out)
    except ValueError as e:  # format errors name the file, the offset and what was expected
        raise click.ClickException(str(e)) from None
    outcome = f"died (frame {tr.death_frame}, {tr.death_cause})" if tr.death_frame else (
        f"won (frame {tr.win_frame})" if tr.win_frame else "alive")
    click.echo(f"{out}: {len(tr.rows) - 1} frames, {outcome}, gold {tr.gold_collected}", err=True)


@sim.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--frames", default=1_000_000, show_default=True, help="Frames for the batched figure.")
@click.option("--worlds", default=64, show_default=True, help="Worlds in the batched figure.")
@click.option("--map", "maps", multiple=True, help="Level files (default: reference levels if present).")
def sim_bench(as_json: bool, frames: int, worlds: int, maps) -> None:
    """Frames per second of the simulator on one core, single world and batched."""
    import json

    from npp_rl.sim.bench import run_bench

    res = run_bench(frames_single=max(frames // 5, 10_000), frames_batched=frames, n_worlds=worlds,
                    map_names=list(maps) or None)
    if as_json:
        click.echo(json.dumps(res))
    else:
        for k, v in res.items():
            click.echo(f"{k}: {v}")


# --------------------------------------------------------------------------- levels
@main.group()
def levels() -> None:
    """Level datasets: generate, import, show."""


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
        for r in st["rejections"][:3]:
            click.echo(f"    rejected {r['split']} #{r['index']} seed {r['seed']}: {r['reason']}")


@levels.command("generate")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Dataset folder to write.")
@click.option("--train-per-category", default=50, show_default=True, type=click.IntRange(0))
@click.option("--test-per-category", default=20, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--categories", default="simple,medium,complex,mine_heavy,exploration", show_default=True,
              help="Comma-separated categories.")
@click.option("--max-iterations", default=800, show_default=True, type=click.IntRange(1),
              help="Solver budget per candidate level (search iterations).")
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the generation report as JSON.")
@click.option("--experiment-name", default=None,
              help="Record the dataset as a generate_levels MLflow run in this experiment "
                   "(automatic under `mlflow run`).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def levels_generate(out, train_per_category, test_per_category, seed, categories, max_iterations, overwrite,
                    as_json, experiment_name, tracking_uri) -> None:
    """Generate solver-verified levels per category: DIR/{train,test}/<category>/<id>.npplevel + solutions."""
    import json as _json

    from npp_rl.levels.dataset import DatasetError, generate_dataset
    from npp_rl.levels.solver import SolverConfig

    cats = [c.strip() for c in categories.split(",") if c.strip()]
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
                                          SolverConfig(max_iterations=max_iterations),
                                          progress=_progress_cb(bar), overwrite=overwrite)
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    if track:
        from npp_rl.pipeline import log_levels_run

        settings = {"train_per_category": train_per_category, "test_per_category": test_per_category,
                    "seed": seed, "categories": cats, "max_iterations": max_iterations}
        run_id = log_levels_run(experiment_name or "npp-rl", out, settings, report)
        click.echo(f"generate_levels run: {run_id}", err=True)
    if as_json:
        click.echo(_json.dumps(report))
        return
    _category_summary(report)
    click.echo(f"levels: {report['levels']}  seconds: {report['seconds']}  "
               f"({report['levels_per_minute']} verified levels/min)  content hash: {report['content_hash']}")
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
    """Import a folder of N++ level files into a dataset under one category."""
    from pathlib import Path as _Path

    from npp_rl.levels.dataset import DatasetError, import_levels, level_files
    from npp_rl.levels.solver import SolverConfig

    n = len(level_files(_Path(src)))
    try:
        with click.progressbar(length=n, label="importing", show_pos=True, file=sys.stderr) as bar:
            ds, report = import_levels(src, out, category, split, verify, SolverConfig(max_iterations=max_iterations),
                                       progress=_progress_cb(bar))
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from None
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


# --------------------------------------------------------------------------- models / training
@main.command("architectures")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def architectures_cmd(as_json: bool) -> None:
    """List the architectures with their modalities, graph encoder and parameter counts."""
    import json as _json

    from npp_rl.models import ARCHITECTURES, count_parameters

    rows = [{"name": a.name, "modalities": list(a.modalities), "graph_encoder": a.graph_encoder,
             "parameters": count_parameters(a.name), "description": a.description} for a in ARCHITECTURES.values()]
    if as_json:
        click.echo(_json.dumps(rows, indent=2))
        return
    click.echo(f"{'architecture':<16}{'parameters':>11}  {'graph':<6}modalities")
    for r in rows:
        click.echo(f"{r['name']:<16}{r['parameters']:>11,}  {r['graph_encoder'] or '-':<6}{', '.join(r['modalities'])}")
        click.echo(f"{'':<35}{r['description']}")


class _Count(click.ParamType):
    """A non-negative integer that also accepts MLflow's float spelling (``2e5``, ``200000.0``)."""

    name = "integer"

    def convert(self, value, param, ctx):
        try:
            f = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if f != int(f) or f < 0:
            self.fail(f"{value!r} is not a non-negative integer", param, ctx)
        return int(f)


_COUNT = _Count()


def _none_word(value):
    """MLproject passes ``none`` for an unset optional id."""
    return None if value is None or str(value).strip().lower() in ("", "none", "null") else value


def _split_names(values) -> list[str]:
    return [n for v in values for n in str(v).replace(",", " ").split()]


@main.command("train", context_settings={"allow_extra_args": True})
@click.option("--experiment-name", required=True, help="MLflow experiment.")
@click.option("--architectures", "archs", multiple=True, required=True,
              help="One or more architectures: --architectures A B ... (see `npp-rl architectures`).")
@click.option("--train-dataset", type=click.Path(), help="Level dataset folder.")
@click.option("--total-timesteps", type=_COUNT, default=100_000, show_default=True, help="Env steps over all ranks.")
@click.option("--num-envs", type=_COUNT, default=16, show_default=True, help="Environments per rank.")
@click.option("--seed", type=_COUNT, default=0, show_default=True)
@click.option("--save-freq", type=_COUNT, default=50_000, show_default=True, help="Checkpoint every N global steps.")
@click.option("--eval-freq", type=_COUNT, default=50_000, show_default=True, help="Evaluate every N global steps.")
@click.option("--eval-episodes", type=_COUNT, default=20, show_default=True)
@click.option("--resume-from", help="Run id: continue that run from its last checkpoint.")
@click.option("--init-from", help="Run id or model URI whose full policy weights start training.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or the embedded store).")
@click.option("--output-dir", default=".npp-rl/train", show_default=True, type=click.Path(file_okay=False))
@click.option("--hyperparams", "hyperparams_file", type=click.Path(dir_okay=False), help="PPO hyperparameter YAML.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a PPO hyperparameter.")
@click.option("--env-factory", help="module:function building the vector env (default: the N++ env).")
@click.option("--torch-threads", type=int, default=0, help="torch threads per rank (0 = default).")
@click.option("--no-sync-gradients", is_flag=True, hidden=True)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--no-register", is_flag=True, help="Do not log/register the final policy.")
@click.pass_context
def train_cmd(ctx, archs, train_dataset, overrides, no_sync_gradients, no_progress, no_register, **kw) -> None:
    """Train PPO for one or more architectures (several = one child run each under a parent run).

    Distributed: torchrun --nproc-per-node N $(which npp-rl) train ... (gloo on CPU, NCCL on GPU).
    """
    from npp_rl.models import get_architecture
    from npp_rl.training import TrainConfig, train

    names = _split_names(list(archs) + list(ctx.args))
    kw["init_from"], kw["resume_from"] = _none_word(kw["init_from"]), _none_word(kw["resume_from"])
    for n in names:
        try:
            get_architecture(n)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--architectures") from None
    if train_dataset and not kw.get("env_factory") and not os.path.isdir(train_dataset):
        raise click.BadParameter(f"{train_dataset}: no such folder", param_hint="--train-dataset")
    hp = {}
    for o in overrides:
        k, sep, v = o.partition("=")
        if not sep:
            raise click.BadParameter(f"{o!r}: expected KEY=VALUE", param_hint="--set")
        hp[k.strip()] = v.strip()
    try:
        cfg = TrainConfig(architectures=names, train_dataset=train_dataset, hyperparams=hp,
                          sync_gradients=not no_sync_gradients, progress_bar=not no_progress,
                          register=not no_register, **kw)
        run_id = train(cfg)
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    if run_id:
        click.echo(f"run_id={run_id}")


# --------------------------------------------------------------------------- bench
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
        res = bench_inference(BenchConfig(architectures=_split_names(archs), repeats=repeats, threads=threads,
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


# --------------------------------------------------------------------------- pretraining
@main.command("pretrain")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--architecture", required=True, help="Architecture name (see `npp-rl architectures`).")
@click.option("--replay-data-dir", required=True, type=click.Path(), help="Folder searched recursively for replays.")
@click.option("--bc-epochs", type=int, default=10, show_default=True)
@click.option("--bc-batch-size", type=int, default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.option("--mixed-rule", type=click.Choice(["majority", "first", "drop"]), default="majority", show_default=True,
              help="Label of decision windows whose input changes mid-window.")
@click.option("--include-test-split", is_flag=True, help="Also learn from replays under test/ folders.")
@click.option("--no-value-warm-start", is_flag=True, help="Train the action head only (no value regression).")
@click.option("--output-dir", default=".npp-rl/pretrain", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-register", is_flag=True, help="Do not log/register the BC policy as a model.")
def pretrain_cmd(no_value_warm_start, no_register, **kw) -> None:
    """Behavioural cloning from replays into the PPO policy's network; prints the run id."""
    from npp_rl.pretraining import PretrainConfig, pretrain

    if not os.path.exists(kw["replay_data_dir"]):
        raise click.BadParameter(f"{kw['replay_data_dir']}: no such folder", param_hint="--replay-data-dir")
    try:
        run_id = pretrain(PretrainConfig(value_warm_start=not no_value_warm_start, register=not no_register, **kw))
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"run_id={run_id}")


# --------------------------------------------------------------------------- evaluation
@main.command("evaluate")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--model", required=True, help="RUN_ID or MODEL_URI (models:/npp-rl-<arch>@champion ...).")
@click.option("--test-dataset", required=True, type=click.Path(), help="Dataset or folder of N++ levels.")
@click.option("--episodes-per-level", type=int, default=1, show_default=True, help="Episodes per level.")
@click.option("--stochastic", is_flag=True, help="Sample actions instead of taking the most likely one.")
@click.option("--n-envs", type=int, default=32, show_default=True, help="Levels played at once.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-videos", is_flag=True, help="Do not log episode GIFs.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def evaluate_cmd(stochastic: bool, no_videos: bool, **kw) -> None:
    """Evaluate a policy on a test suite, per category (an `evaluate` run linked to the training run)."""
    from npp_rl.evaluation import EvalConfig, ModelNotFoundError, SuiteError, evaluate

    if kw["episodes_per_level"] < 1:
        raise click.BadParameter("must be >= 1", param_hint="--episodes-per-level")
    try:
        run_id = evaluate(EvalConfig(deterministic=not stochastic, videos=not no_videos, **kw))
    except (ModelNotFoundError, SuiteError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"run_id={run_id}")


# --------------------------------------------------------------------------- comparison
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
def compare_cmd(experiment_name, weights, out, no_champion, strict, tracking_uri) -> None:
    """Decision matrix, plots and report over an experiment's runs (found by tags); moves @champion."""
    from npp_rl.comparison import CompareConfig, CompareError, parse_weights, run_compare

    try:
        w = parse_weights(list(weights))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--weights") from None
    try:
        res = run_compare(CompareConfig(experiment_name=experiment_name, weights=w, out=out,
                                        set_champion=not no_champion, strict=strict, tracking_uri=tracking_uri))
    except CompareError as e:
        raise click.ClickException(str(e)) from None
    from npp_rl.comparison.report import display_table

    click.echo(display_table(res.matrix).to_string(index=False))
    ch = res.champion or {}
    if ch.get("version"):
        click.echo(f"champion: {ch['uri']} -> version {ch['version']} ({ch['architecture']}, {ch['condition']}, "
                   f"seed {ch['seed']})")
    else:
        click.echo(f"champion not moved: {ch.get('reason', 'disabled')}")
    if out:
        click.echo(f"report: {out}/report.html")
    click.echo(f"run_id={res.run_id}")


# --------------------------------------------------------------------------- pipeline
@main.command("pipeline")
@click.option("--preset", type=click.Choice(["quick", "full"]), default="quick", show_default=True,
              help="quick: minutes on a laptop CPU; full: the real study (see npp_rl/presets.yaml).")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--architectures", multiple=True, help="Override the preset's architectures (repeat or comma-separate).")
@click.option("--seeds", default=None, help="Override the preset's seeds, e.g. 0,1,2.")
@click.option("--data-dir", default=None, help="Level dataset folder [data/levels-<preset>].")
@click.option("--test-pretraining/--no-test-pretraining", default=None,
              help="Train both conditions (scratch and BC-pretrained) [preset].")
@click.option("--total-timesteps", type=int, default=None, help="Override the preset's steps per training run.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def pipeline_cmd(preset, experiment_name, architectures, seeds, data_dir, test_pretraining, total_timesteps,
                 tracking_uri) -> None:
    """generate levels -> pretrain -> train -> evaluate -> compare, chained by run ids."""
    from npp_rl.pipeline import PipelineConfig, load_presets, run_pipeline
    from npp_rl.tracking import TrackingError

    base = load_presets()[preset]
    train = dict(base.get("train", {}))
    if total_timesteps:
        train["total_timesteps"] = total_timesteps
    cfg = PipelineConfig.from_preset(
        preset, experiment_name=experiment_name, tracking_uri=tracking_uri, data_dir=data_dir,
        architectures=_split_names(architectures) or None,
        seeds=[int(x) for x in seeds.split(",")] if seeds else None,
        test_pretraining=test_pretraining, train=train)
    try:
        run_id = run_pipeline(cfg)
    except TrackingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(run_id)


def run() -> None:  # pragma: no cover - console entry
    main(prog_name="npp-rl")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
