# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, nonecheck=False
"""The compiled LIF kernel: one ``nogil`` call runs a whole simulation segment.

Model (per neuron i, fixed step dt, exact propagators precomputed in Python):

  current-based:      τ_m dv/dt = (E_L − v) + R·I(t) + I_e + I_i,   τ_e dI_e/dt = −I_e, τ_i dI_i/dt = −I_i
  conductance-based:  τ_m dv/dt = (E_L − v) + R·I(t) + g_e (E_e − v) + g_i (E_i − v),  g in units of g_L

Order of operations within step g (the same as Brian2's default schedule, so that both
simulators agree spike for spike): refractory countdown → membrane update (skipped while
refractory: v is clamped) → synaptic decay → arrival of events due at g → threshold v > θ
→ reset v ← v_reset → events of step g are queued for step g + delay (delay ≥ 1 step).
State monitors sample at the start of the step, as Brian2's StateMonitor does.
"""

from libc.stdlib cimport malloc, realloc, free, calloc
from libc.string cimport memset
from libc.math cimport exp
import numpy as np


cdef struct SpikeBuf:
    long long *steps
    int *ids
    Py_ssize_t n
    Py_ssize_t cap


cdef inline int _push(SpikeBuf *b, long long step, int nid) noexcept nogil:
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
        b.cap = newcap
    b.steps[b.n] = step
    b.ids[b.n] = nid
    b.n += 1
    return 0


