"""Helpers shared by the command modules: flag types and name parsing."""

from __future__ import annotations

import click


class NotBuiltYet(click.ClickException):
    """A command whose layer is not implemented yet: exits non-zero naming what is missing."""

    exit_code = 3

    def __init__(self, what: str):
        super().__init__(f"{what} is not built yet in this version of npp-rl")


class Count(click.ParamType):
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


COUNT = Count()


class Duration(click.ParamType):
    """A wall-clock duration: plain seconds (``1800``) or with a unit (``90s``, ``30m``, ``2h``, ``1h30m``);
    ``0`` or ``none`` = no limit (None)."""

    name = "duration"
    UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, float):
            return value
        text = str(value).strip().lower()
        if text in ("", "0", "none", "null"):
            return None
        try:
            return self._parse(text)
        except ValueError:
            self.fail(f"{value!r} is not a duration (seconds, or e.g. 90s, 30m, 2h, 1h30m)", param, ctx)

    @classmethod
    def _parse(cls, text: str) -> float:
        try:
            seconds = float(text)
        except ValueError:
            import re

            parts = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?", text)
            if not parts or not any(parts.groups()):
                raise ValueError(text) from None
            seconds = sum(float(v) * cls.UNITS[u] for v, u in zip(parts.groups(), "hms", strict=True) if v)
        if seconds <= 0:
            raise ValueError(text)
        return seconds


DURATION = Duration()


def none_word(value):
    """MLproject passes ``none`` for an unset optional id."""
    return None if value is None or str(value).strip().lower() in ("", "none", "null") else value


def split_names(values) -> list[str]:
    """``A B``, ``A,B`` and repeated flags all give the same list of names."""
    return [n for v in values for n in str(v).replace(",", " ").split()]


class Greedy(click.Option):
    """A repeatable option that also takes the space-separated values after it, as the design's flags do:
    ``--seeds 0 1 2`` is ``--seeds 0 --seeds 1 --seeds 2`` (and ``--seeds 0,1,2`` works through
    :func:`split_names`). Values end at the next token that starts with ``-``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("multiple", True)
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser, ctx):
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            opt = parser._long_opt.get(name) or parser._short_opt.get(name)
            if opt is None:  # pragma: no cover - every declared name is registered
                continue

            def process(value, state, _orig=opt.process):
                _orig(value, state)
                while state.rargs and not state.rargs[0].startswith("-"):
                    _orig(state.rargs.pop(0), state)

            opt.process = process
