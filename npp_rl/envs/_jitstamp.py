"""Keep numba's on-disk cache honest about constants from other modules.

Compiled functions freeze the module-level constants they read (the simulator's column indices in
``npp_rl.sim.constants``, sizes in :mod:`npp_rl.envs.spec` and in the other envs modules), but numba only
invalidates a cache entry when the function's *own* source file changes. :func:`ensure_fresh` hashes
the text of those files; when the hash differs from the one recorded beside the cache, it touches every
envs module holding compiled code, so numba recompiles them all. Each such module calls it on import,
before any compiled function runs.
"""

from __future__ import annotations

from pathlib import Path

from npp_rl.sim._jitstamp import kernel_paths, refresh

_HERE = Path(__file__).resolve().parent
#: envs modules holding compiled code, paths relative to envs/ without ".py"
KERNEL_MODULES = ("tiles", "raster", "graph/build", "graph/topology", "graph/dynamic", "dynamic",
                  "game_state", "player_frame", "global_view")
_done = False


def ensure_fresh() -> None:
    global _done
    if _done:
        return
    _done = True
    kernels = [_HERE / f"{m}.py" for m in KERNEL_MODULES]
    shared = [_HERE.parent / "levels" / "geodesic.py", _HERE / "spec.py"]  # constants the kernels import
    refresh(_HERE / "__pycache__" / "jit_sources.stamp", kernel_paths() + shared + kernels, kernels)
