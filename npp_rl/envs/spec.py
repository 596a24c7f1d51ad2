"""The observation contract between the environment and the models.

Everything a model may rely on about observations lives here: the key names of the ``Dict``
observation, the image shapes, and the vocabulary of the heterogeneous level graph. Sizes that
the environment is free to tune (game-state length, node feature length) are NOT fixed here:
models read them from the observation space they are given.

Observation keys (an architecture asks for a subset; only those are computed):

``player_frame``  uint8 ``(84, 84, 1)``  (H, W, C) grey frame centred on the ninja, 0 = empty.
``global_view``   uint8 ``(100, 176, 1)`` (H, W, C) the whole 1056x600 level at 1/6 scale
                  (176 wide x 100 tall).
``game_state``    float32 ``(GAME_STATE_DIM,)`` in [-1, 1]; fields documented in
                  :mod:`npp_rl.envs.game_state`.
graph keys        fixed-size padded arrays (so SB3's rollout buffer can store them):

``graph_node_feats``  float32 ``(MAX_NODES, NODE_FEAT_DIM)``
``graph_node_type``   float32 ``(MAX_NODES,)`` integer ids from :data:`NODE_TYPES`
``graph_node_mask``   float32 ``(MAX_NODES,)`` 1 for real nodes, 0 for padding
``graph_edge_index``  float32 ``(2, MAX_EDGES)`` (source, target) node indices within the graph
``graph_edge_type``   float32 ``(MAX_EDGES,)`` integer ids from :data:`EDGE_TYPES`
``graph_edge_mask``   float32 ``(MAX_EDGES,)`` 1 for real edges, 0 for padding

Integer-valued graph arrays are float32 because SB3's rollout buffers store every observation
as float32; values stay exact (all < 2**24). Padding edges point at node 0 and carry mask 0.
Edges are directed; every relation that is symmetric is stored in both directions.
"""

from __future__ import annotations

PLAYER_FRAME_SHAPE = (84, 84, 1)
GLOBAL_VIEW_SHAPE = (100, 176, 1)

MAX_NODES = 160
MAX_EDGES = 1024

#: Node types. ``platform`` nodes are traversable places (connected stretches of floor/wall
#: the ninja can stand or slide on, or open air regions); the rest are one node per object.
NODE_TYPES: tuple[str, ...] = (
    "ninja",
    "platform",
    "exit_switch",
    "exit_door",
    "mine",
    "gold",
    "door_switch",
    "door",
    "hazard",
)

#: Edge types. ``walk``/``jump``/``fall`` connect platforms (reachability); ``on`` links the
#: ninja or an entity to the platform it stands on / is nearest to (both directions);
#: ``near`` links the ninja to nearby entities (both directions); ``opens`` links a switch to
#: the door it operates (both directions).
EDGE_TYPES: tuple[str, ...] = ("walk", "jump", "fall", "on", "near", "opens")

NODE_TYPE_ID = {name: i for i, name in enumerate(NODE_TYPES)}
EDGE_TYPE_ID = {name: i for i, name in enumerate(EDGE_TYPES)}

GRAPH_KEYS: tuple[str, ...] = (
    "graph_node_feats",
    "graph_node_type",
    "graph_node_mask",
    "graph_edge_index",
    "graph_edge_type",
    "graph_edge_mask",
)

#: Modalities an architecture can ask for, and the observation keys each one brings.
MODALITY_KEYS: dict[str, tuple[str, ...]] = {
    "player_frame": ("player_frame",),
    "global_view": ("global_view",),
    "game_state": ("game_state",),
    "graph": GRAPH_KEYS,
}
MODALITIES: tuple[str, ...] = tuple(MODALITY_KEYS)

#: Discrete(6) actions as (horizontal, jump); see NPP_MECHANICS section 6.
ACTIONS: tuple[tuple[int, int], ...] = ((0, 0), (-1, 0), (1, 0), (0, 1), (-1, 1), (1, 1))
ACTION_NAMES: tuple[str, ...] = ("noop", "left", "right", "jump", "jump_left", "jump_right")


def keys_for(modalities) -> tuple[str, ...]:
    """Observation keys for a collection of modality names, in a stable order."""
    out: list[str] = []
    for m in modalities:
        if m not in MODALITY_KEYS:
            raise ValueError(f"unknown observation modality {m!r}; known: {', '.join(MODALITIES)}")
        out.extend(MODALITY_KEYS[m])
    return tuple(out)
