"""The SB3 features extractor shared by every architecture."""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from npp_rl.envs.spec import keys_for
from npp_rl.models.encoders import LeanCNN, StateMLP
from npp_rl.models.graph import build_graph_encoder, flatten_graphs
from npp_rl.models.registry import ArchitectureSpec, get_architecture


class NppFeaturesExtractor(BaseFeaturesExtractor):
    """Encodes the modalities of one registry architecture and fuses them into ``features_dim``.

    ``architecture`` is a registry name (kept as a string so saved policies pickle small and load
    anywhere ``npp_rl`` is installed). All input sizes come from ``observation_space``; keys the
    architecture does not read are ignored, keys it needs but the space lacks raise ``ValueError``.

    ``scale_images``: the images arrive as raw 0-255 values (the policy is built with SB3's
    ``normalize_images=False``, as :func:`npp_rl.models.policy.policy_kwargs` does) and the image
    encoders fold the ``1/255`` into their first operation. ``False`` (the default, and what
    policies saved before this option load with) expects SB3's ``[0, 1]`` images.
    """

    def __init__(self, observation_space: gym.spaces.Dict, architecture: str | ArchitectureSpec = "mlp_baseline",
                 scale_images: bool = False):
        spec = get_architecture(architecture)
        super().__init__(observation_space, features_dim=spec.features_dim)
        self.spec = spec
        missing = [k for k in keys_for(spec.modalities) if k not in observation_space.spaces]
        if missing:
            raise ValueError(
                f"architecture {spec.name!r} needs observation keys {missing} that the observation space "
                f"lacks (it has {sorted(observation_space.spaces)})"
            )
        sp = observation_space.spaces
        self.scale_images = bool(scale_images)
        s = 1 / 255.0 if scale_images else 1.0
        self.encoders = nn.ModuleDict()
        if "player_frame" in spec.modalities:
            self.encoders["player_frame"] = LeanCNN(sp["player_frame"].shape, spec.cnn_channels, spec.image_dim, scale=s)
        if "global_view" in spec.modalities:
            self.encoders["global_view"] = LeanCNN(sp["global_view"].shape, spec.cnn_channels, spec.image_dim, pool=2,
                                                   scale=s)
        if "game_state" in spec.modalities:
            self.encoders["game_state"] = StateMLP(sp["game_state"].shape, spec.state_hidden)
        if "graph" in spec.modalities:
            self.encoders["graph"] = build_graph_encoder(
                spec.graph_encoder,
                sp["graph_node_feats"].shape[-1],
                spec.graph_hidden,
                spec.graph_layers,
                spec.graph_heads,
            )
        total = sum(e.out_dim for e in self.encoders.values())
        self.fusion = nn.Sequential(nn.Linear(total, spec.features_dim), nn.ReLU())
        #: autocast dtype of the encoders on CUDA (``--mixed-precision``, see
        #: :mod:`npp_rl.training.precision`); the output is float32 so SB3's heads and rollout
        #: buffer stay in float32. ``None`` = float32.
        self.autocast_dtype = None

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        any_obs = next(iter(observations.values()))
        dtype = getattr(self, "autocast_dtype", None)
        if dtype is not None and any_obs.is_cuda:
            with torch.autocast(device_type="cuda", dtype=dtype):
                return self._forward(observations).float()
        return self._forward(observations)

    def flatten(self, observations: dict[str, torch.Tensor]):
        """The batch's padded graph arrays as one disjoint graph (see :mod:`npp_rl.models.graph`)."""
        return flatten_graphs(observations)

    def _forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        parts = []
        for name, enc in self.encoders.items():
            if name == "graph":
                parts.append(enc(self.flatten(observations)))
            else:
                parts.append(enc(observations[name]))
        x = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        return self.fusion(x.float())
