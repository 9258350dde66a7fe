# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, nonecheck=False
"""The compiled DYNAP-SE1 kernel: one ``nogil`` call advances the whole board by a segment.

State per neuron i (SI units): I_mem[i], the five DPI currents I[c, i] and the remaining pulse
time P[c, i] of each DPI (c = AMPA, NMDA, GABA_A, GABA_B, AHP), the refractory time left (s).
Equations: ``neurobench/dynapse/circuits.py``. Order within step s (t_s = s·dt):

1. probes sample the state at t_s;
2. external events of step s extend the pulses of their targets (P[c, j] += m·t_pulse[c, j]);
3. each DPI is advanced exactly over [t_s, t_s + dt] with the pulse on for min(P, dt):
   I ← I e^{−dt/τ} + I_∞ (e^{−(dt − t_on)/τ} − e^{−dt/τ}), and its exact mean over the step
   (the integral of the current / dt) is what drives the membrane in that step. The currents
   of the few circuits with a pulse (a list kept by the event delivery) are saved; every
   circuit then decays in one vector pass per circuit (a circuit idle on every neuron is
   skipped); then the pulse pass (``dyn_pulse_pass``, four circuits per vector, its constants
   one record per circuit) overwrites the circuits with a pulse with their exact update from
   the saved currents;
4. the membrane is advanced in y = ln I_mem by a third-order step: the exponential
   Rosenbrock–Euler step plus the h³ term it misses (``dyn_step`` in ``_dynapse_kernels.h``,
   with F, J = dF/dy and its derivatives analytic). The synaptic currents enter as their exact
   means over the (sub-)interval the step covers: a whole step takes the step means of 3.; a
   sub-step, or the part of a step after the refractory period, takes the means over its own
   sub-interval of each current fitted within the step (``dyn_input_fit``: a current pulsed
   through the step's end as A + C e^{(dt − t)/τ}; any other as its decay from its end value,
   with the charge its pulse's rise withholds placed over the pulse; both with the step's
   integral; ``dyn_sub_mean``). Where the step's local error bound (the h⁴ term) exceeds
   ``err_tol``, or ln I_mem would change by more than ``max_dlog``, the step is split into
   sub-steps, each chosen from the bound at its start: the slope with the inputs' means over
   the last sub-step's length (the whole step for the first) gives the bound and the sub-step
   h; where h differs, the slope again with the means over h drives the sub-step. A vector pass
   over the board advances every neuron that needs one step and neither spikes nor leaves its
   refractory period within it (the benchmark at 100 µs: ~98 % of neuron-steps); the split
   steps of the others (not those leaving the refractory period) follow in vector rounds
   (``dyn_membrane_substeps``: one sub-step per lane per round, each lane's input fits set up
   once per step and read by contiguous loads, the lanes packed in place between rounds, the
   exponentials outside their series' domain on packed vectors); the rest — steps
   in which a neuron spikes or leaves its refractory period — one by one (a split step that
   spikes in the rounds after its first sub-step goes on here from the state before the
   sub-step that spikes, flag 2, instead of being redone from the step's start). All three run the
   same functions in the same order (the same numbers whichever path), the first sub-step's
   bound from the F, J, F_yy, F_yyy the vector pass computed with the same arguments (and, in
   the rounds, its second slope from the pass's sigmoid, 1/D and NMDA term, which depend on
   I_mem only).
   A refractory neuron is held at I_reset; the refractory period runs in continuous time from
   the spike time, so a neuron may resume within a step;
5. I_mem ≥ I_spk → spike, its time where the step's continuous extension crosses ln I_spk
   (closed form without the h³ term, then one Newton step), I_mem ← I_reset, the AHP pulse is
   extended;
6. the spikes of step s extend the pulses of their CAM targets, effective from step s + 1
   (a routing latency of one step), in the order of the spikes and of each spike's routing
   entries; the routing row of the spike after next and the pulse states of the next spike's
   targets are prefetched meanwhile (the routing table is larger than the L2 cache).

With ``n_threads`` > 1 the board is cut into parts of whole chips, each advanced over the whole
segment by its own step loop on its own thread (``_run_part``: its own pulse list, spike buffer
and probe columns), when no routing entry leads from one part into another, so that the parts
are independent; the spikes are merged in the one-thread order, and the results do not depend on
the number of threads. Otherwise the board runs as one part.

Validation happens in Python (``neurobench.dynapse.board``) before this call.
"""

from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.math cimport exp, log, log1p, fabs, sqrt
from libc.stdint cimport int64_t, uint64_t, uintptr_t
from cython.parallel cimport prange, threadid
from posix.time cimport clock_gettime, timespec, CLOCK_THREAD_CPUTIME_ID
import numpy as np

