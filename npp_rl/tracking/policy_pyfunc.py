"""A trained policy as an MLflow pyfunc: observations in, actions and action probabilities out.

The model artifact holds the stable-baselines3 policy zip (``policy.zip``); the observation
space saved in it tells how to shape and type the inputs. Input is a dict of arrays keyed by
observation name (batched, or a single unbatched observation), or a pandas DataFrame whose
columns hold one (nested-list) observation per row, which is what ``mlflow models serve``
hands over for ``{"dataframe_records": ...}``; ``{"inputs": {...}}`` arrives as a dict.
Output is a dict ``{"action": int64[n], "action_probs": float32[n, n_actions]}``.
Pass ``params={"deterministic": False}`` to sample instead of taking the most likely action.

Bad input (a missing key, a wrong shape, values that are not numbers, a batch mismatch) raises
:class:`PolicyInputError` naming the key and the expected shape; through ``predict`` it is raised as an
``MlflowException`` with ``INVALID_PARAMETER_VALUE``, which ``mlflow models serve`` answers with HTTP 400
and the message (instead of a 500-style "unexpected error" with a stack trace).
"""

from __future__ import annotations

import warnings
from typing import Any

import mlflow.pyfunc
import numpy as np

POLICY_ARTIFACT = "policy"


class PolicyInputError(ValueError):
    """The observation handed to the model does not match its observation space."""


warnings.filterwarnings("ignore", message=".*Add type hints to the `predict` method.*")


class PolicyPyfunc(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper around an SB3 policy zip."""

    # inputs are validated against the policy's observation space in ``_to_obs``; MLflow's type-hint
    # validation would only warn ("Add type hints ...") on every import
    _skip_type_hint_validation = True

    def load_context(self, context) -> None:
        self._load(context.artifacts[POLICY_ARTIFACT])

    def _load(self, path: str) -> None:
        import torch
        from stable_baselines3 import PPO

        torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
        self.model = PPO.load(path, device="cpu")
        self.policy = self.model.policy
        self.policy.set_training_mode(False)
        self.space = self.model.observation_space

    # ----------------------------------------------------------------- input handling
    def _to_obs(self, model_input: Any) -> tuple[dict[str, np.ndarray], int]:
        import pandas as pd

        if isinstance(model_input, pd.DataFrame):
            try:
                model_input = {c: np.stack([np.asarray(v) for v in model_input[c]]) for c in model_input.columns}
            except ValueError as e:
                raise PolicyInputError(f"dataframe rows do not hold observations of one shape per column ({e})") from None
        if not isinstance(model_input, dict):
            raise PolicyInputError(
                f"expected a dict of observation arrays (keys {sorted(self.space.spaces)}), "
                f"got {type(model_input).__name__}"
            )
        missing = [k for k in self.space.spaces if k not in model_input]
        if missing:
            raise PolicyInputError(f"observation is missing keys {missing}; expected {sorted(self.space.spaces)}")
        obs: dict[str, np.ndarray] = {}
        n = None
        for key, sub in self.space.spaces.items():
            try:
                raw = np.asarray(model_input[key])
                if raw.dtype == object or raw.dtype.kind in "USV":
                    raise ValueError("not a rectangular array of numbers")
                arr = raw.astype(sub.dtype, copy=False)
            except (TypeError, ValueError) as e:
                raise PolicyInputError(f"observation {key!r}: expected numbers of shape {sub.shape} or "
                                       f"(batch, *{sub.shape}), got {type(model_input[key]).__name__} ({e})") from None
            if not np.all(np.isfinite(arr)):
                raise PolicyInputError(f"observation {key!r} holds NaN or infinite values")
            if arr.shape == sub.shape:
                arr = arr[None]
            if arr.ndim == 0 or arr.shape[1:] != sub.shape:
                raise PolicyInputError(
                    f"observation {key!r} has shape {arr.shape}; expected {sub.shape} or (batch, *{sub.shape})"
                )
            if n is not None and arr.shape[0] != n:
                raise PolicyInputError(f"observation {key!r} has batch {arr.shape[0]}, others have {n}")
            n = arr.shape[0]
            obs[key] = arr
        return obs, int(n or 0)

    def predict_obs(self, obs: dict[str, np.ndarray], deterministic: bool = True) -> dict[str, np.ndarray]:
        import torch

        with torch.no_grad():
            tensor, _ = self.policy.obs_to_tensor(obs)
            dist = self.policy.get_distribution(tensor)
            probs = dist.distribution.probs
            actions = probs.argmax(dim=-1) if deterministic else dist.sample()
        return {"action": actions.cpu().numpy().astype(np.int64), "action_probs": probs.cpu().numpy().astype(np.float32)}

    def predict(self, context, model_input, params: dict | None = None):
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

        try:
            obs, n = self._to_obs(model_input)
        except PolicyInputError as e:  # -> HTTP 400 with this message from `mlflow models serve`
            raise MlflowException(f"bad observation: {e}", error_code=INVALID_PARAMETER_VALUE) from None
        if n == 0:
            raise MlflowException("bad observation: empty batch", error_code=INVALID_PARAMETER_VALUE)
        deterministic = bool((params or {}).get("deterministic", True))
        return self.predict_obs(obs, deterministic=deterministic)


def load_local(path: str) -> PolicyPyfunc:
    """Load a policy zip into the pyfunc wrapper without MLflow (tests, tools)."""
    m = PolicyPyfunc()
    m._load(path)
    return m
