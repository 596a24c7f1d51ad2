"""Pictures of N++ levels: tiles with their real shapes and entities with one glyph per type, plus a legend.

``render_level(level)`` takes map bytes (the §2 layout), a path, or any object with ``to_bytes()``
(such as :class:`npp_rl.sim.mapdata.MapData`) and returns a ``PIL.Image``. Drawing is done at 3x and
downsampled, so slopes and quarter circles come out smooth. Optional overlays: a trajectory (list of
pixel positions, e.g. a solver's solution) drawn as a polyline.

Geometry follows NPP_MECHANICS.md §3.1 (tile solid regions) and §5 (entity sizes); this is a picture,
not collision.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

__all__ = ["LevelView", "level_view", "render_level", "replay_trajectory", "save_render", "tile_polygons",
           "ENTITY_NAMES"]

CELL = 24
COLS, ROWS = 42, 23  # cells stored in the file
LEVEL_W, LEVEL_H = 44 * CELL, 25 * CELL
SS = 3  # supersampling factor

ENTITY_NAMES = {
    0: "ninja spawn", 1: "mine (deadly)", 2: "gold", 3: "exit door", 4: "exit switch", 5: "door",
    6: "locked door", 7: "locked-door switch", 8: "trap door", 9: "trap-door switch", 10: "launch pad",
    11: "one-way platform", 12: "chaingun drone", 13: "laser drone", 14: "zap drone", 15: "chaser drone",
    16: "floor guard", 17: "bounce block", 18: "rocket", 19: "gauss turret", 20: "thwump",
    21: "mine (safe)", 22: "evil ninja", 23: "laser turret", 24: "boost pad", 25: "death ball",
    26: "mini drone", 27: "alt death ball", 28: "shove thwump",
}

# colours
BG = (226, 224, 214)
GRID = (212, 209, 198)
TILE = (58, 63, 78)
TILE_EDGE = (34, 37, 46)
GLITCH = (200, 60, 200)
TEXT = (30, 30, 30)
PALETTE = {
    0: (40, 110, 230), 1: (220, 30, 30), 2: (240, 190, 20), 3: (30, 150, 70), 4: (30, 190, 90),
    5: (120, 120, 140), 6: (150, 60, 200), 7: (150, 60, 200), 8: (230, 120, 20), 9: (230, 120, 20),
    10: (0, 170, 200), 11: (110, 80, 50), 14: (200, 0, 140), 17: (190, 140, 90), 20: (70, 90, 160),
    21: (90, 160, 90), 24: (0, 200, 160), 25: (20, 20, 20), 26: (220, 0, 170), 28: (60, 80, 120),
}
OTHER = (255, 0, 255)
_D = math.sqrt(0.5)
ORIENT = [(1, 0), (_D, _D), (0, 1), (-_D, _D), (-1, 0), (-_D, -_D), (0, -1), (_D, -_D)]


# --------------------------------------------------------------------------- tiles
def _arc(cx, cy, a0, a1, n=16):
    """Points on the radius-24 arc around (cx, cy) from angle a0 to a1 (degrees, y down)."""
    return [
        (cx + 24 * math.cos(math.radians(a0 + (a1 - a0) * k / n)), cy + 24 * math.sin(math.radians(a0 + (a1 - a0) * k / n)))
        for k in range(n + 1)
    ]


def _tile_table():
    t: dict[int, list[tuple[float, float]]] = {
        1: [(0, 0), (24, 0), (24, 24), (0, 24)],
        2: [(0, 0), (24, 0), (24, 12), (0, 12)],
        3: [(12, 0), (24, 0), (24, 24), (12, 24)],
        4: [(0, 12), (24, 12), (24, 24), (0, 24)],
        5: [(0, 0), (12, 0), (12, 24), (0, 24)],
        6: [(0, 0), (24, 0), (0, 24)],
        7: [(0, 0), (24, 0), (24, 24)],
        8: [(24, 0), (24, 24), (0, 24)],
        9: [(0, 0), (24, 24), (0, 24)],
        # convex quarter rounds: solid quarter disc at the corner that is the arc centre
        10: [(0, 0)] + _arc(0, 0, 0, 90),
        11: [(24, 0)] + _arc(24, 0, 90, 180),
        12: [(24, 24)] + _arc(24, 24, 180, 270),
        13: [(0, 24)] + _arc(0, 24, 270, 360),
        # concave quarter pipes: the cell minus a quarter disc centred at the opposite corner
        14: [(0, 0)] + _arc(24, 24, 270, 180),
        15: [(24, 0)] + _arc(0, 24, 270, 360),
        16: [(24, 24)] + _arc(0, 0, 0, 90),
        17: [(0, 24)] + _arc(24, 0, 90, 180),
        18: [(0, 0), (24, 0), (0, 12)],
        19: [(0, 0), (24, 0), (24, 12)],
        20: [(24, 12), (24, 24), (0, 24)],
        21: [(0, 12), (24, 24), (0, 24)],
        22: [(0, 0), (24, 0), (24, 12), (0, 24)],
        23: [(0, 0), (24, 0), (24, 24), (0, 12)],
        24: [(24, 0), (24, 24), (0, 24), (0, 12)],
        25: [(0, 0), (24, 12), (24, 24), (0, 24)],
        26: [(0, 0), (12, 0), (0, 24)],
        27: [(12, 0), (24, 0), (24, 24)],
        28: [(24, 0), (24, 24), (12, 24)],
        29: [(0, 0), (12, 24), (0, 24)],
        30: [(0, 0), (24, 0), (12, 24), (0, 24)],
        31: [(0, 0), (24, 0), (24, 24), (12, 24)],
        32: [(12, 0), (24, 0), (24, 24), (0, 24)],
        33: [(0, 0), (12, 0), (24, 24), (0, 24)],
    }
    return t


_TILES = _tile_table()
_GLITCH_EDGES = {34: ((0, 0), (24, 0)), 35: ((24, 0), (24, 24)), 36: ((0, 24), (24, 24)), 37: ((0, 0), (0, 24))}


def tile_polygons(tile_id: int) -> list[tuple[float, float]]:
    """The solid region of a tile as a polygon in cell-local pixels (0..24, y down); [] if empty."""
    return list(_TILES.get(int(tile_id), []))


# --------------------------------------------------------------------------- level view
@dataclass
class LevelView:
    """What a picture needs: tile ids (23 rows x 42 columns), entity records in pixels, the title."""

    tiles: list[bytes]
    entities: list[tuple[int, float, float, int, int]]
    title: str


def _as_bytes(level) -> tuple[bytes, str]:
    if isinstance(level, (bytes, bytearray, memoryview)):
        return bytes(level), ""
    if isinstance(level, (str, os.PathLike)):
        p = Path(level)
        data = p.read_bytes()
        if data[:8] == b"NPPREPLY" or (len(data) >= 8 and 8 + sum(struct.unpack_from("<II", data)) == len(data)):
            from npp_rl.sim.replay import read_any

            return read_any(p).map_bytes, str(p)
        return data, str(p)
    if hasattr(level, "to_bytes"):
        return bytes(level.to_bytes()), ""
    if hasattr(level, "map_bytes"):
        return bytes(level.map_bytes), ""
    raise TypeError(f"cannot render {type(level).__name__}: expected map bytes, a path or an object with to_bytes()")


def level_view(level) -> LevelView:
    """Tiles and entity records (in pixels, spawn first) of a level given as bytes, a path or a MapData."""
    from npp_rl.sim.mapdata import MapData, parse_map

    if isinstance(level, MapData):
        md = level
    else:
        data, name = _as_bytes(level)
        md = parse_map(data, name or "map data")  # MapFormatError names the file, offset, expectation
    tiles = [bytes(row) for row in md.tiles.astype("uint8")]
    sx, sy = md.spawn
    ents = [(0, sx, sy, md.spawn_facing, 0)]
    ents += [(int(t), 6.0 * int(x), 6.0 * int(y), int(o), int(m)) for t, x, y, o, m in md.entities]
    return LevelView(tiles, ents, md.title)


# --------------------------------------------------------------------------- drawing
def _font(size):
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size)
    except TypeError:  # pillow < 10.1
        return ImageFont.load_default()


class _Painter:
    def __init__(self, draw: ImageDraw.ImageDraw, k: float, ox: float = 0, oy: float = 0):
        self.d, self.k, self.ox, self.oy = draw, k, ox, oy

    def p(self, x, y):
        return (self.ox + x * self.k, self.oy + y * self.k)

    def poly(self, pts, fill, outline=None, width=1):
        self.d.polygon([self.p(x, y) for x, y in pts], fill=fill, outline=outline,
                       width=max(1, round(width * self.k)) if outline else 0)

    def circle(self, x, y, r, fill=None, outline=None, width=1):
        (a, b), (c, e) = self.p(x - r, y - r), self.p(x + r, y + r)
        self.d.ellipse([a, b, c, e], fill=fill, outline=outline, width=max(1, round(width * self.k)))

    def rect(self, x0, y0, x1, y1, fill=None, outline=None, width=1):
        self.d.rectangle([self.p(x0, y0), self.p(x1, y1)], fill=fill, outline=outline,
                         width=max(1, round(width * self.k)))

    def line(self, pts, fill, width=1):
        self.d.line([self.p(x, y) for x, y in pts], fill=fill, width=max(1, round(width * self.k)), joint="curve")


def _draw_glyph(pt: _Painter, t, x, y, o, m, switch_of=None):
    c = PALETTE.get(t, OTHER)
    ux, uy = ORIENT[o % 8]
    if t == 0:  # ninja: radius-10 body with a facing mark
        pt.circle(x, y, 10, fill=(235, 242, 255), outline=c, width=2.5)
        face = -1 if o in (255, 4) else 1  # facing byte: -1 (255) left, 1 right
        pt.circle(x + 4 * face, y - 2, 2.2, fill=c)
    elif t == 1:  # deadly mine: red star
        pts = []
        for k in range(16):
            r = 7 if k % 2 == 0 else 3.2
            a = math.pi * k / 8
            pts.append((x + r * math.cos(a), y + r * math.sin(a)))
        pt.poly(pts, fill=c, outline=(90, 0, 0), width=0.6)
        pt.circle(x, y, 2, fill=(255, 220, 220))
    elif t == 21:  # safe mine: green ring
        pt.circle(x, y, 4.5, fill=(200, 235, 200), outline=c, width=1.5)
    elif t == 2:  # gold
        pt.rect(x - 4.5, y - 4.5, x + 4.5, y + 4.5, fill=c, outline=(150, 110, 0), width=1)
    elif t == 3:  # exit door
        pt.rect(x - 11, y - 11, x + 11, y + 11, fill=(200, 240, 210), outline=c, width=2.5)
        pt.rect(x - 5, y - 8, x + 5, y + 11, fill=c)
    elif t == 4:  # exit switch
        pt.rect(x - 6, y - 6, x + 6, y + 6, fill=(255, 250, 200), outline=c, width=2)
        pt.circle(x, y, 2.6, fill=c)
    elif t in (5, 6, 8):  # doors: a 24-px segment, vertical for orientation 0/4
        if o % 8 in (0, 4):
            seg = [(x, y - 12), (x, y + 12)]
        else:
            seg = [(x - 12, y), (x + 12, y)]
        pt.line(seg, fill=c, width=5 if t != 8 else 4)
        if t == 8:
            pt.line(seg, fill=(255, 230, 200), width=1.5)
    elif t in (7, 9):  # door switches
        pt.circle(x, y, 5, fill=(255, 255, 255), outline=c, width=2)
        pt.circle(x, y, 2, fill=c)
        if switch_of is not None:
            pt.line([(x, y), switch_of], fill=c + (110,), width=1)
    elif t == 10:  # launch pad: arrow along its orientation
        nx, ny = -uy, ux
        pts = [(x + 9 * ux, y + 9 * uy), (x - 4 * ux + 7 * nx, y - 4 * uy + 7 * ny), (x - 4 * ux - 7 * nx, y - 4 * uy - 7 * ny)]
        pt.poly(pts, fill=c, outline=(0, 90, 110), width=1)
    elif t == 11:  # one-way platform: surface across its normal, ticks on the open side
        nx, ny = -uy, ux
        pt.line([(x - 12 * nx, y - 12 * ny), (x + 12 * nx, y + 12 * ny)], fill=c, width=3)
        for s in (-8, 0, 8):
            pt.line([(x + s * nx, y + s * ny), (x + s * nx + 4 * ux, y + s * ny + 4 * uy)], fill=c, width=1.5)
    elif t in (14, 26):  # drones
        r = 7.5 if t == 14 else 4
        pt.circle(x, y, r, fill=c, outline=(60, 0, 40), width=1)
        pt.circle(x, y, r * 0.4, fill=(255, 255, 255))
    elif t == 17:
        pt.rect(x - 9, y - 9, x + 9, y + 9, fill=c, outline=(110, 70, 40), width=1.5)
    elif t == 20:  # thwump with its deadly face
        pt.rect(x - 9, y - 9, x + 9, y + 9, fill=c, outline=(30, 40, 80), width=1.5)
        px_, py_ = -uy, ux
        pt.line([(x + 9 * ux - 8 * px_, y + 9 * uy - 8 * py_), (x + 9 * ux + 8 * px_, y + 9 * uy + 8 * py_)],
                fill=(230, 40, 40), width=2.5)
    elif t == 28:
        pt.rect(x - 12, y - 12, x + 12, y + 12, fill=c, outline=(20, 30, 60), width=1.5)
        pt.circle(x, y, 5, fill=(230, 40, 40))
    elif t == 24:
        pt.circle(x, y, 6, fill=c, outline=(0, 100, 80), width=1)
        pt.line([(x - 4, y), (x + 4, y)], fill=(255, 255, 255), width=1.5)
        pt.line([(x, y - 4), (x, y + 4)], fill=(255, 255, 255), width=1.5)
    elif t == 25:
        pt.circle(x, y, 5, fill=c, outline=(230, 40, 40), width=1.5)
    else:  # types without their own glyph: a magenta circle with the type id
        pt.circle(x, y, 7, fill=OTHER, outline=(80, 0, 80), width=1)
        cx, cy = pt.p(x, y)
        pt.d.text((cx, cy), str(t), fill=(255, 255, 255), font=_font(max(6, round(8 * pt.k))), anchor="mm")


def _draw_level(img: Image.Image, view: LevelView, k: float, ox: float, oy: float, trajectory=None, grid=True):
    d = ImageDraw.Draw(img, "RGBA")
    pt = _Painter(d, k, ox, oy)
    pt.rect(0, 0, LEVEL_W, LEVEL_H, fill=BG)
    if grid:
        for cx in range(1, 44):
            pt.line([(cx * CELL, CELL), (cx * CELL, LEVEL_H - CELL)], fill=GRID, width=0.6)
        for cy in range(1, 25):
            pt.line([(CELL, cy * CELL), (LEVEL_W - CELL, cy * CELL)], fill=GRID, width=0.6)
    # border ring
    for x0, y0, x1, y1 in ((0, 0, LEVEL_W, CELL), (0, LEVEL_H - CELL, LEVEL_W, LEVEL_H),
                           (0, 0, CELL, LEVEL_H), (LEVEL_W - CELL, 0, LEVEL_W, LEVEL_H)):
        pt.rect(x0, y0, x1, y1, fill=TILE_EDGE)
    for j, row in enumerate(view.tiles):
        for i, t in enumerate(row):
            bx, by = CELL * (i + 1), CELL * (j + 1)
            if t in _TILES:
                pt.poly([(bx + u, by + v) for u, v in _TILES[t]], fill=TILE)
            elif t in _GLITCH_EDGES:
                (u0, v0), (u1, v1) = _GLITCH_EDGES[t]
                pt.line([(bx + u0, by + v0), (bx + u1, by + v1)], fill=GLITCH, width=2)
            elif t != 0:  # unknown id: hatched cell
                pt.rect(bx, by, bx + CELL, by + CELL, fill=(255, 0, 0, 90))
    # entities, spawn last (on top)
    last_door = None
    order = sorted(range(len(view.entities)), key=lambda k_: (view.entities[k_][0] == 0, k_))
    door_of = {}
    for k_, (t, x, y, _o, _m) in enumerate(view.entities):
        if t in (6, 8):
            last_door = (x, y)
        elif t in (7, 9) and last_door is not None:
            door_of[k_] = last_door
            last_door = None
    for k_ in order:
        t, x, y, o, m = view.entities[k_]
        _draw_glyph(pt, t, x, y, o, m, switch_of=door_of.get(k_))
    if trajectory is not None and len(trajectory) > 1:
        pt.line([(float(x), float(y)) for x, y in trajectory], fill=(40, 110, 230, 200), width=1.6)


def render_level(level, *, scale: float = 1.0, legend: bool = True, title: str | None = None,
                 trajectory=None, grid: bool = True) -> Image.Image:
    """A picture of a level. ``scale`` = output pixels per game pixel (1.0 -> 1056x600 plus legend)."""
    view = level_view(level)
    if title is None:
        _, name = _as_bytes(level) if isinstance(level, (str, os.PathLike)) else (None, "")
        title = " · ".join(s for s in (view.title, Path(name).name if name else "") if s)
    k = scale * SS
    head = round(22 * SS * max(scale, 0.5)) if title else 0
    types = sorted({e[0] for e in view.entities})
    per_row = 4
    leg_rows = (len(types) + per_row - 1) // per_row if legend else 0
    leg_h = round(leg_rows * 26 * SS * max(scale, 0.5)) + (round(8 * SS) if leg_rows else 0)
    W, H = round(LEVEL_W * k), round(LEVEL_H * k) + head + leg_h
    img = Image.new("RGB", (W, H), (250, 250, 247))
    _draw_level(img, view, k, 0, head, trajectory=trajectory, grid=grid)
    d = ImageDraw.Draw(img, "RGBA")
    fs = max(10, round(14 * max(scale, 0.5))) * SS
    font = _font(fs)
    if title:
        d.text((8 * SS, head / 2), title, fill=TEXT, font=font, anchor="lm")
    if leg_rows:
        counts = {t: sum(1 for e in view.entities if e[0] == t) for t in types}
        lk = SS * max(scale, 0.5)
        cw = W / per_row
        for n, t in enumerate(types):
            r, c = divmod(n, per_row)
            cx = c * cw + 18 * lk
            cy = head + LEVEL_H * k + 8 * SS + (r + 0.5) * 26 * lk
            gp = _Painter(d, lk, cx, cy)
            _draw_glyph(gp, t, 0, 0, 0 if t != 11 else 6, 0)
            label = f"{ENTITY_NAMES.get(t, f'type {t}')} ×{counts[t]}"
            d.text((cx + 18 * lk, cy), label, fill=TEXT, font=font, anchor="lm")
    return img.resize((max(1, W // SS), max(1, H // SS)), Image.LANCZOS)


def replay_trajectory(path: str | os.PathLike) -> list[tuple[float, float]] | None:
    """Ninja positions (spawn first) along a ``.nppreplay`` or N++ attract demo, or None for a level file.
    Entity types the simulator does not implement are ignored for this picture."""
    p = Path(path)
    data = p.read_bytes()
    is_attract = len(data) >= 8 and 8 + sum(struct.unpack_from("<II", data)) == len(data)
    if data[:8] != b"NPPREPLY" and not is_attract:
        return None
    from npp_rl.sim.mapdata import parse_map
    from npp_rl.sim.replay import read_any
    from npp_rl.sim.simulator import Simulator

    rep = read_any(p)
    md = parse_map(rep.map_bytes, str(p))
    sim = Simulator(md, lenient=True)
    start = (sim.x, sim.y)
    rows = sim.trace(rep.inputs)
    return [start] + [(float(r[0]), float(r[1])) for r in rows]


def save_render(level, out: str | os.PathLike, **kw) -> Path:
    """Render ``level`` and write it as PNG to ``out``; return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    render_level(level, **kw).save(out)
    return out
