"""Lean image and game-state encoders.

Two Nature-style CNNs cost ~35 GFLOP per 256-sample minibatch (forward+backward) and cap PPO on a
2-core CPU near 80–190 steps/s; these use two strided convolutions with few channels instead
(player frame 84x84: ~0.6 MMAC per sample; global view 100x176 after a 2x average pool: ~0.4 MMAC).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def image_layout(shape: tuple[int, ...]) -> tuple[bool, int, int, int]:
    """``(channels_first, C, H, W)`` of an image observation shape (SB3 may transpose to CHW)."""
    if len(shape) != 3:
        raise ValueError(f"image observation must have 3 dims, got shape {shape}")
    if shape[0] in (1, 3, 4) and shape[-1] not in (1, 3, 4):
        return True, shape[0], shape[1], shape[2]
    if shape[-1] in (1, 3, 4):
        return False, shape[2], shape[0], shape[1]
    return True, shape[0], shape[1], shape[2]


class LeanCNN(nn.Module):
    """``[avgpool] -> conv(k8, s4) -> ReLU -> conv(k4, s2) -> ReLU -> flatten -> linear -> ReLU``.

    Input is the image in either HWC or CHW layout, scaled by ``scale`` first: SB3 hands over
    ``[0, 1]`` images by default (``scale=1``); a policy built with ``normalize_images=False`` hands
    over raw 0-255 values and the encoder is built with ``scale=1/255``. The scaling is folded into
    the 2x2 average pool (global view) or into the first convolution's weights (player frame), so
    it costs no pass over the image; SB3's own ``/255`` was one, ~15 % of a gcn/gat update. The
    2x2 pool is two pairwise adds over a reshaped view (about half of ``avg_pool2d``'s time on
    CPU). Same parameters and, up to float rounding, the same outputs either way (tested).
    """

    def __init__(self, shape: tuple[int, ...], channels: tuple[int, int], out_dim: int, pool: int = 1,
                 scale: float = 1.0):
        super().__init__()
        self.channels_first, c, h, w = image_layout(tuple(shape))
        c1, c2 = channels
        layers: list[nn.Module] = [nn.AvgPool2d(pool)] if pool > 1 else []
        layers += [nn.Conv2d(c, c1, 8, stride=4), nn.ReLU(), nn.Conv2d(c1, c2, 4, stride=2), nn.ReLU(), nn.Flatten()]
        self.conv = nn.Sequential(*layers)  # the layout of the state dict; forward runs it piece by piece
        self.pool, self.scale = pool, float(scale)
        with torch.no_grad():
            n = self.conv(torch.zeros(1, c, h, w)).shape[1]
        self.fc = nn.Sequential(nn.Linear(n, out_dim), nn.ReLU())
        self.out_dim = out_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.channels_first:
            b, h, w, c = x.shape
            # one channel: a reshape gives plain NCHW strides; a permute would be taken for
            # channels-last, whose avg-pool/conv kernels are 3-5x slower on CPU (same values)
            x = x.reshape(b, 1, h, w) if c == 1 else x.permute(0, 3, 1, 2).contiguous()
        layers = list(self.conv)
        scale = self.scale
        if self.pool > 1:
            layers = layers[1:]
            x, scale = pool_scaled(x, self.pool, scale), 1.0
        first = layers[0]
        weight = first.weight if scale == 1.0 else first.weight * scale  # conv(s*x, W) == conv(x, s*W)
        x = torch.nn.functional.conv2d(x, weight, first.bias, first.stride)
        for layer in layers[1:]:
            x = layer(x)
        return self.fc(x)


def pool_scaled(x: torch.Tensor, k: int, scale: float = 1.0) -> torch.Tensor:
    """``scale * avg_pool2d(x, k)`` on NCHW ``x``; k=2 with even sizes as pairwise adds of a view."""
    b, c, h, w = x.shape
    if k != 2 or h % 2 or w % 2:
        out = torch.nn.functional.avg_pool2d(x, k)
        return out if scale == 1.0 else out * scale
    rows = x.reshape(b, c, h // 2, 2, w)
    rows = rows[:, :, :, 0] + rows[:, :, :, 1]  # (b, c, h/2, w)
    cols = rows.view(b, c, h // 2, w // 2, 2)
    return (cols[..., 0] + cols[..., 1]) * (scale / 4)


class StateMLP(nn.Module):
    """Two-layer MLP over the flat game-state vector (length read from the space)."""

    def __init__(self, shape: tuple[int, ...], hidden: int):
        super().__init__()
        n = int(np.prod(shape))
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(n, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.out_dim = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
