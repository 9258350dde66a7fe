# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, nonecheck=False
"""The compiled DYNAP-SE1 kernel: one ``nogil`` call advances the whole board by a segment.

State per neuron i (SI units): I_mem[i], the five DPI currents I[c, i] and the remaining pulse
time P[c, i] of each DPI (c = AMPA, NMDA, GABA_A, GABA_B, AHP), the refractory time left (s).
Equations: ``neurobench/dynapse/circuits.py``. Order within step s (t_s = s·dt):

1. probes sample the state at t_s;
2. external events of step s extend the pulses of their targets (P[c, j] += m·t_pulse[c, j]);
3. each DPI is advanced exactly over [t_s, t_s + dt] with the pulse on for min(P, dt):
   I ← I e^{−dt/τ} + I_∞ (e^{−(dt − t_on)/τ} − e^{−dt/τ}), and its exact mean over the step
   (the integral of the current / dt) is what drives the membrane in that step;
4. the membrane is advanced in y = ln I_mem by one exponential Rosenbrock–Euler step (second
   order, see ``_logstep``); the synaptic currents enter as their step means.
   Where ln I_mem would change by more than ``max_dlog`` (by more than max_dlog/10 above
   I_pfb,th − 40 I_pfb,norm), or I_mem by more than ``pfb_step`` within I_pfb,th ± 5 I_pfb,norm
   (where the feedback sigmoid bends), the step is split into equal sub-steps. A refractory neuron is
   held at I_reset; the refractory period runs in continuous time from the interpolated spike
   time, so a neuron may resume within a step;
5. I_mem ≥ I_spk → spike, its time interpolated in log I_mem within the step, I_mem ← I_reset,
   the AHP pulse is extended;
6. the spikes of step s extend the pulses of their CAM targets, effective from step s + 1
   (a routing latency of one step).

Validation happens in Python (``neurobench.dynapse.board``) before this call.
"""

from libc.stdlib cimport malloc, realloc, free
from libc.math cimport exp, expm1, log, fabs
import numpy as np


cdef struct SpikeBuf:
    long long *steps
    int *ids
    double *frac
    Py_ssize_t n
    Py_ssize_t cap


cdef inline int _push(SpikeBuf *b, long long step, int nid, double frac) noexcept nogil:
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
        p = realloc(b.frac, newcap * sizeof(double))
        if p == NULL:
            return -1
        b.frac = <double *> p
        b.cap = newcap
    b.steps[b.n] = step
    b.ids[b.n] = nid
    b.frac[b.n] = frac
    b.n += 1
    return 0


cdef inline void _deliver(Py_ssize_t src, Py_ssize_t n, long long[::1] src_ptr, int[::1] dl_tgt,
                          signed char[::1] dl_type, double[::1] dl_count,
                          double[::1] prem, double[::1] tpulse) noexcept nogil:
    cdef Py_ssize_t k, j
    for k in range(src_ptr[src], src_ptr[src + 1]):
        j = dl_type[k] * n + dl_tgt[k]
        prem[j] += dl_count[k] * tpulse[j]


cdef inline double _logstep(double im, double T, double iexc, double inmda, double ifn,
                            double ileak, double alpha, double inv_itau, double ig, double taum,
                            double i0, double pfb_gain, double pfb_th, double pfb_norm,
                            double pfb_skip) noexcept nogil:
    """The change of ln I_mem in one exponential Rosenbrock–Euler step (second order).

    dI/dt = N(I)/D(I), N = α (I_in − I_Σ) − (I_Σ − I_0) I / I_τ, D = τ (I + I_g)  (circuits.py),
    so dy/dt = F(y) = N/D and J = dF/dy = I (N' − F τ)/D; Δy = T·F·(e^{JT} − 1)/(JT).
    In y the growth from I_0 after a reset is nearly linear in time, and J carries the
    stiffness of the leak and of the positive feedback. Returns Δy (I_new = I·e^{Δy})."""
    cdef double iin = iexc
    cdef double din = 0.0
    cdef double pfb = 0.0
    cdef double dpfb = 0.0
    cdef double sg, e, z, phi, F, N, dN, invD, y, q
    if inmda > 0.0:
        q = 1.0 / (im + ifn)
        iin = iexc + inmda * im * q                     # NMDA gate I_nmda / (1 + I_f/I_mem)
        din = inmda * ifn * q * q
    if im > pfb_skip:
        e = exp(-(im - pfb_th) / pfb_norm)
        sg = 1.0 / (1.0 + e)
        pfb = pfb_gain * sg
        dpfb = pfb_gain * sg * (1.0 - sg) / pfb_norm
    cdef double isig = ileak - pfb
    N = alpha * (iin - isig) - (isig - i0) * im * inv_itau
    # dI_Σ/dI = −dpfb
    dN = alpha * (din + dpfb) + (dpfb * im - (isig - i0)) * inv_itau
    invD = 1.0 / (taum * (im + ig))
    F = N * invD
    z = im * (dN - F * taum) * invD * T
    if z > 50.0:
        z = 50.0
    if fabs(z) < 0.05:
        phi = 1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0)))   # (e^z − 1)/z, error < 1e-7
    else:
        phi = expm1(z) / z
    y = T * F * phi
    return y if y < 50.0 else 50.0


