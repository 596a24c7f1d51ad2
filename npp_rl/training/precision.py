"""Mixed precision for PPO (``--mixed-precision``): bf16 autocast where the GPU has it, else fp16 with
loss scaling by :class:`torch.amp.GradScaler`. Off by default; on CPU the flag is accepted and says so.

Only the features extractor (the encoders, where the FLOPs are) runs under autocast; its output is
cast back to float32, so SB3's heads, losses and rollout buffer stay float32. With fp16 the
gradient entering the encoders is multiplied by the scaler's scale (a hook on the extractor's
output) and, so that every gradient carries the same scale, so are the heads' gradients (parameter
hooks). The optimiser step then goes through ``scaler.unscale_`` / gradient clipping /
``scaler.step`` / ``scaler.update``: a step whose gradients overflowed is skipped and the scale drops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

MODES = ("fp32", "bf16", "fp16")


@dataclass
class Precision:
    """What a run trains in; ``mode`` is logged as the param ``train.precision``."""

    mode: str = "fp32"
    requested: bool = False
    reason: str = "not requested"

    @property
    def dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.mode)


def resolve_precision(device: torch.device, requested: bool, bf16_supported: bool | None = None) -> Precision:
    """fp32 unless ``requested``; then bf16 on a CUDA device that supports it, else fp16 on CUDA;
    CPU stays fp32 (autocast on CPU would slow these small convolutions down), with the reason."""
    if not requested:
        return Precision("fp32", False, "not requested (--mixed-precision is off)")
    if device.type != "cuda":
        return Precision("fp32", True, f"--mixed-precision has no effect on {device.type}: training in fp32")
    if bf16_supported is None:
        bf16_supported = torch.cuda.is_bf16_supported()
    if bf16_supported:
        return Precision("bf16", True, "bf16 autocast (the GPU supports bfloat16)")
    return Precision("fp16", True, "fp16 autocast with a GradScaler (the GPU lacks bfloat16)")


def apply_precision(model, precision: Precision, scaler_device: str = "cuda",
                    init_scale: float = 2.0**16) -> torch.amp.GradScaler | None:
    """Set the extractor's autocast dtype; for fp16 install the loss scaling. Returns the scaler (fp16).

    ``scaler_device``/``init_scale`` exist for tests (the scaling logic runs on a CPU too)."""
    ext = model.policy.features_extractor
    ext.autocast_dtype = precision.dtype
    if precision.mode != "fp16":
        return None
    scaler = torch.amp.GradScaler(scaler_device, init_scale=init_scale)
    scaler.scale(torch.ones((), device=scaler_device))  # creates the scale tensor that unscale_/update use
    model._amp_scaler = scaler

    def scale_grad(grad):
        return grad * scaler.get_scale()

    def on_forward(module, args, output):
        if output.requires_grad:
            output.register_hook(scale_grad)

    ext.register_forward_hook(on_forward)
    ext_params = {id(p) for p in ext.parameters()}
    for p in model.policy.parameters():
        if id(p) not in ext_params and p.requires_grad:
            p.register_hook(scale_grad)
    optimizer = model.policy.optimizer
    real_step = optimizer.step

    def step(*args, **kwargs):
        scaler.unscale_(optimizer)
        clip = getattr(model, "_amp_clip", None)
        if clip is not None and math.isfinite(clip):
            params = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
            torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step = real_step  # GradScaler.step calls optimizer.step
        try:
            out = scaler.step(optimizer, *args, **kwargs)
        finally:
            optimizer.step = step
        scaler.update()
        return out

    optimizer.step = step
    return scaler


def eval_precision_note(device: str = "cpu") -> str:
    """What evaluation runs in (it never autocasts: the policy is loaded on the CPU in float32)."""
    return f"fp32 on {device} (evaluation does not use mixed precision)"
