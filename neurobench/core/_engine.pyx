# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, nonecheck=False
"""The compiled LIF kernel: one ``nogil`` call runs a whole simulation segment.

Model (per neuron i, fixed step dt, exact propagators precomputed in Python):

  current-based:      τ_m dv/dt = (E_L − v) + R·I(t) + I_e + I_i,   τ_e dI_e/dt = −I_e, τ_i dI_i/dt = −I_i
  conductance-based:  τ_m dv/dt = (E_L − v) + R·I(t) + g_e (E_e − v) + g_i (E_i − v),  g in units of g_L

Order of operations within step g (the same as Brian2's default schedule, so that both
simulators agree spike for spike): membrane update (skipped until the refractory period has
ended: v is clamped) → synaptic decay → arrival of events due at g → threshold v > θ
→ reset v ← v_reset → events of step g are queued for step g + delay (delay ≥ 1 step)
→ presynaptic plasticity (short-term plasticity scales the transmitted weight; STDP
depression at the presynaptic spike) → postsynaptic plasticity (STDP potentiation at the
postsynaptic spike). Presynaptic before postsynaptic is Brian2's order (its ``pre`` pathway
has order −1, ``post`` +1). State and weight monitors sample at the start of the step, as
Brian2's StateMonitor does.

Plasticity (all event driven; traces and STP variables are decayed exactly and lazily, at
the next event that reads them):

  STDP (pair based, Gerstner et al., Neuronal Dynamics eq. 19.10): a presynaptic trace x_j
  (τ₊) and a postsynaptic trace y_i (τ₋) per rule; all-to-all pairing x ← x + 1, nearest-spike
  pairing x ← 1. At a postsynaptic spike w ← w + A₊·f₊(w)·x_j, at a presynaptic spike
  w ← w − A₋·f₋(w)·y_i, then w is clipped to [w_min, w_max]. Hard bounds: f± = 1 (additive);
  soft bounds: f₊ = ((w_max − w)/(w_max − w_min))^μ, f₋ = ((w − w_min)/(w_max − w_min))^μ.
  Short-term plasticity (Tsodyks & Markram): between spikes u → 0 with τ_F, x → 1 with τ_D;
  at a spike u ← u + U(1 − u), the synapse transmits w·u·x, then x ← x − u·x.

Parallelism: the membrane update of the neurons is split into fixed chunks (boundaries do
not depend on the number of threads' scheduling) that OpenMP threads update in parallel;
spikes are collected afterwards by one ordered scan, and delivery and plasticity are serial.
Each neuron's arithmetic is the same whatever the thread count, so results are identical.
"""

from cython.parallel cimport prange
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdlib cimport malloc, free
from libc.math cimport ceil, exp, log1p, pow, sqrt
from libc.stdint cimport INT64_MAX
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport random_geometric, random_standard_exponential
import numpy as np

from neurobench.core._spikebuf cimport (SpikeBuf, spikebuf_free, spikebuf_init, spikebuf_push,
                                        spikebuf_take)


# -- membrane updates of one chunk [lo, hi) of a population: plain C (_lif_kernels.h), so
# that the compiler can vectorise them (restrict pointers, branch-free selects).
cdef extern from "_lif_kernels.h" nogil:
    ctypedef unsigned long long uint64_t
    void nb_cuba_uniform(Py_ssize_t lo, Py_ssize_t hi, double *v, double *ge, double *gi,
                         double *until, uint64_t *bits, double gnow, const double *drive,
                         double drive_s,
                         double pm, double pe, double pi, double de, double di, double vth,
                         double vreset, double ref)
    void nb_cuba_general(Py_ssize_t lo, Py_ssize_t hi, double *v, double *ge, double *gi,
                         double *until, uint64_t *bits, double gnow, const double *drive,
                         const double *pm, const double *pe, const double *pi,
                         const double *de, const double *di, const double *vth,
                         const double *vreset, const double *ref)
    void nb_coba(Py_ssize_t lo, Py_ssize_t hi, double *v, double *ge, double *gi,
                 double *until, uint64_t *bits, double gnow, const double *drive,
                 const double *dt_over_tau, const double *e_e, const double *e_i,
                 const double *de, const double *di, const double *vth,
                 const double *vreset, const double *ref)
    void nb_coba_uniform(Py_ssize_t lo, Py_ssize_t hi, double *v, double *ge, double *gi,
                         double *until, uint64_t *bits, double gnow, const double *drive,
                         double drive_s, double dt_over_tau, double e_e, double e_i, double de,
                         double di, double vth, double vreset, double ref)
    int nb_collect(Py_ssize_t lo, Py_ssize_t hi, const uint64_t *bits, int *out)
    void nb_exp_init()
    void nb_exp_n(const double *x, double *out, Py_ssize_t n)
    int NB_EXP_VECTOR


nb_exp_init()      # the table of the vector exponential (_lif_kernels.h)


