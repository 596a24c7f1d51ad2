"""The level graph observation: static topology built once per level, dynamic features every step.

* :mod:`.build`: platforms from the free-space grid and reachability edges between them (compiled kernels);
* :mod:`.topology`: the node/edge layout, :class:`GraphTopology` of a
  :class:`~npp_rl.envs.static.LevelStatic` (:func:`build_topology`, cached by :func:`graph_topology`);
* :mod:`.dynamic`: the per-step features and edges, batched over worlds (:func:`graph_step`).
"""

from __future__ import annotations

from .dynamic import graph_step, line_of_sight
from .topology import (
    MAX_ENTITY_NODES,
    MAX_STATIC_EDGES,
    N_DYN_EDGES,
    NEAR_K,
    NEAR_RADIUS,
    NODE_FEAT_DIM,
    GraphTopology,
    build_topology,
    graph_topology,
)

__all__ = [
    "MAX_ENTITY_NODES",
    "MAX_STATIC_EDGES",
    "N_DYN_EDGES",
    "NEAR_K",
    "NEAR_RADIUS",
    "NODE_FEAT_DIM",
    "GraphTopology",
    "build_topology",
    "graph_step",
    "graph_topology",
    "line_of_sight",
]
