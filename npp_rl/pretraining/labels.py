"""Input bytes -> environment actions, and the labelling rule for one decision window.

N++ input byte per frame: bit 0 jump, bit 1 right, bit 2 left; left+right = left; bit 3 (an unknown
button) is ignored (NPP_MECHANICS.md §6). The environment's ``Discrete(6)`` actions are
``spec.ACTIONS`` = noop, left, right, jump, jump+left, jump+right, each held for ``frame_skip`` frames.

A *decision window* is the ``frame_skip`` frames played after one observation: window ``k`` covers
input frames ``k*fs + 1 .. (k+1)*fs`` (frame 1 is the first frame after the spawn), i.e. bytes
``inputs[k*fs : (k+1)*fs]``, and is labelled with the observation taken after frame ``k*fs`` (the
one the agent sees BEFORE deciding).

Windows whose action changes mid-window ("mixed" windows) have no exact ``Discrete(6)`` equivalent.
Rule (``mixed="majority"``, the default): the label is the action held on most frames of the window;
a tie goes to the action of the window's FIRST frame when it is among the tied ones, else to the
earliest-starting tied action. The sample is kept and flagged ``mixed`` (its share is measured and
logged), so a consumer can drop them. ``mixed="first"`` labels with the first frame's action;
``mixed="drop"`` leaves mixed windows out of the dataset (the simulation still plays their exact
inputs, so later observations stay true to the recording).
"""

from __future__ import annotations

import numpy as np

#: N++ input byte (bits 0-2; bit 3 ignored) -> gym action (0 noop, 1 left, 2 right, 3 jump,
#: 4 jump+left, 5 jump+right). 6 (left+right) = left, 7 (left+right+jump) = jump+left.
INPUT_TO_ACTION = np.array([0, 3, 2, 5, 1, 4, 1, 4], dtype=np.int64)
#: Gym action -> canonical N++ input byte (the byte the environment feeds the simulator).
ACTION_TO_INPUT = np.array([0, 4, 2, 1, 5, 3], dtype=np.uint8)

MIXED_RULES = ("majority", "first", "drop")


def input_actions(inputs) -> np.ndarray:
    """Per-frame gym actions of a sequence of N++ input bytes (bit 3 ignored)."""
    b = np.frombuffer(bytes(inputs), dtype=np.uint8) if isinstance(inputs, (bytes, bytearray)) \
        else np.asarray(inputs, dtype=np.uint8)
    return INPUT_TO_ACTION[b & 7]


def window_label(frame_actions: np.ndarray, rule: str = "majority") -> tuple[int, bool]:
    """``(action, mixed)`` for one window's per-frame actions (length 1..frame_skip)."""
    a = np.asarray(frame_actions, dtype=np.int64)
    if a.size == 0:
        raise ValueError("an empty decision window has no label")
    first = int(a[0])
    mixed = bool((a != first).any())
    if not mixed or rule == "first":
        return first, mixed
    if rule not in MIXED_RULES:
        raise ValueError(f"mixed-window rule {rule!r}: expected one of {', '.join(MIXED_RULES)}")
    counts = np.bincount(a, minlength=6)
    best = counts.max()
    if counts[first] == best:
        return first, True
    tied = set(np.nonzero(counts == best)[0].tolist())
    for x in a:  # earliest-starting tied action
        if int(x) in tied:
            return int(x), True
    raise AssertionError("unreachable")


def window_labels(inputs, frame_skip: int, rule: str = "majority") -> tuple[np.ndarray, np.ndarray]:
    """Labels and mixed flags of every window of ``inputs`` (the last window may be short)."""
    acts = input_actions(inputs)
    n = -(-len(acts) // frame_skip)
    labels = np.zeros(n, np.int64)
    mixed = np.zeros(n, bool)
    for k in range(n):
        labels[k], mixed[k] = window_label(acts[k * frame_skip : (k + 1) * frame_skip], rule)
    return labels, mixed