def exp_libm_and_kernel(double[::1] x):
    """exp of each element by libm and by the kernels' exponential (``nb_exp_n``: vector form
    where the build has AVX2 and FMA): both must agree bit for bit. Returns (libm, kernel,
    vectorised: bool)."""
    cdef Py_ssize_t n = x.shape[0], k
    a = np.empty(n)
    b = np.empty(n)
    cdef double[::1] av = a, bv = b
    with nogil:
        for k in range(n):
            av[k] = exp(x[k])
        if n > 0:
            nb_exp_n(&x[0], &bv[0], n)
    return a, b, bool(NB_EXP_VECTOR)


cdef void _mark(unsigned char *mark, int *touched, int *n_touched, long long m,
                Py_ssize_t n_neurons) noexcept nogil:
    """First arrival at (slot, neuron) m = slot·n + neuron: list the neuron for that slot."""
    cdef long long slot = m // n_neurons
    mark[m] = 1
    touched[slot * n_neurons + n_touched[slot]] = <int> (m - slot * n_neurons)
    n_touched[slot] += 1


# STDP traces decay by exp(−Δ·dt/τ) over the Δ steps since their last update: for Δ below
# DECAY_STEPS the value comes from a table of the same exponentials (the same argument, the same
# libm exp, hence the same value), beyond it from exp itself
cdef enum:
    DECAY_STEPS = 4096


cdef inline double _decay(const double *table, long long d, double c) noexcept nogil:
    if d < DECAY_STEPS:
        return table[d]
    return exp(-d * c)


cdef inline double _clip(double w, double lo, double hi) noexcept nogil:
    if w < lo:
        return lo
    if w > hi:
        return hi
    return w


cdef struct Plastic:
    # synapses (CSR by source), ring buffer, STDP rules and traces, STP state: raw pointers,
    # copied into locals by the functions below so that the compiler keeps them in registers
    long long *syn_ptr
    int *syn_off
    int *syn_tgt
    int *syn_rule
    int *syn_stp
    int *syn_pre
    double *syn_w
    double *ring
    unsigned char *mark
    int *touched
    int *n_touched
    long long ring_size
    Py_ssize_t n_neurons
    double inv_n             # 1/n_neurons (rounded)
    Py_ssize_t n_src
    int n_rules
    int rule_stride          # rules in the decay table: max(1, n_rules)
    double *decay            # [2][rule_stride][DECAY_STEPS]: exp(−Δ·dt/τ₊), exp(−Δ·dt/τ₋)
    double *c_plus
    double *c_minus
    double *a_plus
    double *a_minus
    double *w_min
    double *w_max
    double *mu
    int *nearest
    int *soft
    double *x_pre
    double *y_post
    long long *x_last
    long long *y_last
    long long *post_ptr
    long long *post_syn
    double *stp_u
    double *stp_x
    long long *stp_last
    int *stp_param
    double *stp_U
    double *stp_c_f
    double *stp_c_d


cdef void _presynaptic_plastic(const Plastic *S, long long src, long long g,
                               long long slot_base) noexcept nogil:
    """A spike of a source with plastic synapses: each synapse transmits (scaled by its
    short-term plasticity) and is depressed by its target's postsynaptic trace (STDP), then
    the source's presynaptic traces are updated."""
    cdef double *syn_w = S.syn_w
    cdef int *syn_rule = S.syn_rule
    cdef int *syn_stp = S.syn_stp
    cdef int *syn_tgt = S.syn_tgt
    cdef int *syn_off = S.syn_off
    cdef double *y_post = S.y_post
    cdef long long *y_last = S.y_last
    cdef double *decay_minus = S.decay + S.rule_stride * DECAY_STEPS
    cdef Py_ssize_t n_neurons = S.n_neurons
    cdef long long k, i, q, idx, slot
    cdef int rule, sp, p
    cdef double w, u, xs, rel, fac, span, tr
    for k in range(S.syn_ptr[src], S.syn_ptr[src + 1]):
        w = syn_w[k]
        q = syn_stp[k]
        if q >= 0:
            sp = S.stp_param[q]
            fac = <double> (g - S.stp_last[q])
            u = S.stp_u[q] * exp(-fac * S.stp_c_f[sp])
            xs = 1.0 - (1.0 - S.stp_x[q]) * exp(-fac * S.stp_c_d[sp])
            u = u + S.stp_U[sp] * (1.0 - u)
            rel = u * xs
            S.stp_u[q] = u
            S.stp_x[q] = xs - rel
            S.stp_last[q] = g
            w = w * rel
        idx = slot_base + syn_off[k]                  # the ring entry (slot·2n + 2·neuron + receptor, wrapped)
        if idx >= S.ring_size:
            idx = idx - S.ring_size
        S.ring[idx] += w
        if S.mark[idx >> 1] == 0:
            # the arrival's slot, (idx/2 − target)/n: an exact multiple of n, so the product
            # with the rounded 1/n is within 2^-52 relative of it and rounds to it (no division)
            slot = <long long> (<double> ((idx >> 1) - syn_tgt[k]) * S.inv_n + 0.5)
            S.mark[idx >> 1] = 1
            S.touched[slot * n_neurons + S.n_touched[slot]] = syn_tgt[k]
            S.n_touched[slot] += 1
        rule = syn_rule[k]
        if rule >= 0:
            i = rule * n_neurons + syn_tgt[k]
            tr = y_post[i] * _decay(decay_minus + rule * DECAY_STEPS, g - y_last[i],
                                    S.c_minus[rule])
            w = syn_w[k]
            fac = 1.0
            if S.soft[rule]:
                span = S.w_max[rule] - S.w_min[rule]
                fac = (w - S.w_min[rule]) / span
                if S.mu[rule] != 1.0:
                    fac = pow(fac if fac > 0.0 else 0.0, S.mu[rule])
            syn_w[k] = _clip(w - S.a_minus[rule] * fac * tr, S.w_min[rule], S.w_max[rule])
    for p in range(S.n_rules):
        i = p * S.n_src + src
        tr = S.x_pre[i] * _decay(S.decay + p * DECAY_STEPS, g - S.x_last[i], S.c_plus[p])
        S.x_pre[i] = 1.0 if S.nearest[p] else tr + 1.0
        S.x_last[i] = g


