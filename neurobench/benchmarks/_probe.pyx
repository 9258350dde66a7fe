# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Hardware probes for the speed floor of a LIF network: the measured cost of the elementary
operations every clock-driven simulator must do.

* ``stream_ns``: one read-modify-write of a double in a cache-resident array, streamed
  (the floor of updating one state variable of one neuron; a LIF neuron with two synaptic
  variables and a refractory counter has four);
* ``chain_ns``: one read-modify-write of a double that depends on the previous one (a single
  neuron's state at step t + 1 depends on its state at step t: with one neuron the steps
  cannot overlap, so each costs at least this latency, not the streamed throughput);
* ``scatter_ns``: one read-modify-write of a double at a random index of a small array
  (the floor of delivering one synaptic event into a buffer, or of updating the weight and
  trace of the synapse that carried it);
* ``exponential_ns``: one standard exponential draw from numpy's default bit generator
  (PCG64), the floor of drawing one interval of a Poisson process (a train of k spikes
  needs k draws).

The loops are as simple as the operation allows and are timed over many repetitions, in
processor time of this thread (``time.thread_time``): other work on a shared machine then
lengthens a probe only through the caches it shares, not through the time it is scheduled.
"""

import time

import numpy as np
from cpython.pycapsule cimport PyCapsule_GetPointer
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport random_standard_exponential


def stream_ns(Py_ssize_t n=4000, Py_ssize_t reps=20000) -> float:
    """Nanoseconds per element of x[i] = x[i]·a + b over n doubles, repeated."""
    x = np.ones(n)
    cdef double[::1] xv = x
    cdef double a = 0.999, b = 1e-3
    cdef Py_ssize_t r, i
    t0 = time.thread_time()
    with nogil:
        for r in range(reps):
            for i in range(n):
                xv[i] = xv[i] * a + b
    dt = time.thread_time() - t0
    if not np.isfinite(x).all():
        raise RuntimeError("stream probe overflowed")
    return dt / (n * reps) * 1e9


def chain_ns(Py_ssize_t reps=2_000_000, double a=0.999, double b=1e-3) -> float:
    """Nanoseconds per x = x·a + b when each update needs the previous result (a and b are
    arguments, so that the compiler cannot fold the loop)."""
    cdef double x = 1.0
    cdef Py_ssize_t r
    t0 = time.thread_time()
    with nogil:
        for r in range(reps):
            x = x * a + b
    dt = time.thread_time() - t0
    if not np.isfinite(x):
        raise RuntimeError("chain probe overflowed")
    return dt / reps * 1e9


def exponential_ns(Py_ssize_t m=2_000_000, int seed=1) -> float:
    """Nanoseconds per standard exponential drawn from numpy's PCG64 (summed, so that the
    compiler keeps every draw)."""
    rng = np.random.default_rng(seed)
    cdef bitgen_t *bg = <bitgen_t *> PyCapsule_GetPointer(rng.bit_generator.capsule, "BitGenerator")
    cdef double acc = 0.0
    cdef Py_ssize_t k
    with rng.bit_generator.lock:
        t0 = time.thread_time()
        with nogil:
            for k in range(m):
                acc += random_standard_exponential(bg)
        dt = time.thread_time() - t0
    if not acc > 0:
        raise RuntimeError("exponential probe drew nothing")
    return dt / m * 1e9


def scatter_ns(Py_ssize_t size=16000, Py_ssize_t m=2_000_000, int seed=1) -> float:
    """Nanoseconds per ring[idx[k]] += w[k] at random idx in an array of ``size`` doubles."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, size, m).astype(np.int32)
    w = rng.random(m)
    ring = np.zeros(size)
    cdef int[::1] iv = idx
    cdef double[::1] wv = w, rv = ring
    cdef Py_ssize_t k
    t0 = time.thread_time()
    with nogil:
        for k in range(m):
            rv[iv[k]] += wv[k]
    return (time.thread_time() - t0) / m * 1e9