from neurobench.core._spikebuf cimport (SpikeBuf, spikebuf_free, spikebuf_init, spikebuf_push,
                                        spikebuf_take)


cdef extern from "_dynapse_kernels.h" nogil:
    uint64_t dyn_ticks()
    void dyn_prefetch(const void *p)
    ctypedef struct dyn_membrane:
        double i0, ispk, pfb_gain, pfb_th, inv_pfb_norm, pfb_skip, max_dlog, tol
    double dyn_exp(double x)
    double dyn_slope(double im, double iexc, double inmda, double ifn, double ileak,
                     double alpha, double inv_itau, double ig, double taum,
                     const dyn_membrane *P, int has_nmda, double *J, double *Fyy,
                     double *Fyyy)
    double dyn_step(double h, double F, double Fyy, double phi)
    double dyn_step_error(double F, double J, double Fyy, double Fyyy)
    double dyn_phi1(double z)
    double dyn_expx(double x)
    int dyn_pulse_pass(Py_ssize_t n_list, int *list, const double *iold, double *isyn,
                       double *avg, double *prem, Py_ssize_t n, Py_ssize_t stride,
                       const double *pk, const double *gavg, double dt, double inv_dt,
                       Py_ssize_t *n_kept)
    int dyn_dpi_decay(Py_ssize_t n, double *isyn, double *avg, const double *decay,
                      const double *gavg)
    void dyn_fit_consts(double decay, double gavg, double *gc)
    void dyn_input_fit(double a, double iend, const double *gc, double iinf, double k, double dt,
                       double idt, int on_at_end, double *out)
    double dyn_sub_mean(double a, const double *f, double k, double rem, double h, double ih,
                        double dt)
    ctypedef struct dyn_lanes:
        double *im
        double *td
        double *a0
        double *a1
        double *a2
        double *a3
        double *a4
        double *idc
        double *itau
        double *alpha
        double *inv_itau
        double *igain
        double *tau_mem
        double *ifnmda
        double *F
        double *J
        double *Fyy
        double *Fyyy
        double *sg
        double *invD
        double *q
        double *h
        double *fit
        int64_t *m
        int64_t *idx
    int DYN_LANE_ARRAYS
    void dyn_membrane_substeps(double dt, double *imem, const double *ref_rem,
                               int64_t *flag, double *slope, const int64_t *list,
                               Py_ssize_t n_list, const double *a0,
                               const double *a1, const double *a2, const double *a3,
                               const double *a4, const double *itau, const double *alpha,
                               const double *inv_itau, const double *igain,
                               const double *tau_mem, const double *idc, const double *ifnmda,
                               const double *isyn, const double *fitc, const double *inv_tau,
                               const double *iinf, const double *prem, Py_ssize_t n_tot,
                               int cmask, const dyn_membrane *P, int has_nmda, dyn_lanes *L,
                               Py_ssize_t fs, int max_rounds, long long *n_int, long long *n_sub,
                               long long *n_split)
    int64_t dyn_membrane_pass(Py_ssize_t n, double dt, double *imem, double *ref_rem,
                              int64_t *flag, double *slope, const double *a0, const double *a1,
                              const double *a2, const double *a3, const double *a4,
                              const double *itau, const double *alpha, const double *inv_itau,
                              const double *igain, const double *tau_mem, const double *idc,
                              const double *ifnmda, double ireset, const dyn_membrane *P,
                              int has_nmda, int64_t *n_single, int64_t *list,
                              int64_t *n_list)


DEF MAX_PARTS = 4
#: phases of a step timed for the CPU breakdown (``run_kernel``'s ``phase_cpu``): probes and
#: external input; the DPI circuits (pulses and decay); the membrane's single-step vector pass;
#: its split steps in vector rounds; its scalar path; the delivery of the step's spikes to their
#: CAM targets
DEF N_PHASES = 6


cdef struct Pulses:
    # the DPI circuits j = c·n + i whose pulse extender is on (prem[j] > 0), in any order
    int *j
    Py_ssize_t n


