"""Simulator commands: render, trace, bench."""

from __future__ import annotations

import click

from npp_rl.cli._app import main


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
