"""The architecture registry: every architecture is one documented :class:`ArchitectureSpec` entry.

An architecture says which observation modalities it reads (see :mod:`npp_rl.envs.spec`) and how
large each encoder is. :class:`npp_rl.models.extractor.NppFeaturesExtractor` builds the network from
the entry; sizes of the inputs (game-state length, node-feature length, graph padding) always come
from the observation space, never from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from npp_rl.envs.spec import MODALITIES

GRAPH_ENCODERS = ("hgt", "gat", "gcn")


@dataclass(frozen=True)
class ArchitectureSpec:
    """One architecture: its modalities and encoder sizes."""

    name: str
    """Registry key, also the registered model name suffix (``npp-rl-<name>``)."""
    description: str
    """One line for ``npp-rl architectures`` and reports."""
    modalities: tuple[str, ...]
    """Observation modalities read, a subset of ``npp_rl.envs.spec.MODALITIES``."""
    graph_encoder: str | None = None
    """``hgt`` | ``gat`` | ``gcn`` when ``graph`` is a modality, else ``None``."""
    graph_hidden: int = 64
    """Node embedding width of the graph encoder (divisible by ``graph_heads``)."""
    graph_layers: int = 2
    """Message-passing layers."""
    graph_heads: int = 4
    """Attention heads (HGT, GAT)."""
    cnn_channels: tuple[int, int] = (8, 16)
    """Channels of the two strided conv layers of each image encoder."""
    image_dim: int = 64
    """Output width of each image encoder."""
    state_hidden: int = 64
    """Hidden/output width of the game-state MLP."""
    features_dim: int = 128
    """Width of the fused feature vector the policy and value heads read."""
    net_arch: tuple[int, ...] = (64,)
    """Hidden layers of the policy and value heads (separate heads, same sizes)."""
    extra: dict = field(default_factory=dict)
    """Free-form notes logged with the config (kept for forward compatibility)."""

    def __post_init__(self):
        bad = [m for m in self.modalities if m not in MODALITIES]
        if bad:
            raise ValueError(f"architecture {self.name!r}: unknown modalities {bad}; known: {MODALITIES}")
        if ("graph" in self.modalities) != (self.graph_encoder is not None):
            raise ValueError(f"architecture {self.name!r}: graph_encoder must be set iff 'graph' is a modality")
        if self.graph_encoder is not None and self.graph_encoder not in GRAPH_ENCODERS:
            raise ValueError(f"architecture {self.name!r}: graph_encoder must be one of {GRAPH_ENCODERS}")
        if self.graph_encoder in ("hgt", "gat") and self.graph_hidden % self.graph_heads:
            raise ValueError(f"architecture {self.name!r}: graph_hidden must be divisible by graph_heads")

    def to_dict(self) -> dict:
        return asdict(self)


_ALL = ("player_frame", "global_view", "graph", "game_state")

ARCHITECTURES: dict[str, ArchitectureSpec] = {
    a.name: a
    for a in (
        ArchitectureSpec(
            "full_hgt",
            "all modalities: two lean CNNs, heterogeneous graph transformer, state MLP",
            _ALL,
            graph_encoder="hgt",
            graph_layers=2,
            graph_heads=4,
        ),
        ArchitectureSpec(
            "vision_free",
            "graph (HGT) + game state, no images",
            ("graph", "game_state"),
            graph_encoder="hgt",
            graph_layers=2,
            graph_heads=4,
        ),
        ArchitectureSpec(
            "local_only",
            "player frame + graph (HGT) + game state, no global view",
            ("player_frame", "graph", "game_state"),
            graph_encoder="hgt",
            graph_layers=2,
            graph_heads=4,
        ),
        ArchitectureSpec(
            "gat",
            "all modalities, graph attention (GATConv) over the homogeneous graph + type embeddings",
            _ALL,
            graph_encoder="gat",
            graph_layers=2,
            graph_heads=4,
        ),
        ArchitectureSpec(
            "gcn",
            "all modalities, GCNConv over a normalised sparse adjacency + type embeddings",
            _ALL,
            graph_encoder="gcn",
            graph_layers=2,
            graph_heads=1,
        ),
        ArchitectureSpec(
            "simplified_hgt",
            "all modalities, HGT with one layer and two heads, narrower",
            _ALL,
            graph_encoder="hgt",
            graph_hidden=32,
            graph_layers=1,
            graph_heads=2,
        ),
        ArchitectureSpec(
            "mlp_baseline",
            "game state only, two-layer MLP",
            ("game_state",),
            state_hidden=128,
            features_dim=128,
        ),
    )
}


def architecture_names() -> tuple[str, ...]:
    return tuple(ARCHITECTURES)


def get_architecture(name: str | ArchitectureSpec) -> ArchitectureSpec:
    """The registry entry for ``name``; unknown names raise ``ValueError`` listing the known ones."""
    if isinstance(name, ArchitectureSpec):
        return name
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; known architectures: {', '.join(ARCHITECTURES)}"
        ) from None