cdef struct Ctx:
    # the whole board: sizes, state, parameters, routing, inputs, probes and work arrays; a
    # part (neurons lo[p] … hi[p] − 1, whole chips) reads and writes only its own neurons and
    # its own slices of the work arrays
    Py_ssize_t n, stride, n_rec, n_parts
    long long step0, n_steps, rec_every
    double dt, inv_dt, ireset, i0, ispk, log_ispk
    const dyn_membrane *P
    double *imem
    double *ref_rem
    double *isyn
    double *prem
    const double *itau
    const double *alpha
    const double *inv_itau
    const double *igain
    const double *tau_mem
    const double *idc
    const double *ifnmda
    const double *tref
    const double *decay
    const double *gavg
    const double *tpulse
    const double *iinf          # 5 n: I_∞ of each circuit (the sub-interval input fit's)
    const double *inv_tau       # 5 n: 1/τ of each circuit
    const double *pk            # 4 per circuit j: I_∞, e^{−dt/τ}, 1/τ, τ (the pulse pass's;
                                # from iinf, decay, inv_tau, tau)
    const long long *ext_ptr
    const int *ext_src
    const long long *src_ptr
    const int *dl_j
    const double *dl_pulse
    const int *rec_idx
    double *rec                 # (rows, 6, n_rec) row-major
    double *avg                 # (5, stride)
    double *fitc                # (5 n, 3): dyn_fit_consts of each circuit
    double *slope               # 8 n
    double *pold                # 5 n (part p: from 5·lo[p]): currents of the pulsed circuits
                                # before the step
    int64_t *flag               # n
    int64_t *flagged            # n + 4 MAX_PARTS (part p: from lo[p] + 4 p): flagged neurons
    int *pl_j                   # 5 n + MAX_PARTS (part p: from 5·lo[p] + p)
    int *spiking                # n
    double *lanes               # DYN_LANE_ARRAYS arrays of lane_cap (part p: from lo[p] + 4 p)
    Py_ssize_t lane_cap
    int max_rounds              # sub-steps of a split step in vector rounds (0: none)
    Py_ssize_t lo[MAX_PARTS]
    Py_ssize_t hi[MAX_PARTS]
    long long n_int[MAX_PARTS]
    long long n_ref[MAX_PARTS]
    long long n_sub[MAX_PARTS]
    long long n_split[MAX_PARTS]
    Py_ssize_t rows[MAX_PARTS]
    int err[MAX_PARTS]
    double cpu_s[MAX_PARTS]     # CPU time (s) of the part …
    int tid[MAX_PARTS]          # … and the thread that ran it
    uint64_t ticks[MAX_PARTS * N_PHASES]    # ticks (dyn_ticks) of each phase of the part
    SpikeBuf buf[MAX_PARTS]


cdef inline int _circuit(Py_ssize_t j, Py_ssize_t n) noexcept nogil:
    """The circuit c of j = c·n + i (0 … 4), without an integer division."""
    return (j >= n) + (j >= 2 * n) + (j >= 3 * n) + (j >= 4 * n)


cdef inline void _deliver(const Ctx *X, Py_ssize_t src, Py_ssize_t lo, Py_ssize_t hi,
                          Pulses *pl, bint check) noexcept nogil:
    """Extend the pulses of the CAM targets of ``src`` (j = type·n + target, m·t_pulse[j]), in
    the order of the routing entries (the order of the additions to a pulse that several
    entries extend); with ``check``, only those among neurons lo … hi − 1 (the targets of a
    board neuron lie in its own part: ``run_kernel`` checks; an external source may reach
    several parts). The list length is kept in a register over the entries. The circuits made
    live are not marked here: a circuit idle until its first pulse has an idle row (zero
    currents), which the decay pass would leave as it is, and the pulse pass marks it live."""
    cdef Py_ssize_t k, j, i, n = X.n, pn = pl.n, k1 = X.src_ptr[src + 1]
    cdef const int *dl_j = X.dl_j
    cdef const double *dl_pulse = X.dl_pulse
    cdef double *prem = X.prem
    cdef int *plj = pl.j
    cdef int off
    for k in range(X.src_ptr[src], k1):
        j = dl_j[k]
        if check:
            i = j - _circuit(j, n) * n
            if i < lo or i >= hi:
                continue
        # without a branch on the pulse state (unpredictable): the entry is always written,
        # kept only when the pulse was off
        off = prem[j] <= 0.0
        plj[pn] = <int> j
        pn += off
        prem[j] += dl_pulse[k]
    pl.n = pn


cdef inline void _prefetch_row(const Ctx *X, Py_ssize_t src) noexcept nogil:
    """Prefetch the routing entries of ``src`` (its rows of dl_j and dl_pulse: the routing
    table is larger than the L2 cache, and a spike's row is read once per spike)."""
    cdef Py_ssize_t k0 = X.src_ptr[src], k1 = X.src_ptr[src + 1], k
    for k in range(k0, k1, 16):
        dyn_prefetch(X.dl_j + k)
    for k in range(k0, k1, 8):
        dyn_prefetch(X.dl_pulse + k)


