# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, nonecheck=False
"""The compiled DYNAP-SE1 kernel: one ``nogil`` call advances the whole board by a segment.

State per neuron i (SI units): I_mem[i], the five DPI currents I[c, i] and the remaining pulse
time P[c, i] of each DPI (c = AMPA, NMDA, GABA_A, GABA_B, AHP), the refractory time left (s).
Equations: ``neurobench/dynapse/circuits.py``. Order within step s (t_s = s·dt):

1. probes sample the state at t_s;
2. external events of step s extend the pulses of their targets (P[c, j] += m·t_pulse[c, j]);
3. each DPI is advanced exactly over [t_s, t_s + dt] with the pulse on for min(P, dt):
   I ← I e^{−dt/τ} + I_∞ (e^{−(dt − t_on)/τ} − e^{−dt/τ}), and its exact mean over the step
   (the integral of the current / dt) is what drives the membrane in that step. Circuits
   without a pulse decay in one vector pass per circuit (a circuit idle on every neuron is
   skipped); the few with a pulse (a list kept by the event delivery) are updated one by one;
4. the membrane is advanced in y = ln I_mem by a third-order step: the exponential
   Rosenbrock–Euler step plus the h³ term it misses (``dyn_step`` in ``_dynapse_kernels.h``,
   with F, J = dF/dy and its derivatives analytic); the synaptic currents enter as their step
   means. Where the step's local error bound (the h⁴ term) exceeds ``err_tol``, or ln I_mem
   would change by more than ``max_dlog``, the step is split into sub-steps, each chosen from
   the bound at its start. A vector pass over the board advances every neuron that needs one
   step and neither spikes nor leaves its refractory period within it (the benchmark: ~98 %
   of neuron-steps); the others follow one by one, with the same functions (the same numbers),
   their first sub-step from the F, J, F_yy, F_yyy the vector pass computed with the same
   arguments.
   A refractory neuron is held at I_reset; the refractory period runs in continuous time from
   the spike time, so a neuron may resume within a step;
5. I_mem ≥ I_spk → spike, its time where the step's continuous extension crosses ln I_spk
   (closed form without the h³ term, then one Newton step), I_mem ← I_reset, the AHP pulse is
   extended;
6. the spikes of step s extend the pulses of their CAM targets, effective from step s + 1
   (a routing latency of one step).

Validation happens in Python (``neurobench.dynapse.board``) before this call.
"""

from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.math cimport exp, expm1, log, log1p, fabs, sqrt
from libc.stdint cimport int64_t
import numpy as np

from neurobench.core._spikebuf cimport (SpikeBuf, spikebuf_free, spikebuf_init, spikebuf_push,
                                        spikebuf_take)


cdef extern from "_dynapse_kernels.h" nogil:
    ctypedef struct dyn_membrane:
        double i0, ispk, pfb_gain, pfb_th, inv_pfb_norm, pfb_skip, max_dlog, tol
    double dyn_exp(double x)
    double dyn_slope(double im, double iexc, double inmda, double ifn, double ileak,
                     double alpha, double inv_itau, double ig, double taum,
                     const dyn_membrane *P, int has_nmda, double *J, double *Fyy,
                     double *Fyyy)
    double dyn_step(double h, double F, double Fyy, double phi)
    double dyn_step_error(double F, double J, double Fyy, double Fyyy)
    double dyn_phi1_series(double z)
    double dyn_exp_series(double x)
    int dyn_dpi_decay(Py_ssize_t n, double *isyn, double *avg, const double *decay,
                      const double *gavg)
    int64_t dyn_membrane_pass(Py_ssize_t n, double dt, double *imem, double *ref_rem,
                              int64_t *flag, double *slope, const double *a0, const double *a1,
                              const double *a2, const double *a3, const double *a4,
                              const double *itau, const double *alpha, const double *inv_itau,
                              const double *igain, const double *tau_mem, const double *idc,
                              const double *ifnmda, double ireset, const dyn_membrane *P,
                              int has_nmda, int64_t *n_single)


