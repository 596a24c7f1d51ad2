"""Keep numba's on-disk cache honest across module boundaries.

A compiled function freezes the module-level constants it reads and links the compiled functions it calls
from other modules, but numba invalidates a cache entry only when the function's *own* source file changes.
:func:`refresh` hashes a set of source files; when the hash differs from the one recorded beside the cache,
it touches every listed kernel module so that numba recompiles them all. :func:`ensure_fresh` does this for
the simulator's kernel modules; :mod:`npp_rl.envs._jitstamp` does it for the observation kernels.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: the simulator's modules holding compiled code (paths relative to this package)
KERNEL_FILES = ("constants.py", "collision.py", "events.py", "ninja.py", "frame.py", "entities/grid.py",
                "entities/blocks.py", "entities/thwumps.py", "entities/drones.py", "entities/mines.py",
                "entities/contacts.py")
_done: set[str] = set()


def kernel_paths() -> list[Path]:
    return [_HERE / f for f in KERNEL_FILES]


def refresh(stamp: Path, sources: Sequence[Path], kernels: Sequence[Path]) -> bool:
    """Touch ``kernels`` when the text of ``sources`` changed since the hash in ``stamp``; True if touched."""
    key = str(stamp)
    if key in _done:
        return False
    _done.add(key)
    try:
        h = hashlib.sha1()
        for f in sources:
            if f.is_file():
                h.update(f.read_bytes())
        digest = h.hexdigest()
        if stamp.is_file() and stamp.read_text() == digest:
            return False
        for p in kernels:
            if p.is_file():
                os.utime(p)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest)
        return True
    except OSError:  # read-only install: nothing to refresh
        return False


def ensure_fresh() -> None:
    """Recompile every simulator kernel when any of their source files changed (call before compiling)."""
    paths = kernel_paths()
    refresh(_HERE / "__pycache__" / "jit_sources.stamp", paths, paths)