cdef inline void _prefetch_targets(const Ctx *X, Py_ssize_t src) noexcept nogil:
    """Prefetch the pulse states prem[j] of the targets of ``src`` (random lines; its routing
    row was prefetched a spike earlier)."""
    cdef Py_ssize_t k
    for k in range(X.src_ptr[src], X.src_ptr[src + 1]):
        dyn_prefetch(X.prem + X.dl_j[k])


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


cdef inline double _sub_slope(const Ctx *X, Py_ssize_t i, double im, double *cf, int *fitted,
                              double rem, double h, int has_nmda, double *J, double *Fyy,
                              double *Fyyy) noexcept nogil:
    """dyn_slope of neuron i at I_mem = im with the synaptic inputs' means over the
    sub-interval [dt − rem, dt − rem + h] of the step (``dyn_sub_mean`` of the fits cf: A, C, D,
    1/t_on of each circuit, ``dyn_input_fit``, made here at the step's first call, *fitted = 0:
    a step that spikes in its first sub-step, from the vector pass's slope, needs none)."""
    cdef double mc[5]
    cdef double ih = 1.0 / h
    cdef Py_ssize_t c, j
    if not fitted[0]:
        for c in range(5):
            j = c * X.n + i
            dyn_input_fit(X.avg[c * X.stride + i], X.isyn[j], X.fitc + 3 * j, X.iinf[j],
                          X.inv_tau[j], X.dt, X.inv_dt, X.prem[j] > 0.0, cf + 4 * c)
        fitted[0] = 1
    for c in range(5):
        mc[c] = dyn_sub_mean(X.avg[c * X.stride + i], cf + 4 * c, X.inv_tau[c * X.n + i], rem, h,
                             ih, X.dt)
    return dyn_slope(im, X.idc[i] + mc[0] - mc[3], mc[1], X.ifnmda[i], X.itau[i] + mc[4] + mc[2],
                     X.alpha[i], X.inv_itau[i], X.igain[i], X.tau_mem[i], X.P, has_nmda, J, Fyy,
                     Fyyy)


def exp_check(double[::1] x, double[::1] out):
    """dyn_exp of the kernel, elementwise (its accuracy is tested against numpy)."""
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = dyn_exp(x[i])



