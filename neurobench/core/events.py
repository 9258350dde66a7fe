"""Event lists in the layout the compiled kernels read: external events grouped by step (CSR)."""

from __future__ import annotations

import numpy as np


def events_by_step(steps: list, ids: list, n_steps: int):
    """Gather per-source event chunks into a CSR by step.

    ``steps[k]`` and ``ids[k]`` are equal-length integer arrays (steps relative to the segment,
    in [0, n_steps)); returns ``(ptr int64 [n_steps + 1], ids int32)`` with the events of step s
    at ``ids[ptr[s]:ptr[s + 1]]``, in the order they were given within a step (stable sort).
    """
    st = np.concatenate(steps) if steps else np.empty(0, np.int64)
    src = np.concatenate(ids) if ids else np.empty(0, np.int64)
    order = np.argsort(st, kind="stable")
    ptr = np.zeros(n_steps + 1, dtype=np.int64)
    np.cumsum(np.bincount(st, minlength=n_steps), out=ptr[1:])
    return ptr, src[order].astype(np.int32)