cdef struct Pulses:
    # the DPI circuits j = c·n + i whose pulse extender is on (prem[j] > 0), in any order
    int *j
    Py_ssize_t n
    int *live                   # per circuit: some current or pulse is non-zero


cdef inline void _deliver(Py_ssize_t src, long long[::1] src_ptr, int[::1] dl_j,
                          signed char[::1] dl_type, double[::1] dl_pulse,
                          double[::1] prem, Pulses *pl) noexcept nogil:
    """Extend the pulses of the CAM targets of ``src`` (j = type·n + target, m·t_pulse[j])."""
    cdef Py_ssize_t k, j
    for k in range(src_ptr[src], src_ptr[src + 1]):
        j = dl_j[k]
        if prem[j] <= 0.0:
            pl.j[pl.n] = <int> j
            pl.n += 1
            pl.live[dl_type[k]] = 1
        prem[j] += dl_pulse[k]


cdef inline bint _too_long(long long m, double x, double y) noexcept nogil:
    return <double> (m * m) * <double> (m * m) < x or <double> m < y


cdef inline double _substep(double F, double E4, double rem, const dyn_membrane *P) noexcept nogil:
    """Length (s) of the next sub-step of the remaining ``rem`` seconds of a step: ``rem``/m
    with the smallest m (≤ 4096) such that the local error bound E4·h⁴ (``dyn_step_error``)
    is ≤ tol and |Δ ln I_mem| ≈ |F| h ≤ max_dlog. Re-chosen after every sub-step. m is
    counted up from 1; past 8 the count resumes just below the estimate max(x^¼, y), where
    m − 1 is checked to be too long (the test is monotone in m: the same m as counting on)."""
    cdef double x = E4 * (rem * rem) * (rem * rem) / P.tol
    cdef double y = fabs(F) * rem / P.max_dlog
    cdef long long m = 1, ms
    cdef double t
    while m < 8 and _too_long(m, x, y):
        m += 1
    if m == 8 and _too_long(m, x, y):
        t = sqrt(sqrt(x))
        if y > t:
            t = y
        ms = <long long> t - 1 if t < 4097.0 else 4096
        if ms > m and _too_long(ms - 1, x, y):
            m = ms
        while m < 4096 and _too_long(m, x, y):
            m += 1
    return rem / m


cdef inline double _phi1(double z) noexcept nogil:
    """(e^z − 1)/z: the series for |z| < 0.05 (as the vector pass), libm otherwise."""
    if fabs(z) < 0.05:
        return dyn_phi1_series(z)
    return expm1(z) / z


cdef inline double _exp_small(double x) noexcept nogil:
    """e^x: the series for |x| < 0.05 (as the vector pass), libm otherwise."""
    if fabs(x) < 0.05:
        return dyn_exp_series(x)
    return exp(x)


def exp_check(double[::1] x, double[::1] out):
    """dyn_exp of the kernel, elementwise (its accuracy is tested against numpy)."""
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = dyn_exp(x[i])


