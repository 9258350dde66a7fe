# cython: language_level=3
"""The growable record of spikes that the compiled kernels fill inside their ``nogil`` loop:
(step, id) per spike and, when asked, the spike's time within its step (the DYNAP-SE kernel).
Shared by ``neurobench.core._engine`` and ``neurobench.dynapse._kernel``."""

from libc.stdlib cimport realloc, free


cdef struct SpikeBuf:
    long long *steps
    int *ids
    double *frac          # NULL unless with_frac
    Py_ssize_t n
    Py_ssize_t cap
    bint with_frac


cdef inline void spikebuf_init(SpikeBuf *b, bint with_frac) noexcept nogil:
    b.steps = NULL
    b.ids = NULL
    b.frac = NULL
    b.n = 0
    b.cap = 0
    b.with_frac = with_frac


cdef inline void spikebuf_free(SpikeBuf *b) noexcept nogil:
    free(b.steps)
    free(b.ids)
    free(b.frac)
    spikebuf_init(b, b.with_frac)


cdef inline int spikebuf_push(SpikeBuf *b, long long step, int nid, double frac) noexcept nogil:
    """Append one spike (``frac`` ignored without fractions); −1 when memory runs out."""
    cdef Py_ssize_t newcap
    cdef void *p
    if b.n == b.cap:
        newcap = b.cap * 2 if b.cap > 0 else 4096
        p = realloc(b.steps, newcap * sizeof(long long))
        if p == NULL:
            return -1
        b.steps = <long long *> p
        p = realloc(b.ids, newcap * sizeof(int))
        if p == NULL:
            return -1
        b.ids = <int *> p
        if b.with_frac:
            p = realloc(b.frac, newcap * sizeof(double))
            if p == NULL:
                return -1
            b.frac = <double *> p
        b.cap = newcap
    b.steps[b.n] = step
    b.ids[b.n] = nid
    if b.with_frac:
        b.frac[b.n] = frac
    b.n += 1
    return 0


cdef inline tuple spikebuf_take(SpikeBuf *b):
    """The spikes as numpy arrays (steps int64, ids int32[, frac float64]); frees the buffer."""
    import numpy as np
    cdef Py_ssize_t r
    steps = np.empty(b.n, dtype=np.int64)
    ids = np.empty(b.n, dtype=np.int32)
    frac = np.empty(b.n if b.with_frac else 0, dtype=np.float64)
    cdef long long[::1] steps_v = steps
    cdef int[::1] ids_v = ids
    cdef double[::1] frac_v = frac
    for r in range(b.n):
        steps_v[r] = b.steps[r]
        ids_v[r] = b.ids[r]
        if b.with_frac:
            frac_v[r] = b.frac[r]
    spikebuf_free(b)
    return (steps, ids, frac) if b.with_frac else (steps, ids)