cdef void _postsynaptic_plastic(const Plastic *S, Py_ssize_t i, long long g) noexcept nogil:
    """A spike of neuron i: STDP potentiation of its plastic input synapses by their
    presynaptic traces, then its postsynaptic traces."""
    cdef double *syn_w = S.syn_w
    cdef int *syn_rule = S.syn_rule
    cdef int *syn_pre = S.syn_pre
    cdef long long *post_syn = S.post_syn
    cdef double *x_pre = S.x_pre
    cdef long long *x_last = S.x_last
    cdef double *decay_plus = S.decay
    cdef double *a_plus = S.a_plus
    cdef double *w_min = S.w_min
    cdef double *w_max = S.w_max
    cdef Py_ssize_t n_src = S.n_src
    cdef long long q, k, c
    cdef int rule, p
    cdef double w, fac, span, tr
    for q in range(S.post_ptr[i], S.post_ptr[i + 1]):
        k = post_syn[q]
        rule = syn_rule[k]
        c = rule * n_src + syn_pre[k]
        tr = x_pre[c] * _decay(decay_plus + rule * DECAY_STEPS, g - x_last[c], S.c_plus[rule])
        w = syn_w[k]
        fac = 1.0
        if S.soft[rule]:
            span = w_max[rule] - w_min[rule]
            fac = (w_max[rule] - w) / span
            if S.mu[rule] != 1.0:
                fac = pow(fac if fac > 0.0 else 0.0, S.mu[rule])
        syn_w[k] = _clip(w + a_plus[rule] * fac * tr, w_min[rule], w_max[rule])
    for p in range(S.n_rules):
        c = p * S.n_neurons + i
        tr = S.y_post[c] * _decay(S.decay + (S.rule_stride + p) * DECAY_STEPS, g - S.y_last[c],
                                  S.c_minus[p])
        S.y_post[c] = 1.0 if S.nearest[p] else tr + 1.0
        S.y_last[c] = g


cdef struct Pops:
    # per-neuron parameter arrays and the chunk table (pointers into numpy arrays)
    int *ch_pop
    int *ch_lo
    int *ch_hi
    signed char *kind
    int *start
    double *p_mem
    double *p_e
    double *p_i
    double *d_e
    double *d_i
    double *vth
    double *vreset
    double *ref
    double *dt_over_tau
    double *e_e
    double *e_i
    unsigned char *drive_uniform    # per population: constant drive, equal for all neurons
    unsigned char *params_uniform   # per conductance-based population: equal parameters


cdef void _update_chunk(Py_ssize_t c, const Pops *P, double *v, double *ge, double *gi,
                        double *until, uint64_t *bits, double gnow, double *drive) noexcept nogil:
    cdef int p = P.ch_pop[c]
    cdef Py_ssize_t lo = P.ch_lo[c], hi = P.ch_hi[c], j = P.start[p]
    if P.kind[p] == 0:        # current-based, uniform parameters
        nb_cuba_uniform(lo, hi, v, ge, gi, until, bits, gnow,
                        NULL if P.drive_uniform[p] else drive, drive[j],
                        P.p_mem[j], P.p_e[j], P.p_i[j], P.d_e[j], P.d_i[j], P.vth[j],
                        P.vreset[j], P.ref[j])
    elif P.kind[p] == 1:      # current-based, per-neuron parameters
        nb_cuba_general(lo, hi, v, ge, gi, until, bits, gnow, drive, P.p_mem, P.p_e,
                        P.p_i, P.d_e, P.d_i, P.vth, P.vreset, P.ref)
    elif P.params_uniform[p]:   # conductance-based, uniform parameters
        nb_coba_uniform(lo, hi, v, ge, gi, until, bits, gnow,
                        NULL if P.drive_uniform[p] else drive, drive[j], P.dt_over_tau[j],
                        P.e_e[j], P.e_i[j], P.d_e[j], P.d_i[j], P.vth[j], P.vreset[j], P.ref[j])
    else:                     # conductance-based, per-neuron parameters
        nb_coba(lo, hi, v, ge, gi, until, bits, gnow, drive, P.dt_over_tau, P.e_e,
                P.e_i, P.d_e, P.d_i, P.vth, P.vreset, P.ref)


