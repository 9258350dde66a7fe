"""Event lists in the layout the compiled kernels read: external events grouped by step (CSR)."""

from __future__ import annotations

import numpy as np

from neurobench.core._engine import group_by_step, group_sorted_runs

RUNS_PER_EVENT_MAX = 1 / 64   # up to one sorted run per 64 events: the block-wise sort pays


def events_by_step(steps: list, ids: list, n_steps: int):
    """Gather per-source event chunks into a CSR by step.

    ``steps[k]`` and ``ids[k]`` are equal-length integer arrays (steps relative to the segment,
    in [0, n_steps)); returns ``(ptr int64 [n_steps + 1], ids int32)`` with the events of step s
    at ``ids[ptr[s]:ptr[s + 1]]``, in the order they were given within a step (stable sort).
    """
    st = np.ascontiguousarray(np.concatenate(steps) if steps else np.empty(0), dtype=np.int64)
    src = np.ascontiguousarray(np.concatenate(ids) if ids else np.empty(0), dtype=np.int64)
    if st.shape != src.shape:
        raise ValueError(f"steps and ids differ in length: {st.size} and {src.size}")
    if st.size and (st.min() < 0 or st.max() >= n_steps):
        raise ValueError(f"event steps must lie in [0, {n_steps}), got [{st.min()}, {st.max()}]")
    # chunks usually come sorted by step (a Poisson process, a spike generator): few sorted runs
    breaks = np.flatnonzero(st[1:] < st[:-1]) + 1
    if breaks.size <= RUNS_PER_EVENT_MAX * st.size:
        return group_sorted_runs(st, src, np.concatenate([[0], breaks, [st.size]]).astype(np.int64),
                                 n_steps)
    ptr = np.zeros(n_steps + 1, dtype=np.int64)
    np.cumsum(np.bincount(st, minlength=n_steps), out=ptr[1:])
    return ptr, group_by_step(st, src, ptr)


def runs_by_step(steps: np.ndarray, counts: np.ndarray, run_ids: np.ndarray, n_steps: int):
    """The CSR of ``events_by_step`` for events that come as runs sorted by step, each run from
    one source (``counts[r]`` events of source ``run_ids[r]``, e.g. one run per Poisson
    process, as ``bernoulli_steps`` draws them): grouped without a per-event id array."""
    st = np.ascontiguousarray(steps, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != np.shape(run_ids) or counts.sum() != st.size:
        raise ValueError(f"{counts.size} runs of {counts.sum()} events for {np.size(run_ids)} "
                         f"ids and {st.size} steps")
    if st.size and (st.min() < 0 or st.max() >= n_steps):
        raise ValueError(f"event steps must lie in [0, {n_steps}), got [{st.min()}, {st.max()}]")
    run_ptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=run_ptr[1:])
    return group_sorted_runs(st, None, run_ptr, n_steps,
                             np.ascontiguousarray(run_ids, dtype=np.int64))
