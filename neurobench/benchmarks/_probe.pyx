# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Hardware probes for the speed floor of a LIF network: the measured cost of the two
elementary operations every clock-driven simulator must do.

* ``stream_ns``: one read-modify-write of a double in a cache-resident array, streamed
  (the floor of updating one state variable of one neuron; a LIF neuron with two synaptic
  variables and a refractory counter has four);
* ``scatter_ns``: one read-modify-write of a double at a random index of a small array
  (the floor of delivering one synaptic event into a buffer).

Both loops are as simple as the operation allows and are timed over many repetitions.
"""

import time

import numpy as np


def stream_ns(Py_ssize_t n=4000, Py_ssize_t reps=20000) -> float:
    """Nanoseconds per element of x[i] = x[i]·a + b over n doubles, repeated."""
    x = np.ones(n)
    cdef double[::1] xv = x
    cdef double a = 0.999, b = 1e-3
    cdef Py_ssize_t r, i
    t0 = time.perf_counter()
    with nogil:
        for r in range(reps):
            for i in range(n):
                xv[i] = xv[i] * a + b
    dt = time.perf_counter() - t0
    if not np.isfinite(x).all():
        raise RuntimeError("stream probe overflowed")
    return dt / (n * reps) * 1e9


def scatter_ns(Py_ssize_t size=16000, Py_ssize_t m=2_000_000, int seed=1) -> float:
    """Nanoseconds per ring[idx[k]] += w[k] at random idx in an array of ``size`` doubles."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, size, m).astype(np.int32)
    w = rng.random(m)
    ring = np.zeros(size)
    cdef int[::1] iv = idx
    cdef double[::1] wv = w, rv = ring
    cdef Py_ssize_t k
    t0 = time.perf_counter()
    with nogil:
        for k in range(m):
            rv[iv[k]] += wv[k]
    return (time.perf_counter() - t0) / m * 1e9
