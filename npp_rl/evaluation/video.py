"""Episode videos: the level drawn once (:func:`npp_rl.sim.render.render_level`), the ninja and its
trail drawn on top for every env step, written as an animated GIF."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from npp_rl.evaluation.metrics import Episode


def _open_box(level_path, margin_cells: int = 2) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) around the level's non-solid cells (whole level if all open)."""
    from npp_rl.sim.mapdata import load_map

    tiles = load_map(level_path).tiles  # (23, 42) file cells; simulator cell = file cell + 1
    js, is_ = np.nonzero(tiles != 1)
    if js.size == 0:
        return 0, 0, 1056, 600
    x0 = max(0, (is_.min() + 1 - margin_cells) * 24)
    x1 = min(1056, (is_.max() + 2 + margin_cells) * 24)
    y0 = max(0, (js.min() + 1 - margin_cells) * 24)
    y1 = min(600, (js.max() + 2 + margin_cells) * 24)
    return int(x0), int(y0), int(x1), int(y1)


def episode_frames(level_path, episode: Episode, *, scale: float = 0.5, max_frames: int = 120,
                   title: str | None = None, crop: bool = True) -> list[np.ndarray]:
    """RGB frames (H, W, 3) of ``episode`` on the level at ``level_path`` (at most ``max_frames``,
    evenly subsampled; the last one shows the outcome). ``crop`` zooms onto the level's open area;
    the frame is at most ``1056 * scale`` by ``600 * scale`` pixels either way."""
    from PIL import Image, ImageDraw, ImageFont

    from npp_rl.sim.render import render_level

    x0, y0, x1, y1 = _open_box(level_path) if crop else (0, 0, 1056, 600)
    k = min(1056 * scale / (x1 - x0), 600 * scale / (y1 - y0), 2.0)
    full = render_level(level_path, scale=1.0, legend=False, title="").convert("RGB")
    base = full.crop((x0, y0, x1, y1)).resize((max(1, round((x1 - x0) * k)), max(1, round((y1 - y0) * k))),
                                               Image.LANCZOS)
    W, H = max(base.size[0], 360), base.size[1]
    bar = 22
    traj = np.asarray(episode.trajectory or [(0.0, 0.0)], dtype=float)
    n = len(traj)
    picks = np.unique(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int))
    outcome = "WIN" if episode.success else (f"died ({episode.death_cause})" if episode.died else
                                            ("timeout" if episode.timeout else "ended"))
    colour = (30, 140, 60) if episode.success else (200, 40, 40)
    head = title or episode.level
    try:
        font = ImageFont.load_default(size=13)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    ox = (W - base.size[0]) // 2
    frames = []
    for i in picks:
        img = Image.new("RGB", (W, H + bar), (250, 250, 247))
        img.paste(base, (ox, bar))
        d = ImageDraw.Draw(img, "RGBA")
        pts = [((float(x) - x0) * k + ox, (float(y) - y0) * k + bar) for x, y in traj[: i + 1]]
        if len(pts) > 1:
            d.line(pts, fill=(40, 110, 230, 170), width=2)
        x, y = pts[-1]
        r = max(3.0, 10 * k)
        last = i == picks[-1]
        fill = colour if last else (20, 20, 20)
        d.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=(255, 255, 255))
        text = f"{head}   step {i}/{n - 1}" + (f"   {outcome}" if last else "")
        d.text((6, bar / 2), text, fill=colour if last else (30, 30, 30), font=font, anchor="lm")
        frames.append(np.asarray(img))
    return frames


def save_gif(frames: list[np.ndarray], path: str | Path, fps: int = 15, hold_last: int = 15) -> Path:
    """Write ``frames`` as a looping GIF (the last frame held ``hold_last`` extra frames)."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    imgs = [Image.fromarray(f) for f in frames]
    imgs += [imgs[-1]] * hold_last
    imgs[0].save(path, save_all=True, append_images=imgs[1:], duration=int(1000 / fps), loop=0, optimize=True)
    return path


def pick_examples(episodes: list[Episode]) -> list[tuple[str, Episode]]:
    """One success and one failure per category (the first of each in queue order):
    ``[(label, episode)]`` with labels ``<category>/success`` and ``<category>/failure``."""
    chosen: dict[str, Episode] = {}
    for e in episodes:
        key = f"{e.category}/{'success' if e.success else 'failure'}"
        chosen.setdefault(key, e)
    return sorted(chosen.items())