def run_kernel(long long step0, long long n_steps, double dt,
               double[::1] imem, double[::1] isyn, double[::1] prem, double[::1] ref_rem,
               double[::1] itau, double[::1] alpha, double[::1] inv_itau, double[::1] igain,
               double[::1] tau_mem, double[::1] idc,
               double[::1] ifnmda, double[::1] tref,
               double[::1] decay, double[::1] gavg, double[::1] inv_tau, double[::1] tau,
               double[::1] iinf, double[::1] tpulse,
               double i0, double ispk, double ireset,
               double pfb_gain, double pfb_th, double pfb_norm, double max_dlog, double err_tol,
               long long[::1] ext_ptr, int[::1] ext_src,
               long long[::1] src_ptr, int[::1] dl_j, signed char[::1] dl_type,
               double[::1] dl_pulse,
               int[::1] rec_idx, long long rec_every, double[:, :, ::1] rec,
               long long[::1] stats):
    """Advance the board by ``n_steps`` steps of ``dt`` seconds from global step ``step0``.

    State arrays are modified in place; ``isyn``, ``prem``, ``decay``, ``inv_tau``, ``iinf``
    ``tau`` and ``tpulse`` are (5, n) arrays flattened row-major; the routing entries of a
    source are ``src_ptr[s] … src_ptr[s + 1] − 1`` of (``dl_j`` = type·n + target, ``dl_type``,
    ``dl_pulse`` = CAM multiplicity × t_pulse of the target circuit). ``stats`` (4 counters) is increased
    by: membrane steps integrated, steps held refractory, membrane sub-steps taken, steps
    split into several sub-steps. Returns the spikes as ``(steps int64, ids int32, frac
    float64)`` (time = (step + frac)·dt) and the number of probe rows written.
    """
    cdef Py_ssize_t n = imem.shape[0]
    cdef Py_ssize_t n_rec = rec_idx.shape[0]
    cdef Py_ssize_t stride = n + 8              # avg rows: 64 bytes apart modulo 4 KiB
    cdef Py_ssize_t s, i, c, k, r, j, q, row = 0
    cdef long long g
    cdef int n_spk, err = 0, has_nmda, pass_nmda, first
    cdef double im, im_new, iold, inew, rem, ii
    cdef double T, iexc, ileak, tin, h, t_done, e_on, e_off, i_on
    cdef double F, J, Fyy, Fyyy, z, dy, dl, y1, t1, x, one_m_on
    cdef double inv_dt = 1.0 / dt
    cdef long long n_int = 0, n_ref = 0, n_sub = 0, n_split = 0, m
    cdef int64_t n_single = 0
    cdef dyn_membrane P
    P.i0 = i0
    P.ispk = ispk
    P.pfb_gain = pfb_gain
    P.pfb_th = pfb_th
    P.inv_pfb_norm = 1.0 / pfb_norm
    P.pfb_skip = pfb_th - 40.0 * pfb_norm     # below: I_pfb < 5e-18 I_pfb,gain (neglected)
    P.max_dlog = max_dlog
    P.tol = err_tol
    cdef double log_ispk = log(ispk)
    cdef int live[5]
    cdef int avg_zero[5]
    cdef Pulses pl
    cdef int *spiking = <int *> malloc((n if n > 0 else 1) * sizeof(int))
    cdef int64_t *flag = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    cdef double *slope = <double *> malloc(4 * (n + 4) * sizeof(double))
    cdef double *sv
    cdef double *avg = <double *> malloc((5 * stride) * sizeof(double))
    cdef double *pnew = <double *> malloc((5 * n if n > 0 else 1) * sizeof(double))
    cdef double *pavg = <double *> malloc((5 * n if n > 0 else 1) * sizeof(double))
    pl.j = <int *> malloc((5 * n if n > 0 else 1) * sizeof(int))
    pl.n = 0
    pl.live = live
    cdef SpikeBuf buf
    spikebuf_init(&buf, True)
    cdef void *work[7]
    work[0], work[1], work[2], work[3], work[4], work[5] = spiking, flag, avg, pnew, pavg, pl.j
    work[6] = slope
    for k in range(7):
        if work[k] == NULL:
            for r in range(7):
                free(work[r])
            raise MemoryError("cannot allocate kernel work arrays")
    cdef double *a0 = avg
    cdef double *a1 = avg + stride
    cdef double *a2 = avg + 2 * stride
    cdef double *a3 = avg + 3 * stride
    cdef double *a4 = avg + 4 * stride

    with nogil:
        memset(avg, 0, 5 * stride * sizeof(double))
        for c in range(5):
            live[c] = 0
            avg_zero[c] = 1
            for i in range(n):
                j = c * n + i
                if prem[j] > 0.0:
                    pl.j[pl.n] = <int> j
                    pl.n += 1
                if prem[j] > 0.0 or isyn[j] != 0.0:
                    live[c] = 1
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
                _deliver(ext_src[r], src_ptr, dl_j, dl_type, dl_pulse, prem, &pl)
            # DPI circuits with a pulse: exact update with the pulse on for min(P, dt), from the
            # current before this step (saved in pnew/pavg; written after the decay pass)
            for k in range(pl.n):
                j = pl.j[k]
                iold = isyn[j]
                rem = prem[j]
                ii = iinf[j]
                # pavg: the exact mean of the current over the step (its integral / dt)
                if rem >= dt:
                    inew = ii + (iold - ii) * decay[j]
                    pavg[k] = ii + (iold - ii) * gavg[j]
                    rem = rem - dt
                    if rem < 1e-15:
                        rem = 0.0
                else:
                    # pulse on for rem < dt: e_on = e^{−rem/τ}, 1 − e_on by its series when
                    # rem/τ < 0.05 (to x⁸: relative error < 1e-17; the usual case, t_pulse ≪ τ)
                    x = rem * inv_tau[j]
                    if x < 0.05:
                        one_m_on = x * (1.0 - x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0 - x * (
                            1.0 / 120.0 - x * (1.0 / 720.0 - x * (1.0 / 5040.0 - x * (1.0 / 40320.0))))))))
                        e_on = 1.0 - one_m_on
                    else:
                        e_on = exp(-x)
                        one_m_on = -expm1(-x)
                    e_off = decay[j] / e_on           # e^{−(dt − rem)/τ}
                    i_on = ii + (iold - ii) * e_on
                    inew = i_on * e_off
                    pavg[k] = (ii * rem + ((iold - ii) * one_m_on + i_on * (1.0 - e_off))
                               * tau[j]) * inv_dt
                    rem = 0.0
                prem[j] = rem
                pnew[k] = inew
            # DPI circuits without a pulse (vector pass per circuit; idle circuits skipped)
            for c in range(5):
                if live[c]:
                    live[c] = dyn_dpi_decay(n, &isyn[c * n], avg + c * stride, &decay[c * n],
                                            &gavg[c * n])
                    avg_zero[c] = 0
                elif not avg_zero[c]:
                    memset(avg + c * stride, 0, n * sizeof(double))
                    avg_zero[c] = 1
            q = 0
            for k in range(pl.n):
                j = pl.j[k]
                c = j // n
                isyn[j] = pnew[k]
                avg[c * stride + (j - c * n)] = pavg[k]
                live[c] = 1
                avg_zero[c] = 0
                if prem[j] > 0.0:
                    pl.j[q] = <int> j
                    q += 1
            pl.n = q
            # membrane: one vector pass for the neurons that need a single step …
            pass_nmda = live[1] or not avg_zero[1]
            if pass_nmda:
                n_ref += dyn_membrane_pass(n, dt, &imem[0], &ref_rem[0], flag, slope, a0, a1, a2, a3,
                                           a4, &itau[0], &alpha[0], &inv_itau[0], &igain[0],
                                           &tau_mem[0], &idc[0], &ifnmda[0], ireset, &P, 1,
                                           &n_single)
            else:
                n_ref += dyn_membrane_pass(n, dt, &imem[0], &ref_rem[0], flag, slope, a0, a1, a2, a3,
                                           a4, &itau[0], &alpha[0], &inv_itau[0], &igain[0],
                                           &tau_mem[0], &idc[0], &ifnmda[0], ireset, &P, 0,
                                           &n_single)
            n_int += n_single
            n_sub += n_single
            # … then, one by one, those that split the step, spike or leave the refractory
            # period within it
            n_spk = 0
            for i in range(n):
                if not flag[i]:
                    continue
                # held at I_reset while refractory (continuous time), then integrated
                T = dt
                im = imem[i]
                has_nmda = a1[i] > 0.0
                # the first sub-step starts from the vector pass's dyn_slope where it had the
                # same arguments (not leaving the refractory period, the same NMDA branch)
                first = has_nmda == pass_nmda
                if ref_rem[i] > 0.0:
                    T = dt - ref_rem[i]
                    ref_rem[i] = 0.0
                    im = ireset
                    first = 0
                n_int += 1
                iexc = idc[i] + a0[i] - a3[i]
                ileak = itau[i] + a4[i] + a2[i]
                # exponential Rosenbrock–Euler sub-steps, each as long as its error bound allows
                t_done = dt - T
                m = 0
                while True:
                    if first:
                        sv = slope + 4 * (i - (i & 3)) + (i & 3)
                        F = sv[0]
                        J = sv[4]
                        Fyy = sv[8]
                        Fyyy = sv[12]
                        first = 0
                    else:
                        F = dyn_slope(im, iexc, a1[i], ifnmda[i], ileak, alpha[i], inv_itau[i],
                                      igain[i], tau_mem[i], &P, has_nmda, &J, &Fyy, &Fyyy)
                    rem = dt - t_done
                    h = _substep(F, dyn_step_error(F, J, Fyy, Fyyy), rem, &P)
                    z = J * h
                    if z > 50.0:
                        z = 50.0
                    dy = dyn_step(h, F, Fyy, _phi1(z))
                    if dy > 50.0:
                        dy = 50.0
                    im_new = im * _exp_small(dy)
                    m += 1
                    if im_new < i0:
                        im_new = i0
                    if im_new >= ispk:
                        # crossing time on the step's own continuous extension
                        # y(t) = y0 + t φ1(J t) F + F_yy F² t³/6: t = ln(1 + J Δ/F)/J solves it
                        # without the t³ term (Δ = ln(I_spk/I_mem)), one Newton step adds it
                        dl = log_ispk - log(im)
                        if F <= 0.0 or dl <= 0.0:
                            tin = 0.0
                        elif fabs(J * dl / F) < 1e-8:
                            tin = dl / F
                        elif J * dl / F > -1.0:
                            tin = log1p(J * dl / F) / J
                        else:
                            tin = h
                        if tin > h:
                            tin = h
                        if tin < 0.0:
                            tin = 0.0
                        y1 = dyn_step(tin, F, Fyy, _phi1(J * tin)) - dl
                        t1 = tin - y1 / (exp(J * tin) * F + 0.5 * Fyy * F * F * tin * tin)
                        if t1 >= 0.0 and t1 <= h:
                            tin = t1
                        tin = t_done + tin                  # spike time after t_s (s)
                        if spikebuf_push(&buf, g, <int> i, tin / dt) != 0:
                            err = 1
                            break
                        spiking[n_spk] = <int> i
                        n_spk += 1
                        im_new = ireset
                        ref_rem[i] = tref[i] - (dt - tin)
                        if ref_rem[i] < 0.0:
                            ref_rem[i] = 0.0
                        j = 4 * n + i
                        if prem[j] <= 0.0:
                            pl.j[pl.n] = <int> j
                            pl.n += 1
                            live[4] = 1
                        prem[j] += tpulse[j]
                        break
                    im = im_new
                    if h >= rem:
                        break
                    t_done += h
                n_sub += m
                if m > 1:
                    n_split += 1
                if err:
                    break
                imem[i] = im_new
            if err:
                break
            for r in range(n_spk):
                _deliver(spiking[r], src_ptr, dl_j, dl_type, dl_pulse, prem, &pl)

    for k in range(7):
        free(work[k])
    stats[0] += n_int
    stats[1] += n_ref
    stats[2] += n_sub
    stats[3] += n_split
    if err:
        spikebuf_free(&buf)
        raise MemoryError("cannot grow the spike buffer")
    steps, ids, fr = spikebuf_take(&buf)
    return steps, ids, fr, row
