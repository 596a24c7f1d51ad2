"""Build the actor-critic policy of an architecture, count its parameters, load weights into it.

PPO (:mod:`npp_rl.training`) and BC pretraining (:mod:`npp_rl.pretraining`) both build their network
with :func:`policy_kwargs` / :func:`build_policy`, so the whole policy (encoders, action head, value
head) transfers between them with :func:`load_policy_weights`.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.policies import MultiInputActorCriticPolicy

from npp_rl.envs.spec import ACTIONS, GLOBAL_VIEW_SHAPE, MAX_EDGES, MAX_NODES, PLAYER_FRAME_SHAPE, keys_for
from npp_rl.models.extractor import NppFeaturesExtractor
from npp_rl.models.registry import get_architecture


def policy_kwargs(architecture: str) -> dict:
    """``policy_kwargs`` for SB3's ``MultiInputPolicy`` implementing ``architecture``.

    Images reach the extractor unscaled (``normalize_images=False``) and its encoders scale them
    inside their first operation (``scale_images``), which saves SB3's separate ``/255`` pass.
    """
    spec = get_architecture(architecture)
    return dict(
        features_extractor_class=NppFeaturesExtractor,
        features_extractor_kwargs={"architecture": spec.name, "scale_images": True},
        normalize_images=False,
        net_arch=dict(pi=list(spec.net_arch), vf=list(spec.net_arch)),
    )


def build_policy(
    architecture: str,
    observation_space: gym.spaces.Dict,
    action_space: gym.spaces.Space | None = None,
    learning_rate: float = 3e-4,
) -> MultiInputActorCriticPolicy:
    """A fresh SB3 actor-critic policy for ``architecture`` (same class and layout PPO trains)."""
    action_space = action_space or gym.spaces.Discrete(len(ACTIONS))
    return MultiInputActorCriticPolicy(
        observation_space, action_space, lambda _: learning_rate, **policy_kwargs(architecture)
    )


def example_observation_space(architecture: str | None = None, game_state_dim: int | None = None,
                              node_feat_dim: int | None = None) -> gym.spaces.Dict:
    """An observation space with the spec's shapes, for sizing models without an environment.

    Game-state and node-feature lengths come from the environment when it is importable
    (``npp_rl.envs.game_state.GAME_STATE_DIM`` / ``npp_rl.envs.graph.NODE_FEAT_DIM``), else the
    nominal 32 and 16.
    """
    if game_state_dim is None:
        try:
            from npp_rl.envs.game_state import GAME_STATE_DIM as game_state_dim  # type: ignore
        except Exception:
            game_state_dim = 32
    if node_feat_dim is None:
        try:
            from npp_rl.envs.graph import NODE_FEAT_DIM as node_feat_dim  # type: ignore
        except Exception:
            node_feat_dim = 16
    f32 = np.float32
    spaces = {
        "player_frame": gym.spaces.Box(0, 255, PLAYER_FRAME_SHAPE, np.uint8),
        "global_view": gym.spaces.Box(0, 255, GLOBAL_VIEW_SHAPE, np.uint8),
        "game_state": gym.spaces.Box(-1, 1, (game_state_dim,), f32),
        "graph_node_feats": gym.spaces.Box(-np.inf, np.inf, (MAX_NODES, node_feat_dim), f32),
        "graph_node_type": gym.spaces.Box(0, 255, (MAX_NODES,), f32),
        "graph_node_mask": gym.spaces.Box(0, 1, (MAX_NODES,), f32),
        "graph_edge_index": gym.spaces.Box(0, MAX_NODES - 1, (2, MAX_EDGES), f32),
        "graph_edge_type": gym.spaces.Box(0, 255, (MAX_EDGES,), f32),
        "graph_edge_mask": gym.spaces.Box(0, 1, (MAX_EDGES,), f32),
    }
    if architecture is not None:
        keys = keys_for(get_architecture(architecture).modalities)
        spaces = {k: v for k, v in spaces.items() if k in keys}
    return gym.spaces.Dict(spaces)


def count_parameters(module_or_arch, observation_space: gym.spaces.Dict | None = None) -> int:
    """Trainable parameters of a module, or of the full policy of an architecture name."""
    if isinstance(module_or_arch, str):
        module_or_arch = build_policy(module_or_arch, observation_space or example_observation_space(module_or_arch))
    return sum(p.numel() for p in module_or_arch.parameters() if p.requires_grad)


def _state_dict_from_zip(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        if "policy.pth" not in names:
            raise ValueError(f"{path}: not an SB3 model zip (no policy.pth; has {names})")
        return torch.load(io.BytesIO(z.read("policy.pth")), map_location="cpu", weights_only=True)


def _find_weights(directory: Path) -> Path:
    found = sorted(directory.rglob("*.zip")) + sorted(directory.rglob("*.pt")) + sorted(directory.rglob("*.pth"))
    found = [f for f in found if not f.name.startswith("optimizer")]  # a checkpoint's optimiser state is no policy
    if not found:
        raise FileNotFoundError(f"no policy weights (*.zip, *.pt, *.pth) under {directory}")
    return found[0]


def resolve_weights(source: str | os.PathLike) -> Path:
    """A local weights file for ``source``: a file, a folder, ``runs:/``/``models:/`` URI or a run id."""
    s = str(source)
    p = Path(s)
    if p.is_file():
        return p
    if p.is_dir():
        return _find_weights(p)
    import mlflow

    if s.startswith(("runs:/", "models:/")) or "://" in s:
        local = mlflow.artifacts.download_artifacts(artifact_uri=s)
    else:  # a run id: its logged model (``model``) or, failing that, its last checkpoint
        client = mlflow.MlflowClient()
        try:
            client.get_run(s)
        except Exception as e:
            raise ValueError(f"--init-from {s!r}: not a file, folder, model URI or known run id ({e})") from None
        local = None
        for sub in ("model", "policy", "checkpoints"):
            try:
                local = mlflow.artifacts.download_artifacts(run_id=s, artifact_path=sub)
                break
            except Exception:
                continue
        if local is None:
            raise FileNotFoundError(f"run {s}: no 'model', 'policy' or 'checkpoints' artifacts to load weights from")
    lp = Path(local)
    return lp if lp.is_file() else _find_weights(lp)


def load_policy_weights(policy: torch.nn.Module, source, strict: bool = True) -> list[str]:
    """Load full policy weights (encoders + heads) from ``source`` into ``policy``.

    ``source``: an SB3 zip (``policy.pth`` inside), a ``state_dict`` file (``.pt``/``.pth``), a state
    dict, a folder holding one, a ``runs:/``/``models:/`` URI or an MLflow run id. Returns the
    keys missing from the source (only non-empty when ``strict=False``); shape mismatches raise a
    ``ValueError`` naming the architecture mismatch.
    """
    if isinstance(source, dict):
        state = source
    else:
        path = resolve_weights(source)
        if path.suffix == ".zip":
            state = _state_dict_from_zip(path)
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
            if isinstance(state, dict) and "policy" in state and isinstance(state["policy"], dict):
                state = state["policy"]
    try:
        res = policy.load_state_dict(state, strict=strict)
    except RuntimeError as e:
        raise ValueError(f"weights from {source!r} do not fit this policy (different architecture?): {e}") from None
    return list(res.missing_keys)
