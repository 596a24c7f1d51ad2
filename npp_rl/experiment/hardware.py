"""What the machine has (GPUs, memory, CPUs), how many ranks ``--num-gpus`` gets, and hardware profiles."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class Hardware:
    gpus: int
    gpu_names: list[str]
    gpu_memory_gib: float
    """Memory of the smallest visible GPU (0 without GPUs)."""
    bf16: bool
    cpus: int


@dataclass
class HardwareProfile:
    """Settings a profile fills in where the flags left the defaults."""

    name: str
    num_envs: int
    batch_size: int
    n_steps: int


#: by name; ``auto`` picks one from the detected hardware
PROFILES = {
    "cpu": HardwareProfile("cpu", num_envs=8, batch_size=256, n_steps=64),
    "gpu-small": HardwareProfile("gpu-small", num_envs=64, batch_size=512, n_steps=128),
    "gpu-large": HardwareProfile("gpu-large", num_envs=128, batch_size=1024, n_steps=128),
}


def detect_hardware() -> Hardware:
    import torch

    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    names = [torch.cuda.get_device_name(i) for i in range(n)]
    mem = min((torch.cuda.get_device_properties(i).total_memory for i in range(n)), default=0) / 2**30
    return Hardware(n, names, mem, bool(n) and torch.cuda.is_bf16_supported(), os.cpu_count() or 1)


def pick_profile(hw: Hardware, name: str = "auto") -> HardwareProfile:
    if name != "auto":
        if name not in PROFILES:
            raise ValueError(f"--hardware-profile {name!r}: expected auto or one of {', '.join(PROFILES)}")
        return PROFILES[name]
    if hw.gpus == 0:
        return PROFILES["cpu"]
    return PROFILES["gpu-large" if hw.gpu_memory_gib >= 40 else "gpu-small"]


@dataclass
class Placement:
    """Where training runs: ``ranks`` processes (torchrun when > 1) on ``device`` with ``backend``."""

    ranks: int
    device: str
    backend: str
    warning: str | None = None


def place(num_gpus: int, hw: Hardware, backend: str | None = None) -> Placement:
    """``--num-gpus`` against what exists: 0 = CPU; more than present = a warning and what exists."""
    if num_gpus == 0:
        return Placement(1, "cpu", backend or "gloo")
    if hw.gpus == 0:
        return Placement(1, "cpu", backend or "gloo",
                         f"--num-gpus {num_gpus}: no CUDA GPU is visible (torch.cuda.is_available() is False); "
                         "training on the CPU in one process")
    ranks = min(num_gpus, hw.gpus)
    warning = None
    if ranks < num_gpus:
        warning = f"--num-gpus {num_gpus}: only {hw.gpus} GPU(s) visible ({', '.join(hw.gpu_names)}); using {ranks}"
    return Placement(ranks, "cuda", backend or "nccl", warning)
