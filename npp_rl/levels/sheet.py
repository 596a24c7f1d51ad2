"""Contact sheets: thumbnails of a dataset's levels, one row per category, solutions drawn as paths."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageDraw

from npp_rl.sim.render import _font, render_level

from .dataset import LevelEntry, load_test_suite


def solution_path(entry: LevelEntry):
    """Pixel positions along the stored solution (spawn first), or None."""
    if entry.solution_path is None:
        return None
    from npp_rl.sim.simulator import Simulator

    md = entry.load_map()
    rep = entry.load_solution()
    rows = Simulator(md).trace(rep.inputs)
    return [md.spawn] + [(r[0], r[1]) for r in rows]


def contact_sheet(groups: dict[str, list[LevelEntry]], per_category: int = 5, scale: float = 0.3,
                  solutions: bool = True, title: str = "", columns: int = 5) -> Image.Image:
    cats = list(groups)
    thumbs: dict[str, list[Image.Image]] = {}
    for c in cats:
        thumbs[c] = []
        for e in groups[c][:per_category]:
            traj = solution_path(e) if solutions else None
            frames = f" · {e.solution_frames} f" if e.solution_frames else ""
            thumbs[c].append(render_level(e.path, scale=scale, legend=False, grid=False,
                                          title=f"{e.id}{frames}", trajectory=traj))
    if not any(thumbs.values()):
        raise ValueError("no levels to show")
    tw = max(im.width for v in thumbs.values() for im in v)
    th = max(im.height for v in thumbs.values() for im in v)
    label_w, pad, head = 130, 6, 34 if title else 0
    cols = min(columns, max(len(v) for v in thumbs.values()))
    rows_of = {c: max(1, -(-len(thumbs[c]) // cols)) for c in cats}
    W = label_w + cols * (tw + pad) + pad
    H = head + sum(rows_of.values()) * (th + pad) + pad
    sheet = Image.new("RGB", (W, H), (250, 250, 247))
    d = ImageDraw.Draw(sheet)
    font, big = _font(14), _font(16)
    if title:
        d.text((pad, head / 2), title, fill=(20, 20, 20), font=big, anchor="lm")
    y = head + pad
    for c in cats:
        d.text((pad, y + th / 2), f"{c}\n({len(groups[c])} levels)", fill=(20, 20, 20), font=font, anchor="lm")
        for k, im in enumerate(thumbs[c]):
            r, q = divmod(k, cols)
            sheet.paste(im, (label_w + pad + q * (tw + pad), y + r * (th + pad)))
        y += rows_of[c] * (th + pad)
    return sheet


def save_contact_sheet(path: str | os.PathLike, out: str | os.PathLike, split: str = "test",
                       category: str | None = None, **kw) -> Path:
    """Contact sheet of a dataset (or any folder of levels) written as PNG."""
    groups = load_test_suite(path, category=category, split=split)
    root = Path(path)
    title = kw.pop("title", None)
    if title is None:
        from .dataset import MANIFEST, load_dataset

        h = load_dataset(root, verify_checksums=False).content_hash[:16] if (root / MANIFEST).is_file() else ""
        title = f"{root.name} · {split}" + (f" · content hash {h}" if h else "")
    img = contact_sheet(groups, title=title, **kw)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out)
    return out