def run_kernel(dict C, long long step0, long long n_steps, int n_threads,
               double[::1] drive, int[::1] dyn_idx, double[:, ::1] dyn_vals,
               long long[::1] ext_ptr, int[::1] ext_ids,
               double[:, ::1] rec_v, double[:, ::1] rec_ge, double[:, ::1] rec_gi,
               double[:, ::1] rec_w):
    """Advance the network by ``n_steps`` steps starting at global step ``step0``.

    ``C`` is the compiled network (``Network._compile``); its state arrays, ring buffer,
    plastic weights and plasticity state are modified in place. ``drive`` is E_L + R·I_const
    per neuron (mV). Returns the recorded spikes as ``(steps int64, ids int32)`` and the
    numbers of state-monitor and weight-monitor rows written. Validation happens in Python
    (``neurobench.core.network``) before this call.
    """
    # -- neuron state and parameters
    cdef double[::1] v = C["v"], ge = C["ge"], gi = C["gi"]
    cdef double[::1] until = C["ref_until"]   # step at which each refractory period ends
    cdef uint64_t[::1] bits = C["bits"]
    cdef double[::1] p_mem = C["p_mem"], p_e = C["p_e"], p_i = C["p_i"]
    cdef double[::1] d_e = C["d_e"], d_i = C["d_i"], vth = C["vth"], vreset = C["vreset"]
    cdef double[::1] dt_over_tau = C["dt_over_tau"], e_e = C["e_e"], e_i = C["e_i"]
    cdef double[::1] ref_steps = C["ref_steps"]
    cdef int[::1] ch_pop = C["chunk_pop"], ch_lo = C["chunk_lo"], ch_hi = C["chunk_hi"]
    cdef signed char[::1] pop_kind = C["pop_kind"]
    cdef int[::1] pop_start = C["pop_start"]
    cdef unsigned char[::1] spike_mask = C["spike_mask"]
    # -- synapses (CSR by source), ring buffer [slot][neuron][receptor] of arrivals and, per
    # slot, the list of neurons that receive any (marked in mark[slot][neuron])
    cdef long long[::1] syn_ptr = C["syn_ptr"]
    cdef int[::1] syn_off = C["syn_off"]
    cdef long long d0 = C["d0"]           # the common delay (steps) of all synapses, or 0
    # when d0 > 0: the sources with static synapses that spiked in each of the last ring_len
    # steps (slot g % ring_len); their events are added directly d0 steps later
    # (capacity per slot: hist.shape[0] // ring_len, ensured by the caller)
    cdef int[::1] hist = C["hist_ids"], hist_n = C["hist_n"]
    cdef Py_ssize_t hcap = hist.shape[0] // C["ring_len"]
    cdef unsigned char[::1] mark = C["mark"], src_slow = C["src_slow"]
    cdef int[::1] touched = C["touched"], n_touched = C["n_touched"]
    cdef int[::1] syn_tgt = C["syn_tgt"], syn_rule = C["syn_rule"], syn_stp = C["syn_stp"]
    cdef double[::1] syn_w = C["syn_w"], ring = C["ring"]
    cdef long long ring_size = ring.shape[0]
    cdef int ring_len = C["ring_len"]
    # -- STDP: rules, traces (per rule × source / neuron), synapses onto each neuron (CSC)
    cdef double[::1] r_cp = C["rule_c_plus"], r_cm = C["rule_c_minus"]
    cdef double[::1] r_ap = C["rule_a_plus"], r_am = C["rule_a_minus"]
    cdef double[::1] r_wmin = C["rule_w_min"], r_wmax = C["rule_w_max"], r_mu = C["rule_mu"]
    cdef int[::1] r_nearest = C["rule_nearest"], r_soft = C["rule_soft"]
    cdef double[::1] x_pre = C["x_pre"], y_post = C["y_post"]
    cdef long long[::1] x_last = C["x_last"], y_last = C["y_last"]
    cdef long long[::1] post_ptr = C["post_ptr"]
    cdef long long[::1] post_syn = C["post_syn"]
    cdef int[::1] syn_pre = C["syn_pre"]
    # -- short-term plasticity: per-synapse (u, x, last step), per-projection parameters
    cdef double[::1] stp_u = C["stp_u"], stp_x = C["stp_x"]
    cdef long long[::1] stp_last = C["stp_last"]
    cdef int[::1] stp_param = C["stp_param"]
    cdef double[::1] s_U = C["stp_U"], s_cf = C["stp_c_f"], s_cd = C["stp_c_d"]
    # -- monitors
    cdef int[::1] rec_idx = C["rec_idx"]
    cdef long long rec_every = C["rec_every"]
    cdef long long[::1] rec_syn = C["rec_syn"]
    cdef long long w_every = C["w_every"]

    cdef Py_ssize_t n_neurons = v.shape[0]
    cdef Py_ssize_t n_src = syn_ptr.shape[0] - 1
    cdef Py_ssize_t n_chunks = ch_pop.shape[0]
    cdef Py_ssize_t n_dyn = dyn_idx.shape[0]
    cdef Py_ssize_t n_rec = rec_idx.shape[0]
    cdef Py_ssize_t n_wrec = rec_syn.shape[0]
    cdef int n_rules = r_cp.shape[0]
    cdef Py_ssize_t s, i, k, q, c, r, row = 0, wrow = 0
    cdef long long g, src, idx, slot_base, slot, rs, slot_now
    cdef int *phist = &hist[0]
    cdef int *phist_n = &hist_n[0]
    # g_i as an offset from g_e (both views into one buffer: Network._compile staggers them),
    # so that an event adds into one array without selecting it
    cdef Py_ssize_t gi_off = (<Py_ssize_t> &gi[0] - <Py_ssize_t> &ge[0]) // <Py_ssize_t> sizeof(double)
    if gi_off != C["gi_off"]:
        raise ValueError("g_e and g_i moved since the network was compiled")
    cdef long long *psyn_ptr = &syn_ptr[0]
    # per synapse: its target's g_e or g_i as an offset from g_e[0] (int32: one stream of
    # 4 bytes per event; Network._compile builds it)
    cdef int[::1] goff = C["syn_goff"]
    cdef int *psyn_goff = &goff[0] if goff.shape[0] > 0 else NULL
    cdef double *psyn_w = &syn_w[0] if syn_w.shape[0] > 0 else NULL
    cdef int n_spk, p
    cdef double *dyn_base = <double *> malloc((n_dyn if n_dyn > 0 else 1) * sizeof(double))
    cdef int *spiking = <int *> malloc((n_neurons if n_neurons > 0 else 1) * sizeof(int))
    cdef double *pv = &v[0]
    cdef unsigned char *pmark = &mark[0]
    cdef int *ptouched = &touched[0]
    cdef int *pn_touched = &n_touched[0]
    cdef double *pge = &ge[0]
    cdef double *pgi = &gi[0]
    cdef double *puntil = &until[0]
    cdef uint64_t *pbits = &bits[0]
    cdef double *pdrive = &drive[0]
    cdef double *pring = &ring[0]
    cdef Pops P
    cdef SpikeBuf buf
    cdef int err = 0
    # per rule: exp(−Δ·dt/τ₊) and exp(−Δ·dt/τ₋) for Δ = 0 … DECAY_STEPS − 1
    decay_np = np.empty((2, max(1, n_rules), DECAY_STEPS))
    cdef double[:, :, ::1] decay = decay_np
    cdef long long dk
    for r in range(n_rules):
        for dk in range(DECAY_STEPS):
            decay[0, r, dk] = exp(-dk * r_cp[r])
            decay[1, r, dk] = exp(-dk * r_cm[r])
    cdef Plastic S
    S.syn_ptr = &syn_ptr[0]
    S.syn_off = &syn_off[0]
    S.syn_tgt = &syn_tgt[0] if syn_tgt.shape[0] > 0 else NULL
    S.syn_rule = &syn_rule[0]
    S.syn_stp = &syn_stp[0]
    S.syn_pre = &syn_pre[0]
    S.syn_w = psyn_w
    S.ring = &ring[0]
    S.mark = &mark[0]
    S.touched = &touched[0]
    S.n_touched = &n_touched[0]
    S.ring_size = ring_size
    S.n_neurons = n_neurons
    S.inv_n = 1.0 / n_neurons if n_neurons > 0 else 0.0
    S.n_src = n_src
    S.n_rules = n_rules
    S.rule_stride = max(1, n_rules)
    S.decay = &decay[0, 0, 0]
    S.c_plus = &r_cp[0] if n_rules > 0 else NULL
    S.c_minus = &r_cm[0] if n_rules > 0 else NULL
    S.a_plus = &r_ap[0] if n_rules > 0 else NULL
    S.a_minus = &r_am[0] if n_rules > 0 else NULL
    S.w_min = &r_wmin[0] if n_rules > 0 else NULL
    S.w_max = &r_wmax[0] if n_rules > 0 else NULL
    S.mu = &r_mu[0] if n_rules > 0 else NULL
    S.nearest = &r_nearest[0] if n_rules > 0 else NULL
    S.soft = &r_soft[0] if n_rules > 0 else NULL
    S.x_pre = &x_pre[0]
    S.y_post = &y_post[0]
    S.x_last = &x_last[0]
    S.y_last = &y_last[0]
    S.post_ptr = &post_ptr[0]
    S.post_syn = &post_syn[0]
    S.stp_u = &stp_u[0]
    S.stp_x = &stp_x[0]
    S.stp_last = &stp_last[0]
    S.stp_param = &stp_param[0]
    S.stp_U = &s_U[0]
    S.stp_c_f = &s_cf[0]
    S.stp_c_d = &s_cd[0]
    P.ch_pop = &ch_pop[0]
    P.ch_lo = &ch_lo[0]
    P.ch_hi = &ch_hi[0]
    P.kind = &pop_kind[0]
    P.start = &pop_start[0]
    P.p_mem = &p_mem[0]
    P.p_e = &p_e[0]
    P.p_i = &p_i[0]
    P.d_e = &d_e[0]
    P.d_i = &d_i[0]
    P.vth = &vth[0]
    P.vreset = &vreset[0]
    P.ref = &ref_steps[0]
    P.dt_over_tau = &dt_over_tau[0]
    P.e_e = &e_e[0]
    P.e_i = &e_i[0]
    # populations whose drive is constant and equal for all their neurons: the uniform
    # current-based update then reads it as a scalar
    n_pops = pop_start.shape[0]
    stops = np.append(np.asarray(pop_start)[1:], n_neurons)
    dyn_np = np.asarray(dyn_idx)
    drive_np = np.asarray(drive)
    drive_uniform = np.zeros(max(1, n_pops), dtype=np.uint8)
    for p in range(n_pops):
        a, z = pop_start[p], stops[p]
        if z > a and np.all(drive_np[a:z] == drive_np[a]) and not np.any((dyn_np >= a) & (dyn_np < z)):
            drive_uniform[p] = 1
    cdef unsigned char[::1] du_v = drive_uniform
    P.drive_uniform = &du_v[0]
    # conductance-based populations of 4 or more neurons with equal parameters: scalar parameters
    params_uniform = np.zeros(max(1, n_pops), dtype=np.uint8)
    for p in range(n_pops):
        a, z = pop_start[p], stops[p]
        if pop_kind[p] == 2 and z - a >= 4 and all(
                np.all(np.asarray(C[key])[a:z] == C[key][a])
                for key in ("dt_over_tau", "e_e", "e_i", "d_e", "d_i", "vth", "vreset", "ref_steps")):
            params_uniform[p] = 1
    cdef unsigned char[::1] pu_v = params_uniform
    P.params_uniform = &pu_v[0]
    spikebuf_init(&buf, False)
    if dyn_base == NULL or spiking == NULL:
        free(dyn_base)
        free(spiking)
        raise MemoryError("cannot allocate kernel work arrays")
    for k in range(n_dyn):
        dyn_base[k] = drive[dyn_idx[k]]

    slot_now = step0 % ring_len
    with nogil:
        for s in range(n_steps):
            g = step0 + s
            slot = slot_now          # g mod ring_len, kept by counting (no division per step)
            slot_now = slot + 1 if slot + 1 < ring_len else 0
            slot_base = slot * 2 * n_neurons
            # monitors: values at the start of the step
            if n_rec > 0 and g % rec_every == 0:
                for k in range(n_rec):
                    i = rec_idx[k]
                    rec_v[row, k] = v[i]
                    rec_ge[row, k] = ge[i]
                    rec_gi[row, k] = gi[i]
                row += 1
            if n_wrec > 0 and g % w_every == 0:
                for k in range(n_wrec):
                    rec_w[wrow, k] = syn_w[rec_syn[k]]
                wrow += 1
            for k in range(n_dyn):
                pdrive[dyn_idx[k]] = dyn_base[k] + dyn_vals[s, k]
            # membrane updates, chunk by chunk (in parallel when asked)
            if n_threads > 1 and n_chunks > 1:
                for c in prange(n_chunks, num_threads=n_threads, schedule="static"):
                    _update_chunk(c, &P, pv, pge, pgi, puntil, pbits, <double> g, pdrive)
            else:
                for c in range(n_chunks):
                    _update_chunk(c, &P, pv, pge, pgi, puntil, pbits, <double> g, pdrive)
            for k in range(n_dyn):
                pdrive[dyn_idx[k]] = dyn_base[k]
            # arrivals due now, added after the decay: I_x ← I_x·d_x + Σ w (the sum in the
            # order of delivery), only for the neurons that receive any
            for q in range(pn_touched[slot]):
                i = ptouched[slot * n_neurons + q]
                idx = slot_base + 2 * i
                pge[i] = pge[i] + pring[idx]
                pgi[i] = pgi[i] + pring[idx + 1]
                pring[idx] = 0.0
                pring[idx + 1] = 0.0
                pmark[slot * n_neurons + i] = 0
            pn_touched[slot] = 0
            # events of static synapses from the sources that spiked d0 steps ago, added one
            # by one in the order of delivery (I_x ← ((I_x·d_x) + w₁) + w₂ …, as Brian2 does)
            if d0 > 0:
                rs = slot - d0 if slot >= d0 else slot - d0 + ring_len     # (g − d0) mod ring_len
                for q in range(phist_n[rs]):
                    src = phist[rs * hcap + q]
                    for k in range(psyn_ptr[src], psyn_ptr[src + 1]):
                        pge[psyn_goff[k]] += psyn_w[k]
                phist_n[rs] = 0
            # this step's spikes in neuron order
            n_spk = 0
            for c in range(n_chunks):
                n_spk = n_spk + nb_collect(ch_lo[c], ch_hi[c], pbits, spiking + n_spk)
            # presynaptic side: record, deliver, STP, STDP depression (neurons, then sources)
            for r in range(n_spk + ext_ptr[s + 1] - ext_ptr[s]):
                if r < n_spk:
                    src = spiking[r]
                    if spike_mask[src]:
                        if spikebuf_push(&buf, g, <int> src, 0.0) != 0:
                            err = 1
                            break
                else:
                    src = ext_ids[ext_ptr[s] + r - n_spk]
                if not src_slow[src]:        # static synapses only: the common, fast path
                    if d0 > 0:               # one delay for all synapses: delivered d0 steps later
                        if phist_n[slot] == hcap:    # the caller sizes it; never silently overrun
                            err = 2
                            break
                        phist[slot * hcap + phist_n[slot]] = <int> src
                        phist_n[slot] += 1
                        continue
                    for k in range(syn_ptr[src], syn_ptr[src + 1]):   # add into the ring, list first arrivals
                        idx = slot_base + syn_off[k]
                        if idx >= ring_size:
                            idx = idx - ring_size
                        pring[idx] += syn_w[k]
                        if pmark[idx >> 1] == 0:
                            _mark(pmark, ptouched, pn_touched, idx >> 1, n_neurons)
                    continue
                _presynaptic_plastic(&S, src, g, slot_base)
            if err:
                break
            # postsynaptic side: STDP potentiation, then the postsynaptic traces
            if n_rules > 0:
                for r in range(n_spk):
                    _postsynaptic_plastic(&S, spiking[r], g)

    free(dyn_base)
    free(spiking)
    if err:
        spikebuf_free(&buf)
        if err == 2:
            raise RuntimeError("spike history full: more events in one step than its capacity "
                               "(Network._ensure_history sizes it)")
        raise MemoryError("cannot grow the spike buffer")
    steps, ids = spikebuf_take(&buf)
    return steps, ids, row, wrow


