"""The compiled simulator's public surface: array layouts and constants, and the batched frame step.

The kernels live by concern (the split physics engines and the reference simulator use):

* :mod:`npp_rl.sim.constants` - N++ constants and the column layouts of the ninja, entity and segment rows;
* :mod:`npp_rl.sim.collision` - tile geometry queries and swept circle collision;
* :mod:`npp_rl.sim.events` - death, win, door open/close;
* :mod:`npp_rl.sim.entities` - entity behaviour by family and the ninja's contacts with entities;
* :mod:`npp_rl.sim.ninja` - tile depenetration, walls and impacts, jumps, the ninja's state machine;
* :mod:`npp_rl.sim.frame` - one frame in N++ order from phase functions, and the batched steppers.

Per level (static, stacked over the loaded levels ``lv``): segment rows ``seg`` (see
:mod:`npp_rl.sim.geometry`), ``cell_start[lv, 1101]`` / ``cell_segs`` (CSR lists of global segment ids per
24-px cell, cell id = x * 25 + y), ``cell_bounds[lv, 1100, 4]``, ``cell_nonempty[lv, 1100]``.
Per world (dynamic): ``nin[w, NINJA_FIELDS]`` (columns ``N_*``), ``ent[w, max_entities, ENTITY_FIELDS]``
(columns ``E_*``), ``n_ent[w]``, grid edges ``hor[w, 89, 51]`` / ``ver[w, 89, 51]``, level index ``lvl[w]``.
"""

from __future__ import annotations

from npp_rl.sim.constants import *  # noqa: F403  (the layouts are this module's public surface)
from npp_rl.sim.frame import (  # noqa: F401
    collision_substeps,
    entity_phase,
    integrate_and_prepare,
    post_collision,
    run_inputs,
    set_inputs,
    step_worlds,
    step_worlds_seq,
    tick_world,
)
