# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, nonecheck=False
"""Compiled send-on-delta kernel: every channel of a sampled signal in one ``nogil`` pass.

Per channel c the reference level is r = x0[c] + m·δ[c] with an integer level index m (no
drift from repeated additions). At sample k the signal value v = x[k, c] is compared with the
next levels up, r + δ, and down, r − δ; while v lies on or beyond one of them, one event of
polarity ±1 is emitted and m moves by ±1. The event time is the linear interpolation of the
crossing on the segment (t[k−1], x[k−1]) → (t[k], x[k]) (t[0] at the first sample), delayed
to t_last + refractory when the channel is still refractory; an event that would fall after
t[k] stays pending and is re-examined at the next sample (dropped if the signal went back).
Validation happens in Python (``level_crossing.encode``).
"""

from libc.stdlib cimport malloc, realloc, free
import numpy as np


cdef struct EventBuf:
    double *t
    int *ch
    signed char *pol
    Py_ssize_t n
    Py_ssize_t cap


cdef inline int _push(EventBuf *b, double t, int ch, signed char pol) noexcept nogil:
    cdef Py_ssize_t newcap
    cdef void *p
    if b.n == b.cap:
        newcap = b.cap * 2 if b.cap > 0 else 65536
        p = realloc(b.t, newcap * sizeof(double))
        if p == NULL:
            return -1
        b.t = <double *> p
        p = realloc(b.ch, newcap * sizeof(int))
        if p == NULL:
            return -1
        b.ch = <int *> p
        p = realloc(b.pol, newcap * sizeof(signed char))
        if p == NULL:
            return -1
        b.pol = <signed char *> p
        b.cap = newcap
    b.t[b.n] = t
    b.ch[b.n] = ch
    b.pol[b.n] = pol
    b.n += 1
    return 0


cdef int _encode(const double[:, ::1] x, const double[::1] t, const double[::1] delta,
                 const double[::1] x0, double refractory, long long[::1] level,
                 double[::1] t_last, EventBuf *buf) noexcept nogil:
    cdef Py_ssize_t T = x.shape[0], C = x.shape[1], k, c
    cdef double v, xp, lvl, tc, te
    cdef signed char pol
    for k in range(T):
        for c in range(C):
            v = x[k, c]
            while True:
                lvl = x0[c] + (level[c] + 1) * delta[c]
                if v >= lvl:
                    pol = 1
                else:
                    lvl = x0[c] + (level[c] - 1) * delta[c]
                    if v <= lvl:
                        pol = -1
                    else:
                        break
                if k == 0:
                    tc = t[0]
                else:
                    xp = x[k - 1, c]
                    if (pol == 1 and xp >= lvl) or (pol == -1 and xp <= lvl):
                        tc = t[k - 1]      # crossed earlier, held back by the refractory period
                    else:
                        tc = t[k - 1] + (lvl - xp) / (v - xp) * (t[k] - t[k - 1])
                te = tc
                if t_last[c] + refractory > te:
                    te = t_last[c] + refractory
                if te > t[k]:
                    break          # still refractory: pending until a later sample
                if _push(buf, te, <int> c, pol) != 0:
                    return -1
                level[c] += pol
                t_last[c] = te
    return 0


def encode_kernel(const double[:, ::1] x, const double[::1] t, const double[::1] delta,
                  const double[::1] x0, double refractory):
    """Raw events (t, channel, polarity) in emission order (sample by sample)."""
    cdef Py_ssize_t C = x.shape[1]
    cdef long long[::1] level = np.zeros(C, dtype=np.int64)
    cdef double[::1] t_last = np.full(C, -np.inf)
    cdef EventBuf buf
    cdef int rc
    buf.t = NULL
    buf.ch = NULL
    buf.pol = NULL
    buf.n = 0
    buf.cap = 0
    try:
        with nogil:
            rc = _encode(x, t, delta, x0, refractory, level, t_last, &buf)
        if rc != 0:
            raise MemoryError("level_crossing.encode: out of memory for the event buffer")
        out_t = np.empty(buf.n, dtype=np.float64)
        out_c = np.empty(buf.n, dtype=np.int64)
        out_p = np.empty(buf.n, dtype=np.int8)
        _copy(buf, out_t, out_c, out_p)
        return out_t, out_c, out_p
    finally:
        free(buf.t)
        free(buf.ch)
        free(buf.pol)


cdef void _copy(EventBuf buf, double[::1] ot, long long[::1] oc, signed char[::1] op) noexcept:
    cdef Py_ssize_t i
    with nogil:
        for i in range(buf.n):
            ot[i] = buf.t[i]
            oc[i] = buf.ch[i]
            op[i] = buf.pol[i]