def bernoulli_steps(rng, const double[::1] prob, long long n_steps, initial_capacity=None):
    """Steps in [0, n_steps) at which independent Bernoulli(prob[j]) processes fire, drawn from
    the ``numpy.random.Generator`` ``rng`` as geometric gaps, in the same draws and order as
    ``rng.geometric(prob[j], size)`` batches of ``size = int(n·p + 6·√(n·p) + 8)`` per process
    (a process with p ≥ 1 fires every step without drawing; p = 0 never fires), so that the
    stream equals the one drawn from Python. Returns ``(steps int64, counts int64 per process)``,
    the steps of process j after those of processes < j. Gaps by inversion, as numpy draws them
    for p < 1/3: ⌈−E / log1p(−p)⌉ with E a standard exponential (numpy's own generator).
    ``initial_capacity``: events reserved before drawing (default: the batch estimate of every
    process; the array grows past it when needed)."""
    cdef bitgen_t *bg = <bitgen_t *> PyCapsule_GetPointer(rng.bit_generator.capsule, "BitGenerator")
    cdef Py_ssize_t m = prob.shape[0], j = 0, t, size = 0
    cdef long long pos, last = -1, cap = 0, n = 0, need = 0
    cdef long long *buf
    cdef double p, lq = 0.0, z
    cdef bint done = False, resume = False
    counts = np.zeros(m, dtype=np.int64)
    cdef long long[::1] cnt = counts
    for j in range(m):
        cap += <long long> (n_steps * prob[j] + 6 * sqrt(n_steps * prob[j]) + 8) if prob[j] < 1.0 else n_steps
    # the events are written straight into a numpy array (pages past the last event are never
    # touched); when a process draws one batch more than estimated, the array grows (with the
    # GIL) and the draws resume where they stopped
    if initial_capacity is not None:
        cap = int(initial_capacity)
    out_np = np.empty(max(cap, 1), dtype=np.int64)
    cdef long long[::1] out_v = out_np
    buf = &out_v[0]
    j = 0
    while True:
        need = 0
        with rng.bit_generator.lock, nogil:
            while j < m:
                p = prob[j]
                if not resume:
                    if p <= 0.0:
                        j += 1
                        continue
                    if p >= 1.0:
                        if n + n_steps > cap:
                            need = n + n_steps
                            break
                        for t in range(n_steps):
                            buf[n + t] = t
                        n += n_steps
                        cnt[j] = n_steps
                        j += 1
                        continue
                    size = <Py_ssize_t> (n_steps * p + 6 * sqrt(n_steps * p) + 8)
                    lq = log1p(-p)
                    last = -1
                    done = False
                resume = False
                while not done:
                    if n + size > cap:               # one more batch than estimated
                        need = n + size
                        resume = True
                        break
                    pos = last
                    for t in range(size):
                        if p >= 0.333333333333333333333333:
                            pos = pos + random_geometric(bg, p)
                        else:
                            z = ceil(-random_standard_exponential(bg) / lq)
                            pos = pos + (<long long> z if z < 9.223372036854776e+18 else INT64_MAX)
                        if pos < n_steps:
                            buf[n] = pos
                            n += 1
                            cnt[j] += 1
                    done = pos >= n_steps
                    last = pos
                if need:
                    break
                j += 1
        if not need:
            break
        cap = 2 * need
        grown = np.empty(cap, dtype=np.int64)
        grown[:n] = out_np[:n]
        out_np = grown
        out_v = out_np
        buf = &out_v[0]
    return out_np[:n], counts