cdef void _run_part(Ctx *X, int p) noexcept nogil:
    """Advance neurons lo[p] … hi[p] − 1 by the whole segment (the order of a step: module
    docstring). The part's spikes go to buf[p]; the parts are independent when no routing entry
    leads from one part into another (``run_kernel`` checks)."""
    cdef Py_ssize_t n = X.n, lo = X.lo[p], hi = X.hi[p], m_n = X.hi[p] - X.lo[p]
    cdef Py_ssize_t stride = X.stride, n_rec = X.n_rec
    cdef Py_ssize_t s, i, c, k, r, j, q, row = 0
    cdef long long g
    cdef int n_spk, err = 0, has_nmda, pass_nmda, first, cmask, fitted
    cdef double dt = X.dt, inv_dt = X.inv_dt
    cdef double im, im_new, rem
    cdef double T, tin, h, hg, t_done
    cdef double cf[20]
    cdef double F, J, Fyy, Fyyy, z, dy, dl, y1, t1
    cdef int lv
    cdef const double *pk = X.pk
    cdef long long n_int = 0, n_ref = 0, n_sub = 0, n_split = 0, m
    cdef int64_t n_single = 0, n_flagged = 0
    cdef int64_t *flagged = X.flagged + lo + 4 * p
    cdef const dyn_membrane *P = X.P
    cdef double *imem = X.imem
    cdef double *ref_rem = X.ref_rem
    cdef double *isyn = X.isyn
    cdef double *prem = X.prem
    cdef double *avg = X.avg
    cdef double *a0 = avg
    cdef double *a1 = avg + stride
    cdef double *a2 = avg + 2 * stride
    cdef double *a3 = avg + 3 * stride
    cdef double *a4 = avg + 4 * stride
    cdef double *slope = X.slope
    cdef double *sv
    cdef int64_t *flag = X.flag
    cdef double *pold = X.pold + 5 * lo
    cdef int *spiking = X.spiking + lo
    cdef int live[5]
    cdef int avg_zero[5]
    cdef Pulses pl
    cdef dyn_lanes L
    cdef double *lb = X.lanes + lo + 4 * p
    cdef Py_ssize_t cap = X.lane_cap
    L.im, L.td, L.a0, L.a1, L.a2 = lb, lb + cap, lb + 2 * cap, lb + 3 * cap, lb + 4 * cap
    L.a3, L.a4, L.idc, L.itau = lb + 5 * cap, lb + 6 * cap, lb + 7 * cap, lb + 8 * cap
    L.alpha, L.inv_itau, L.igain = lb + 9 * cap, lb + 10 * cap, lb + 11 * cap
    L.tau_mem, L.ifnmda, L.F, L.J = lb + 12 * cap, lb + 13 * cap, lb + 14 * cap, lb + 15 * cap
    L.Fyy, L.Fyyy, L.sg, L.invD = lb + 16 * cap, lb + 17 * cap, lb + 18 * cap, lb + 19 * cap
    L.q, L.h = lb + 20 * cap, lb + 21 * cap
    L.m = <int64_t *> (lb + 22 * cap)
    L.idx = <int64_t *> (lb + 23 * cap)
    L.fit = lb + 24 * cap
    cdef timespec t_start, t_end
    cdef uint64_t tk0, tk1
    cdef uint64_t *ticks = X.ticks + N_PHASES * p
    for k in range(N_PHASES):
        ticks[k] = 0
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t_start)
    pl.j = X.pl_j + 5 * lo + p           # 5 (hi − lo) + 1 entries: _deliver writes one ahead
    pl.n = 0
    for c in range(5):
        memset(avg + c * stride + lo, 0, m_n * sizeof(double))
        live[c] = 0
        avg_zero[c] = 1
        for i in range(lo, hi):
            j = c * n + i
            if prem[j] > 0.0:
                pl.j[pl.n] = <int> j
                pl.n += 1
            if prem[j] > 0.0 or isyn[j] != 0.0:
                live[c] = 1
    for s in range(X.n_steps):
        tk0 = dyn_ticks()
        g = X.step0 + s
        if n_rec > 0 and g % X.rec_every == 0:
            for k in range(n_rec):
                i = X.rec_idx[k]
                if i >= lo and i < hi:
                    X.rec[(row * 6) * n_rec + k] = imem[i]
                    for c in range(5):
                        X.rec[(row * 6 + c + 1) * n_rec + k] = isyn[c * n + i]
            row += 1
        for r in range(X.ext_ptr[s], X.ext_ptr[s + 1]):
            _deliver(X, X.ext_src[r], lo, hi, &pl, True)
        tk1 = dyn_ticks()
        ticks[0] += tk1 - tk0
        tk0 = tk1
        # DPI circuits with a pulse: their current before this step (the decay pass below
        # overwrites it) …
        for k in range(pl.n):
            pold[k] = isyn[pl.j[k]]
        # … the DPI circuits without a pulse (vector pass per circuit; idle circuits skipped) …
        for c in range(5):
            if live[c]:
                live[c] = dyn_dpi_decay(m_n, isyn + c * n + lo, avg + c * stride + lo,
                                        X.decay + c * n + lo, X.gavg + c * n + lo)
                avg_zero[c] = 0
            elif not avg_zero[c]:
                memset(avg + c * stride + lo, 0, m_n * sizeof(double))
                avg_zero[c] = 1
        # … then those with a pulse, over the decay pass's values: exact update with the pulse
        # on for min(P, dt) from the saved current (dyn_pulse_pass); the list keeps those whose
        # pulse outlasts the step
        lv = dyn_pulse_pass(pl.n, pl.j, pold, isyn, avg, prem, n, stride, pk, X.gavg, dt, inv_dt,
                            &pl.n)
        for c in range(5):
            if (lv >> c) & 1:
                live[c] = 1
                avg_zero[c] = 0
        tk1 = dyn_ticks()
        ticks[1] += tk1 - tk0
        tk0 = tk1
        # membrane: one vector pass for the neurons that need a single step …
        pass_nmda = live[1] or not avg_zero[1]
        cmask = 0
        for c in range(5):
            if live[c] or not avg_zero[c]:
                cmask |= 1 << c
        n_ref += dyn_membrane_pass(m_n, dt, imem + lo, ref_rem + lo, flag + lo, slope + 8 * lo,
                                   a0 + lo, a1 + lo, a2 + lo, a3 + lo, a4 + lo, X.itau + lo,
                                   X.alpha + lo, X.inv_itau + lo, X.igain + lo, X.tau_mem + lo,
                                   X.idc + lo, X.ifnmda + lo, X.ireset, P, pass_nmda, &n_single,
                                   flagged, &n_flagged)
        n_int += n_single
        n_sub += n_single
        tk1 = dyn_ticks()
        ticks[2] += tk1 - tk0
        tk0 = tk1
        # … the split steps of the others in vector rounds (not those leaving the refractory
        # period; those that spike are left to the scalar path) …
        dyn_membrane_substeps(dt, imem + lo, ref_rem + lo, flag + lo, slope + 8 * lo,
                              flagged, n_flagged, a0 + lo, a1 + lo, a2 + lo, a3 + lo, a4 + lo, X.itau + lo,
                              X.alpha + lo, X.inv_itau + lo, X.igain + lo, X.tau_mem + lo,
                              X.idc + lo, X.ifnmda + lo, isyn + lo, X.fitc + 3 * lo,
                              X.inv_tau + lo, X.iinf + lo, prem + lo, n, cmask, P, pass_nmda, &L,
                              cap, X.max_rounds, &n_int, &n_sub, &n_split)
        tk1 = dyn_ticks()
        ticks[3] += tk1 - tk0
        tk0 = tk1
        # … then, one by one, those that spike or leave the refractory period within the step
        n_spk = 0
        for q in range(n_flagged):
            i = lo + flagged[q]
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
                im = X.ireset
                first = 0
            n_int += 1
            fitted = 0          # the DPI currents within the step: fitted at the first _sub_slope
            # exponential Rosenbrock–Euler sub-steps, each as long as its error bound allows:
            # the slope with the inputs' means over [t, t + h_g] (h_g: the last sub-step, at
            # most what remains) gives the error bound and h; where h ≠ h_g, the slope again
            # with the means over [t, t + h]
            t_done = dt - T
            hg = T
            m = 0
            if flag[i] == 2:
                # the vector rounds took the step up to the sub-step that spikes: on from the
                # state before it (I_mem, time done, last sub-step, sub-steps taken)
                sv = slope + 8 * (i - (i & 3)) + (i & 3)
                im = sv[0]
                t_done = sv[4]
                hg = sv[8]
                m = <long long> sv[12]
                first = 0
            while True:
                rem = dt - t_done
                if hg >= rem * (1.0 - 1e-9):
                    hg = rem
                if first:
                    sv = slope + 8 * (i - (i & 3)) + (i & 3)
                    F = sv[0]
                    J = sv[4]
                    Fyy = sv[8]
                    Fyyy = sv[12]
                    first = 0
                else:
                    F = _sub_slope(X, i, im, cf, &fitted, rem, hg, has_nmda, &J, &Fyy, &Fyyy)
                h = _substep(F, dyn_step_error(F, J, Fyy, Fyyy), rem, P)
                if fabs(h - hg) <= 1e-9 * hg:
                    h = hg                      # the same sub-step but for rounding
                if h != hg:
                    F = _sub_slope(X, i, im, cf, &fitted, rem, h, has_nmda, &J, &Fyy, &Fyyy)
                hg = h
                z = J * h
                if z > 50.0:
                    z = 50.0
                dy = dyn_step(h, F, Fyy, dyn_phi1(z))
                if dy > 50.0:
                    dy = 50.0
                im_new = im * dyn_expx(dy)
                m += 1
                if im_new < X.i0:
                    im_new = X.i0
                if im_new >= X.ispk:
                    # crossing time on the step's own continuous extension
                    # y(t) = y0 + t φ1(J t) F + F_yy F² t³/6: t = ln(1 + J Δ/F)/J solves it
                    # without the t³ term (Δ = ln(I_spk/I_mem)), one Newton step adds it
                    dl = X.log_ispk - log(im)
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
                    y1 = dyn_step(tin, F, Fyy, dyn_phi1(J * tin)) - dl
                    t1 = tin - y1 / (exp(J * tin) * F + 0.5 * Fyy * F * F * tin * tin)
                    if t1 >= 0.0 and t1 <= h:
                        tin = t1
                    tin = t_done + tin                  # spike time after t_s (s)
                    if spikebuf_push(&X.buf[p], g, <int> i, tin / dt) != 0:
                        err = 1
                        break
                    spiking[n_spk] = <int> i
                    n_spk += 1
                    im_new = X.ireset
                    ref_rem[i] = X.tref[i] - (dt - tin)
                    if ref_rem[i] < 0.0:
                        ref_rem[i] = 0.0
                    j = 4 * n + i
                    if prem[j] <= 0.0:
                        pl.j[pl.n] = <int> j
                        pl.n += 1
                        live[4] = 1
                    prem[j] += X.tpulse[j]
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
        tk1 = dyn_ticks()
        ticks[4] += tk1 - tk0
        tk0 = tk1
        # a spike's targets are delivered while the pulse states of the next spike's targets
        # and the routing row of the one after are fetched
        if n_spk > 0:
            _prefetch_row(X, spiking[0])
        if n_spk > 1:
            _prefetch_row(X, spiking[1])
        if n_spk > 0:
            _prefetch_targets(X, spiking[0])
        for r in range(n_spk):
            if r + 2 < n_spk:
                _prefetch_row(X, spiking[r + 2])
            if r + 1 < n_spk:
                _prefetch_targets(X, spiking[r + 1])
            _deliver(X, spiking[r], lo, hi, &pl, False)
        ticks[5] += dyn_ticks() - tk0
    X.n_int[p] = n_int
    X.n_ref[p] = n_ref
    X.n_sub[p] = n_sub
    X.n_split[p] = n_split
    X.rows[p] = row
    X.err[p] = err
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t_end)
    X.cpu_s[p] = (t_end.tv_sec - t_start.tv_sec) + 1e-9 * (t_end.tv_nsec - t_start.tv_nsec)


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
               long long[::1] stats, int n_threads=1, double[::1] part_cpu=None,
               double[::1] phase_cpu=None, int substep_rounds=64):
    """Advance the board by ``n_steps`` steps of ``dt`` seconds from global step ``step0``.

    State arrays are modified in place; ``isyn``, ``prem``, ``decay``, ``inv_tau``, ``iinf``
    ``tau`` and ``tpulse`` are (5, n) arrays flattened row-major; the routing entries of a
    source are ``src_ptr[s] … src_ptr[s + 1] − 1`` of (``dl_j`` = type·n + target, ``dl_type``,
    ``dl_pulse`` = CAM multiplicity × t_pulse of the target circuit). ``stats`` (4 counters) is increased
    by: membrane steps integrated, steps held refractory, membrane sub-steps taken, steps
    split into several sub-steps. With ``n_threads`` > 1 the board runs as that many parts of
    whole chips on parallel threads when no routing entry leads from one part into another
    (otherwise as one part); the results do not depend on it. ``part_cpu`` (4 values), when
    given, is increased by the CPU time (s) each thread spent on its parts; ``phase_cpu``
    (``N_PHASES`` = 6 values), when given, by the CPU time of each phase of a step (probes and
    external input, DPI circuits, membrane single-step vector pass, split steps in vector
    rounds, membrane scalar path, spike delivery),
    each part's CPU time shared out in proportion to the ticks of its phases. Returns the
    spikes as ``(steps int64, ids int32, frac float64)`` (time = (step + frac)·dt) and the
    number of probe rows written. ``substep_rounds``: the most sub-steps a split step takes in
    the vector rounds before the scalar path redoes it (0: the scalar path takes every split
    step; the results are the same).
    """
    cdef Py_ssize_t n = imem.shape[0]
    cdef Py_ssize_t stride = n + 8              # avg rows: 64 bytes apart modulo 4 KiB
    cdef Py_ssize_t k, r, i, pp, src, n_chips = n // 1024
    cdef int err = 0
    cdef dyn_membrane P
    P.i0 = i0
    P.ispk = ispk
    P.pfb_gain = pfb_gain
    P.pfb_th = pfb_th
    P.inv_pfb_norm = 1.0 / pfb_norm
    P.pfb_skip = pfb_th - 40.0 * pfb_norm     # below: I_pfb < 5e-18 I_pfb,gain (neglected)
    P.max_dlog = max_dlog
    P.tol = err_tol
    cdef Ctx X
    X.n, X.stride, X.n_rec = n, stride, rec_idx.shape[0]
    X.step0, X.n_steps, X.rec_every = step0, n_steps, rec_every
    X.dt, X.inv_dt, X.ireset, X.i0, X.ispk, X.log_ispk = dt, 1.0 / dt, ireset, i0, ispk, log(ispk)
    X.P = &P
    X.imem, X.ref_rem, X.isyn, X.prem = &imem[0], &ref_rem[0], &isyn[0], &prem[0]
    X.itau, X.alpha, X.inv_itau, X.igain = &itau[0], &alpha[0], &inv_itau[0], &igain[0]
    X.tau_mem, X.idc, X.ifnmda, X.tref = &tau_mem[0], &idc[0], &ifnmda[0], &tref[0]
    X.decay, X.gavg, X.tpulse = &decay[0], &gavg[0], &tpulse[0]
    X.iinf, X.inv_tau = &iinf[0], &inv_tau[0]
    X.ext_ptr, X.ext_src = &ext_ptr[0], (&ext_src[0] if ext_src.shape[0] > 0 else NULL)
    X.src_ptr, X.dl_j = &src_ptr[0], &dl_j[0]
    X.dl_pulse = &dl_pulse[0]
    X.rec_idx = &rec_idx[0] if X.n_rec > 0 else NULL
    X.rec = &rec[0, 0, 0] if rec.shape[0] > 0 and X.n_rec > 0 else NULL
    X.avg = <double *> malloc((5 * stride) * sizeof(double))
    X.fitc = <double *> malloc((15 * n if n > 0 else 1) * sizeof(double))
    X.slope = <double *> malloc(8 * (n + 4) * sizeof(double))
    X.pold = <double *> malloc((5 * n if n > 0 else 1) * sizeof(double))
    cdef double *pk_raw = <double *> malloc((20 * n + 4) * sizeof(double))
    X.flag = <int64_t *> malloc((n if n > 0 else 1) * sizeof(int64_t))
    X.pl_j = <int *> malloc((5 * n + MAX_PARTS) * sizeof(int))
    X.spiking = <int *> malloc((n if n > 0 else 1) * sizeof(int))
    X.lane_cap = n + 4 * MAX_PARTS
    X.max_rounds = max(0, substep_rounds)
    X.lanes = <double *> malloc(DYN_LANE_ARRAYS * X.lane_cap * sizeof(double))
    X.flagged = <int64_t *> malloc(X.lane_cap * sizeof(int64_t))
    cdef void *work[10]
    work[0], work[1], work[2], work[3] = X.avg, X.slope, X.pold, pk_raw
    work[4], work[5], work[6], work[7] = X.flag, X.pl_j, X.spiking, X.lanes
    work[8], work[9] = X.flagged, X.fitc
    for k in range(10):
        if work[k] == NULL:
            for r in range(10):
                free(work[r])
            raise MemoryError("cannot allocate kernel work arrays")
    for k in range(5 * n):
        dyn_fit_consts(decay[k], gavg[k], X.fitc + 3 * k)
    # the constants of the pulse pass, one 32-byte record per circuit (one cache line where the
    # separate arrays would take four)
    cdef double *pk = <double *> ((<uintptr_t> pk_raw + 31) & ~(<uintptr_t> 31))
    for k in range(5 * n):
        pk[4 * k] = iinf[k]
        pk[4 * k + 1] = decay[k]
        pk[4 * k + 2] = inv_tau[k]
        pk[4 * k + 3] = tau[k]
    X.pk = pk
    # parts of whole chips, one per thread, where no routing entry crosses between parts
    X.n_parts = max(1, min(n_threads, MAX_PARTS, n_chips))
    for pp in range(X.n_parts):
        X.lo[pp] = n_chips * pp // X.n_parts * 1024 if X.n_parts > 1 else 0
        X.hi[pp] = n_chips * (pp + 1) // X.n_parts * 1024 if X.n_parts > 1 else n
        spikebuf_init(&X.buf[pp], True)
    cdef int chip_part[MAX_PARTS]
    for pp in range(X.n_parts):
        for k in range(X.lo[pp] // 1024, X.hi[pp] // 1024):
            chip_part[k] = <int> pp
    if X.n_parts > 1:
        for src in range(n):
            for k in range(src_ptr[src], src_ptr[src + 1]):
                i = dl_j[k] - dl_type[k] * n
                if chip_part[src // 1024] != chip_part[i // 1024]:
                    X.n_parts = 1
                    X.lo[0], X.hi[0] = 0, n
                    break
            if X.n_parts == 1:
                break
    with nogil:
        if X.n_parts > 1:
            for pp in prange(X.n_parts, num_threads=X.n_parts, schedule="static", chunksize=1):
                X.tid[pp] = threadid()
                _run_part(&X, <int> pp)
        else:
            X.tid[0] = 0
            _run_part(&X, 0)
    for k in range(10):
        free(work[k])
    cdef double tot
    for pp in range(X.n_parts):
        if part_cpu is not None:
            part_cpu[X.tid[pp]] += X.cpu_s[pp]
        if phase_cpu is not None:
            tot = 0.0
            for k in range(N_PHASES):
                tot += <double> X.ticks[N_PHASES * pp + k]
            for k in range(N_PHASES):
                if tot > 0.0:
                    phase_cpu[k] += X.cpu_s[pp] * <double> X.ticks[N_PHASES * pp + k] / tot
        stats[0] += X.n_int[pp]
        stats[1] += X.n_ref[pp]
        stats[2] += X.n_sub[pp]
        stats[3] += X.n_split[pp]
        err |= X.err[pp]
    if err:
        for pp in range(X.n_parts):
            spikebuf_free(&X.buf[pp])
        raise MemoryError("cannot grow the spike buffer")
    parts = [spikebuf_take(&X.buf[pp]) for pp in range(X.n_parts)]
    if X.n_parts == 1:
        steps, ids, fr = parts[0]
    else:
        # the serial order: by step, then by neuron (the parts are in neuron order)
        steps, ids, fr = (np.concatenate([x[col] for x in parts]) for col in range(3))
        order = np.argsort(steps, kind="stable")
        steps, ids, fr = steps[order], ids[order], fr[order]
    return steps, ids, fr, X.rows[0]
