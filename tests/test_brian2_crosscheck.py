"""Cross-check of the Cython core against Brian2 on a small recurrent network driven by identical
explicit input spikes (Brian2's random streams differ from ours, so inputs are given, not drawn)."""

import numpy as np
import pytest

b2 = pytest.importorskip("brian2")

from neurobench.core import LIFParameters, Network  # noqa: E402

DT = 0.1
N_IN, N = 6, 8
DURATION = 300.0


def _network_spec(seed=5):
    rng = np.random.default_rng(seed)
    n_ev = 240
    in_i = rng.integers(0, N_IN, n_ev)
    in_t = np.round(rng.uniform(0, DURATION - 20, n_ev) / DT) * DT
    # remove duplicate (neuron, step) pairs: Brian2's SpikeGeneratorGroup forbids them
    key = np.unique(np.round(in_t / DT).astype(int) * N_IN + in_i)
    in_t, in_i = (key // N_IN) * DT, key % N_IN
    ff_pre, ff_post = np.meshgrid(np.arange(N_IN), np.arange(N), indexing="ij")
    keep = rng.random(ff_pre.shape) < 0.6
    ff = (ff_pre[keep], ff_post[keep])
    ff_w = rng.uniform(2.0, 8.0, ff[0].size)
    ff_d = rng.integers(1, 30, ff[0].size) * DT
    rec_pre, rec_post = np.nonzero(~np.eye(N, dtype=bool) & (rng.random((N, N)) < 0.4))
    rec_w = rng.uniform(-6.0, -1.0, rec_pre.size)
    rec_d = rng.integers(1, 20, rec_pre.size) * DT
    return in_i, in_t, ff, ff_w, ff_d, (rec_pre, rec_post), rec_w, rec_d


def _run_core(spec, synapse):
    in_i, in_t, ff, ff_w, ff_d, rec, rec_w, rec_d = spec
    p = LIFParameters(tau_m_ms=15.0, v_rest_mV=-65.0, v_th_mV=-52.0, v_reset_mV=-68.0,
                      t_ref_ms=2.0, tau_e_ms=4.0, tau_i_ms=8.0, e_e_mV=0.0, e_i_mV=-80.0)
    net = Network(DT)
    pop = net.add_lif(N, p, synapse=synapse)
    gen = net.add_spike_generator(N_IN, in_i, in_t)
    scale = 0.05 if synapse == "conductance" else 1.0
    net.connect(gen, pop, "exc", weight=ff_w * scale, delay_ms=ff_d, pre=ff[0], post=ff[1])
    net.connect(pop, pop, "inh", weight=(-rec_w if synapse == "conductance" else rec_w) * scale,
                delay_ms=rec_d, pre=rec[0], post=rec[1])
    spk = net.record_spikes(pop)
    st = net.record_state(pop, np.arange(N))
    net.run(DURATION)
    return spk.t(), spk.i(), st.v


def _run_brian2(spec, synapse):
    in_i, in_t, ff, ff_w, ff_d, rec, rec_w, rec_d = spec
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT * b2.ms
    ns = dict(tau_m=15 * b2.ms, E_L=-65 * b2.mV, v_th=-52 * b2.mV, v_r=-68 * b2.mV,
              tau_e=4 * b2.ms, tau_i=8 * b2.ms, E_e=0 * b2.mV, E_i=-80 * b2.mV)
    if synapse == "current":
        eqs = """dv/dt = (E_L - v + Ie + Ii) / tau_m : volt (unless refractory)
                 dIe/dt = -Ie / tau_e : volt
                 dIi/dt = -Ii / tau_i : volt"""
        method, on_e, on_i, unit, scale = "exact", "Ie_post += w", "Ii_post += w", b2.mV, 1.0
    else:
        eqs = """dv/dt = (E_L - v + ge * (E_e - v) + gi * (E_i - v)) / tau_m : volt (unless refractory)
                 dge/dt = -ge / tau_e : 1
                 dgi/dt = -gi / tau_i : 1"""
        method, on_e, on_i, unit, scale = "exponential_euler", "ge_post += w", "gi_post += w", 1, 0.05
    g = b2.NeuronGroup(N, eqs, threshold="v > v_th", reset="v = v_r", refractory=2 * b2.ms,
                       method=method, namespace=ns)
    g.v = -65 * b2.mV
    gen = b2.SpikeGeneratorGroup(N_IN, in_i, in_t * b2.ms)
    s_ff = b2.Synapses(gen, g, "w : " + ("volt" if unit is b2.mV else "1"), on_pre=on_e)
    s_ff.connect(i=ff[0], j=ff[1])
    s_ff.w = ff_w * scale * unit
    s_ff.delay = ff_d * b2.ms
    s_rec = b2.Synapses(g, g, "w : " + ("volt" if unit is b2.mV else "1"), on_pre=on_i)
    s_rec.connect(i=rec[0], j=rec[1])
    s_rec.w = (rec_w if synapse == "current" else -rec_w) * scale * unit
    s_rec.delay = rec_d * b2.ms
    spk = b2.SpikeMonitor(g)
    st = b2.StateMonitor(g, "v", record=True)
    net = b2.Network(g, gen, s_ff, s_rec, spk, st)
    net.run(DURATION * b2.ms)
    return np.asarray(spk.t / b2.ms), np.asarray(spk.i[:]), np.asarray(st.v / b2.mV).T


@pytest.mark.parametrize("synapse", ["current", "conductance"])
def test_core_matches_brian2_spike_for_spike(synapse):
    spec = _network_spec()
    t_c, i_c, v_c = _run_core(spec, synapse)
    t_b, i_b, v_b = _run_brian2(spec, synapse)
    assert t_c.size > 20, "the test network should be active"
    assert t_c.size == t_b.size
    oc, ob = np.lexsort((t_c, i_c)), np.lexsort((t_b, i_b))
    np.testing.assert_array_equal(i_c[oc], i_b[ob])
    np.testing.assert_allclose(t_c[oc], t_b[ob], atol=1e-9)
    np.testing.assert_allclose(v_c, v_b, atol=1e-9)