cdef enum:
    RUN_BLOCK = 16384      # steps per block of group_sorted_runs (its counters stay in cache)


def group_sorted_runs(const long long[::1] steps, const long long[::1] ids,
                      const long long[::1] run_ptr, long long n_steps,
                      const long long[::1] run_ids=None):
    """The same CSR as ``group_by_step`` (ids in step order, stable within a step) for events
    that come as runs sorted by step (run r: ``run_ptr[r] … run_ptr[r + 1]``, e.g. one run per
    Poisson process): a counting sort block by block of RUN_BLOCK steps, each run read from
    where it stopped, so that the counters stay in cache. Returns ``(ptr int64, ids int32)``.
    With ``run_ids`` (one id per run, e.g. per Poisson process) ``ids`` is not read (it may be
    None). Every step must lie in [0, n_steps) (checked by the caller,
    ``neurobench.core.events``)."""
    cdef Py_ssize_t n = steps.shape[0], n_runs = run_ptr.shape[0] - 1, r, t
    ptr_np = np.zeros(n_steps + 1, dtype=np.int64)
    out = np.empty(n, dtype=np.int32)
    cur_np = np.array(run_ptr[:n_runs], dtype=np.int64)
    cdef long long[::1] ptr = ptr_np, cur = cur_np
    cdef int[::1] o = out
    cdef long long cnt[RUN_BLOCK]
    cdef long long pos[RUN_BLOCK]
    cdef long long b0, b1, k, e, acc = 0
    cdef bint per_run = run_ids is not None
    with nogil:
        b0 = 0
        while b0 < n_steps:
            b1 = min(b0 + RUN_BLOCK, n_steps)
            for t in range(b1 - b0):
                cnt[t] = 0
            for r in range(n_runs):
                k, e = cur[r], run_ptr[r + 1]
                while k < e and steps[k] < b1:
                    cnt[steps[k] - b0] += 1
                    k += 1
            for t in range(b1 - b0):
                ptr[b0 + t] = acc
                pos[t] = acc
                acc += cnt[t]
            for r in range(n_runs):
                k, e = cur[r], run_ptr[r + 1]
                while k < e and steps[k] < b1:
                    o[pos[steps[k] - b0]] = <int> (run_ids[r] if per_run else ids[k])
                    pos[steps[k] - b0] += 1
                    k += 1
                cur[r] = k
            b0 = b1
        ptr[n_steps] = acc
    return ptr_np, out


def group_by_step(const long long[::1] steps, const long long[::1] ids, const long long[::1] ptr):
    """Counting sort: the ids of the events in step order, stable within a step. ``ptr`` is the
    CSR of the event counts per step (``ptr[s]`` = events before step s); every step must lie
    in [0, len(ptr) − 1) (checked by the caller, ``neurobench.core.events``)."""
    cdef Py_ssize_t n = steps.shape[0], k
    out = np.empty(n, dtype=np.int32)
    pos_np = np.array(ptr[:ptr.shape[0] - 1], dtype=np.int64)
    cdef int[::1] o = out
    cdef long long[::1] pos = pos_np
    cdef long long s
    with nogil:
        for k in range(n):
            s = steps[k]
            o[pos[s]] = <int> ids[k]
            pos[s] += 1
    return out