cdef inline double _exp_small(double x) noexcept nogil:
    """e^x: Taylor series to x⁵ for |x| < 0.05 (relative error < 3e-11), libm otherwise."""
    if fabs(x) < 0.05:
        return 1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0)))))
    return exp(x)


def run_kernel(long long step0, long long n_steps, double dt,
               double[::1] imem, double[::1] isyn, double[::1] prem, double[::1] ref_rem,
               double[::1] itau, double[::1] alpha, double[::1] inv_itau, double[::1] igain,
               double[::1] tau_mem, double[::1] idc,
               double[::1] ifnmda, double[::1] tref,
               double[::1] decay, double[::1] gavg, double[::1] inv_tau, double[::1] iinf,
               double[::1] tpulse,
               double i0, double ispk, double ireset,
               double pfb_gain, double pfb_th, double pfb_norm, double max_dlog, double pfb_step,
               long long[::1] ext_ptr, int[::1] ext_src,
               long long[::1] src_ptr, int[::1] dl_tgt, signed char[::1] dl_type,
               double[::1] dl_count,
               int[::1] rec_idx, long long rec_every, double[:, :, ::1] rec):
    """Advance the board by ``n_steps`` steps of ``dt`` seconds from global step ``step0``.

    State arrays are modified in place; ``isyn``, ``prem``, ``decay``, ``inv_tau``, ``iinf``
    and ``tpulse`` are (5, n) arrays flattened row-major. Returns the spikes as
    ``(steps int64, ids int32, frac float64)`` (time = (step + frac)·dt) and the probe rows.
    """
    cdef Py_ssize_t n = imem.shape[0]
    cdef Py_ssize_t n_rec = rec_idx.shape[0]
    cdef Py_ssize_t s, i, c, k, r, j, row = 0
    cdef long long g
    cdef int n_spk, err = 0
    cdef double im, im_new, iold, inew, rem
    cdef double T, iexc, ileak, frac, tin, sub, t_done, e_on, e_off, i_on
    cdef double qmax = exp(max_dlog)
    cdef int m, m2
    cdef double itrial, dy, lo, hi
    cdef double pfb_lo = pfb_th - 5.0 * pfb_norm
    cdef double pfb_hi = pfb_th + 5.0 * pfb_norm
    cdef double pfb_skip = pfb_th - 40.0 * pfb_norm     # below: I_pfb < 5e-18 I_pfb,gain
    cdef double avg[5]
    cdef int *spiking = <int *> malloc((n if n > 0 else 1) * sizeof(int))
    cdef SpikeBuf buf
    buf.steps = NULL
    buf.ids = NULL
    buf.frac = NULL
    buf.n = 0
    buf.cap = 0
    if spiking == NULL:
        raise MemoryError("cannot allocate kernel work arrays")

    with nogil:
        for s in range(n_steps):
            g = step0 + s
            if n_rec > 0 and g % rec_every == 0:
                for k in range(n_rec):
                    i = rec_idx[k]
                    rec[row, 0, k] = imem[i]
                    for c in range(5):
                        rec[row, c + 1, k] = isyn[c * n + i]
                row += 1
            for r in range(ext_ptr[s], ext_ptr[s + 1]):
                _deliver(ext_src[r], n, src_ptr, dl_tgt, dl_type, dl_count, prem, tpulse)
            n_spk = 0
            for i in range(n):
                # DPI circuits: exact update with the pulse on for min(P, dt)
                for c in range(5):
                    j = c * n + i
                    iold = isyn[j]
                    rem = prem[j]
                    # avg[c]: the exact mean of the current over the step (its integral / dt)
                    if rem > 0.0:
                        if rem >= dt:
                            inew = iinf[j] + (iold - iinf[j]) * decay[j]
                            avg[c] = iinf[j] + (iold - iinf[j]) * gavg[j]
                            rem = rem - dt
                            if rem < 1e-15:
                                rem = 0.0
                        else:
                            e_on = exp(-rem * inv_tau[j])
                            e_off = exp(-(dt - rem) * inv_tau[j])
                            i_on = iinf[j] + (iold - iinf[j]) * e_on
                            inew = i_on * e_off
                            avg[c] = (iinf[j] * rem + ((iold - iinf[j]) * (1.0 - e_on)
                                      + i_on * (1.0 - e_off)) / inv_tau[j]) / dt
                            rem = 0.0
                        prem[j] = rem
                    elif iold != 0.0:
                        inew = iold * decay[j]
                        avg[c] = iold * gavg[j]
                        if inew < 1e-21:
                            inew = 0.0                   # below 1 zA: flushed (idle circuit)
                    else:
                        inew = 0.0
                        avg[c] = 0.0
                    isyn[j] = inew
                # membrane: held at I_reset while refractory (continuous time), then integrated
                T = dt
                im = imem[i]
                if ref_rem[i] > 0.0:
                    if ref_rem[i] >= dt:
                        ref_rem[i] -= dt
                        imem[i] = ireset
                        continue
                    T = dt - ref_rem[i]
                    ref_rem[i] = 0.0
                    im = ireset
                iexc = idc[i] + avg[0] - avg[3]
                ileak = itau[i] + avg[4] + avg[2]
                dy = _logstep(im, T, iexc, avg[1], ifnmda[i], ileak, alpha[i], inv_itau[i],
                              igain[i], tau_mem[i], i0, pfb_gain, pfb_th, pfb_norm, pfb_skip)
                im_new = im * _exp_small(dy)
                # split the step where ln I_mem changes by more than max_dlog, or where I_mem
                # moves by more than pfb_step above the feedback onset (fast phases: growth
                # after reset, spike upswing)
                m = 1
                itrial = im_new
                if im_new > 2.0 * ispk:                 # an overshoot only needs to reach I_spk
                    itrial = 2.0 * ispk
                    dy = log(itrial / im)
                if fabs(dy) > max_dlog:
                    m = 1 + <int> (fabs(dy) / max_dlog)
                if pfb_step > 0.0 and (itrial > pfb_skip or im > pfb_skip):
                    # approaching the feedback onset: ln I_mem in steps of max_dlog/10 …
                    if fabs(dy) > 0.1 * max_dlog:
                        m2 = 1 + <int> (fabs(dy) / (0.1 * max_dlog))
                        if m2 > m:
                            m = m2
                    # … and across I_pfb,th ± 5 I_pfb,norm in steps of pfb_step
                    lo = im if im < itrial else itrial
                    hi = itrial if im < itrial else im
                    if lo < pfb_lo:
                        lo = pfb_lo
                    if hi > pfb_hi:
                        hi = pfb_hi
                    if hi - lo > pfb_step:
                        m2 = 1 + <int> ((hi - lo) / pfb_step)
                        if m2 > m:
                            m = m2
                if m > 4096:
                    m = 4096
                sub = T / m
                t_done = dt - T
                for k in range(m):
                    if m > 1:
                        dy = _logstep(im, sub, iexc, avg[1], ifnmda[i], ileak, alpha[i],
                                      inv_itau[i], igain[i], tau_mem[i], i0, pfb_gain, pfb_th,
                                      pfb_norm, pfb_skip)
                        im_new = im * _exp_small(dy)
                    if im_new < i0:
                        im_new = i0
                    if im_new >= ispk:
                        # crossing time: log-linear interpolation of I_mem within the sub-step
                        if im_new > im and im > 0.0:
                            frac = log(ispk / im) / log(im_new / im)
                        else:
                            frac = 1.0
                        if frac < 0.0:
                            frac = 0.0
                        if frac > 1.0:
                            frac = 1.0
                        tin = t_done + frac * sub           # spike time after t_s (s)
                        if _push(&buf, g, <int> i, tin / dt) != 0:
                            err = 1
                            break
                        spiking[n_spk] = <int> i
                        n_spk += 1
                        im_new = ireset
                        ref_rem[i] = tref[i] - (dt - tin)
                        if ref_rem[i] < 0.0:
                            ref_rem[i] = 0.0
                        prem[4 * n + i] += tpulse[4 * n + i]
                        break
                    im = im_new
                    t_done += sub
                if err:
                    break
                imem[i] = im_new
            if err:
                break
            for r in range(n_spk):
                _deliver(spiking[r], n, src_ptr, dl_tgt, dl_type, dl_count, prem, tpulse)

    free(spiking)
    if err:
        free(buf.steps)
        free(buf.ids)
        free(buf.frac)
        raise MemoryError("cannot grow the spike buffer")
    steps = np.empty(buf.n, dtype=np.int64)
    ids = np.empty(buf.n, dtype=np.int32)
    fr = np.empty(buf.n, dtype=np.float64)
    cdef long long[::1] steps_v = steps
    cdef int[::1] ids_v = ids
    cdef double[::1] fr_v = fr
    for r in range(buf.n):
        steps_v[r] = buf.steps[r]
        ids_v[r] = buf.ids[r]
        fr_v[r] = buf.frac[r]
    free(buf.steps)
    free(buf.ids)
    free(buf.frac)
    return steps, ids, fr, row