def run_kernel(long long step0, long long n_steps,
               double[::1] v, double[::1] ge, double[::1] gi, int[::1] refrac,
               int[::1] pop_start, int[::1] pop_stop, signed char[::1] pop_mode,
               double[::1] el, double[::1] vth, double[::1] vreset, int[::1] ref_steps,
               double[::1] ri,
               double[::1] p_mem, double[::1] p_e, double[::1] p_i,
               double[::1] d_e, double[::1] d_i,
               double[::1] dt_over_tau, double[::1] e_e, double[::1] e_i,
               int[::1] dyn_idx, double[:, ::1] dyn_vals,
               long long[::1] ext_ptr, int[::1] ext_ids,
               long long[::1] syn_ptr, int[::1] syn_tgt, double[::1] syn_w,
               int[::1] syn_delay, int[::1] syn_ch,
               double[::1] ring, int ring_len,
               unsigned char[::1] spike_mask,
               int[::1] rec_idx, long long rec_every,
               double[:, ::1] rec_v, double[:, ::1] rec_ge, double[:, ::1] rec_gi):
    """Advance the network by ``n_steps`` steps starting at global step ``step0``.

    All arrays are modified in place (state, ring buffer, recordings). Returns the recorded
    spikes as ``(steps int64, ids int32)`` and the number of state-monitor rows written.
    Validation happens in Python (``neurobench.core.network``) before this call.
    """
    cdef Py_ssize_t n_neurons = v.shape[0]
    cdef Py_ssize_t n_pops = pop_start.shape[0]
    cdef Py_ssize_t n_dyn = dyn_idx.shape[0]
    cdef Py_ssize_t n_rec = rec_idx.shape[0]
    cdef Py_ssize_t s, i, k, p, r, row = 0
    cdef long long g, src
    cdef int slot, slot2, mode, n_spk
    cdef double ie, ii, vi, vinf, gtot
    cdef Py_ssize_t inh_off = <Py_ssize_t> ring_len * n_neurons
    cdef double *ri_dyn = <double *> calloc(n_neurons if n_neurons > 0 else 1, sizeof(double))
    cdef int *spiking = <int *> malloc((n_neurons if n_neurons > 0 else 1) * sizeof(int))
    cdef SpikeBuf buf
    cdef int err = 0
    buf.steps = NULL
    buf.ids = NULL
    buf.n = 0
    buf.cap = 0
    if ri_dyn == NULL or spiking == NULL:
        free(ri_dyn)
        free(spiking)
        raise MemoryError("cannot allocate kernel work arrays")

    with nogil:
        for s in range(n_steps):
            g = step0 + s
            slot = <int> (g % ring_len)
            # state monitor: values at the start of the step
            if n_rec > 0 and g % rec_every == 0:
                for k in range(n_rec):
                    i = rec_idx[k]
                    rec_v[row, k] = v[i]
                    rec_ge[row, k] = ge[i]
                    rec_gi[row, k] = gi[i]
                row += 1
            for k in range(n_dyn):
                ri_dyn[dyn_idx[k]] = dyn_vals[s, k]
            n_spk = 0
            for p in range(n_pops):
                mode = pop_mode[p]
                if mode == 0:
                    for i in range(pop_start[p], pop_stop[p]):
                        ie = ge[i]
                        ii = gi[i]
                        if refrac[i] > 0:
                            refrac[i] -= 1
                        if refrac[i] == 0:
                            vinf = el[i] + ri[i] + ri_dyn[i]
                            v[i] = vinf + (v[i] - vinf) * p_mem[i] + ie * p_e[i] + ii * p_i[i]
                        ge[i] = ie * d_e[i] + ring[slot * n_neurons + i]
                        gi[i] = ii * d_i[i] + ring[inh_off + slot * n_neurons + i]
                        ring[slot * n_neurons + i] = 0.0
                        ring[inh_off + slot * n_neurons + i] = 0.0
                        if refrac[i] == 0 and v[i] > vth[i]:
                            v[i] = vreset[i]
                            refrac[i] = ref_steps[i]
                            spiking[n_spk] = <int> i
                            n_spk += 1
                else:
                    for i in range(pop_start[p], pop_stop[p]):
                        ie = ge[i]
                        ii = gi[i]
                        if refrac[i] > 0:
                            refrac[i] -= 1
                        if refrac[i] == 0:
                            gtot = 1.0 + ie + ii
                            vinf = (el[i] + ri[i] + ri_dyn[i] + ie * e_e[i] + ii * e_i[i]) / gtot
                            v[i] = vinf + (v[i] - vinf) * exp(-dt_over_tau[i] * gtot)
                        ge[i] = ie * d_e[i] + ring[slot * n_neurons + i]
                        gi[i] = ii * d_i[i] + ring[inh_off + slot * n_neurons + i]
                        ring[slot * n_neurons + i] = 0.0
                        ring[inh_off + slot * n_neurons + i] = 0.0
                        if refrac[i] == 0 and v[i] > vth[i]:
                            v[i] = vreset[i]
                            refrac[i] = ref_steps[i]
                            spiking[n_spk] = <int> i
                            n_spk += 1
            for k in range(n_dyn):
                ri_dyn[dyn_idx[k]] = 0.0
            # record and propagate this step's spikes (neurons, then external sources)
            for r in range(n_spk):
                i = spiking[r]
                if spike_mask[i]:
                    if _push(&buf, g, <int> i) != 0:
                        err = 1
                        break
                for k in range(syn_ptr[i], syn_ptr[i + 1]):
                    slot2 = slot + syn_delay[k]
                    if slot2 >= ring_len:
                        slot2 = slot2 - ring_len
                    ring[syn_ch[k] * inh_off + slot2 * n_neurons + syn_tgt[k]] += syn_w[k]
            if err:
                break
            for r in range(ext_ptr[s], ext_ptr[s + 1]):
                src = ext_ids[r]
                for k in range(syn_ptr[src], syn_ptr[src + 1]):
                    slot2 = slot + syn_delay[k]
                    if slot2 >= ring_len:
                        slot2 = slot2 - ring_len
                    ring[syn_ch[k] * inh_off + slot2 * n_neurons + syn_tgt[k]] += syn_w[k]

    free(ri_dyn)
    free(spiking)
    if err:
        free(buf.steps)
        free(buf.ids)
        raise MemoryError("cannot grow the spike buffer")
    steps = np.empty(buf.n, dtype=np.int64)
    ids = np.empty(buf.n, dtype=np.int32)
    cdef long long[::1] steps_v = steps
    cdef int[::1] ids_v = ids
    for r in range(buf.n):
        steps_v[r] = buf.steps[r]
        ids_v[r] = buf.ids[r]
    free(buf.steps)
    free(buf.ids)
    return steps, ids, row
