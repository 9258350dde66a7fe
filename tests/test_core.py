"""The Cython LIF core against closed-form solutions, and its input validation."""

import numpy as np
import pytest

from neurobench.core import LIFParameters, Network

DT = 0.1
P = LIFParameters(tau_m_ms=20.0, v_rest_mV=-65.0, v_th_mV=-50.0, v_reset_mV=-65.0,
                  t_ref_ms=2.0, r_mohm=100.0, tau_e_ms=5.0, tau_i_ms=10.0)


def test_free_membrane_relaxation():
    net = Network(DT)
    pop = net.add_lif(1, P, v_init_mV=-55.0)
    st = net.record_state(pop, [0])
    net.run(50.0)
    expected = -65.0 + 10.0 * np.exp(-st.t / 20.0)
    np.testing.assert_allclose(st.v[:, 0], expected, rtol=0, atol=1e-10)


def test_constant_current_charging_below_threshold():
    net = Network(DT)
    pop = net.add_lif(1, P)
    pop.i_const_pA[:] = 100.0                     # R·I = 100 MΩ · 100 pA = 10 mV < 15 mV
    st = net.record_state(pop, [0])
    net.run(100.0)
    expected = -65.0 + 10.0 * (1 - np.exp(-st.t / 20.0))
    np.testing.assert_allclose(st.v[:, 0], expected, rtol=0, atol=1e-10)


def test_firing_period_and_refractory_clamp():
    net = Network(DT)
    p = LIFParameters(tau_m_ms=20.0, v_rest_mV=-65.0, v_th_mV=-50.0, v_reset_mV=-70.0,
                      t_ref_ms=5.0, r_mohm=100.0)
    pop = net.add_lif(1, p)
    pop.i_const_pA[:] = 300.0                     # R·I = 30 mV
    spk = net.record_spikes(pop)
    st = net.record_state(pop, [0])
    net.run(200.0)
    t = spk.t()
    # first crossing from rest: τ ln(RI / (RI − 15)); later ones start from the reset
    t_first = 20.0 * np.log(30.0 / 15.0)
    t_next = 5.0 + 20.0 * np.log((30.0 + 5.0) / (30.0 + 5.0 - 20.0))
    assert t[0] == pytest.approx(t_first, abs=DT)
    np.testing.assert_allclose(np.diff(t), t_next, atol=DT)
    # v is clamped at the reset for exactly t_ref after each spike (50 samples)
    k = int(round(t[0] / DT))
    clamp = st.v[k + 1:k + 51, 0]
    np.testing.assert_array_equal(clamp, -70.0)
    assert st.v[k + 51, 0] > -70.0


def _one_input_spike(tau_e, weight=2.0, delay_ms=1.0, t_spike=5.0, synapse="current"):
    net = Network(DT)
    p = LIFParameters(tau_m_ms=20.0, v_rest_mV=-65.0, v_th_mV=0.0, tau_e_ms=tau_e,
                      e_e_mV=0.0)
    pop = net.add_lif(1, p, synapse=synapse)
    gen = net.add_spike_generator(1, [0], [t_spike])
    net.connect(gen, pop, "exc", weight=weight, delay_ms=delay_ms, pre=[0], post=[0])
    st = net.record_state(pop, [0])
    net.run(60.0)
    return st


@pytest.mark.parametrize("tau_e", [5.0, 20.0])
def test_exponential_psc_and_psp_shapes(tau_e):
    st = _one_input_spike(tau_e)
    # 5 ms spike + 1 ms delay: the event lands at the end of the 6.0 ms step (Brian2's
    # schedule: after the state update), so the current acts from t0 = 6.1 ms on.
    t0 = 6.0 + DT
    d = st.t - t0
    after = d > -1e-9
    np.testing.assert_allclose(st.ge[after, 0], 2.0 * np.exp(-d[after] / tau_e), rtol=1e-9)
    assert np.all(st.ge[~after, 0] == 0)
    if tau_e == 20.0:
        psp = 2.0 * d / 20.0 * np.exp(-d / 20.0)
    else:
        psp = 2.0 * tau_e / (tau_e - 20.0) * (np.exp(-d / tau_e) - np.exp(-d / 20.0))
    np.testing.assert_allclose(st.v[after, 0] + 65.0, psp[after], rtol=1e-8, atol=1e-12)


def test_conductance_jump_and_decay():
    st = _one_input_spike(5.0, weight=0.1, synapse="conductance")
    d = st.t - (6.0 + DT)
    after = d > -1e-9
    np.testing.assert_allclose(st.ge[after, 0], 0.1 * np.exp(-d[after] / 5.0), rtol=1e-9)
    assert st.v[after, 0].max() > -65.0           # depolarises towards E_e = 0 mV


def test_kernel_exponential_equals_libm_bit_for_bit():
    """The conductance-based update's exponential (vector form where built with AVX2 and FMA)
    returns libm's exp exactly: over the membrane's range, across the vector range |x| ≤ 64,
    beyond it, and at the special values."""
    from neurobench.core import _engine

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-2.0, 0.0, 1_000_000), rng.uniform(-64.0, 64.0, 500_000),
                        rng.uniform(-1e-6, 1e-6, 100_000), rng.uniform(-745.0, 709.0, 100_000),
                        [0.0, -0.0, 64.0, -64.0, np.nextafter(64.0, 100.0), 709.8, -745.2,
                         np.inf, -np.inf, np.nan, 5e-324, np.log(2.0), -np.log(2.0) / 512]])
    libm, kernel, _ = _engine.exp_libm_and_kernel(x)
    np.testing.assert_array_equal(kernel, libm)


@pytest.mark.parametrize("uniform", [False, True])
def test_conductance_update_equals_its_equations_bit_for_bit(uniform):
    """Per-neuron or equal parameters, 70 neurons (a 64-neuron block and a tail): the membrane
    follows v∞ + (v − v∞)·exp(−g·dt/τ_m) with libm's exp (Python's math.exp) operation for
    operation."""
    import math

    rng = np.random.default_rng(3)
    n = 70
    draw = (lambda lo, hi: float(rng.uniform(lo, hi))) if uniform else (
        lambda lo, hi: rng.uniform(lo, hi, n))
    prm = LIFParameters(tau_m_ms=draw(5, 30), v_rest_mV=draw(-70, -60),
                        v_th_mV=100.0, v_reset_mV=-65.0, t_ref_ms=0.0, r_mohm=100.0,
                        tau_e_ms=draw(2, 8), tau_i_ms=draw(5, 15),
                        e_e_mV=0.0, e_i_mV=draw(-85, -75))
    net = Network(DT)
    ge0, gi0 = rng.uniform(0, 3, n), rng.uniform(0, 5, n)
    pop = net.add_lif(n, prm, synapse="conductance", v_init_mV=rng.uniform(-70, -55, n),
                      ge_init=ge0, gi_init=gi0)
    pop.i_const_pA[:] = rng.uniform(0, 100, n)
    net.run(0.0)
    C = net._compiled
    drive = C["el"] + C["r_mohm"] * pop.i_const_pA * 1e-3
    v, ge, gi = pop.v_init_mV.copy(), ge0.copy(), gi0.copy()
    for _ in range(40):
        gtot = 1.0 + ge + gi
        vinf = (drive + ge * C["e_e"] + gi * C["e_i"]) / gtot
        x = -C["dt_over_tau"] * gtot
        v = vinf + (v - vinf) * np.array([math.exp(a) for a in x])
        ge, gi = ge * C["d_e"], gi * C["d_i"]
    net.run(40 * DT)
    np.testing.assert_array_equal(net.v(pop), v)
    np.testing.assert_array_equal(C["ge"], ge)


@pytest.mark.parametrize("delay_ms", [0.1, 1.0, 3.7])
def test_delays(delay_ms):
    st = _one_input_spike(5.0, delay_ms=delay_ms)
    first = st.t[np.argmax(st.ge[:, 0] > 0)]
    assert first == pytest.approx(5.0 + delay_ms + DT)


def test_recurrent_delay_and_inhibition():
    net = Network(DT)
    pop = net.add_lif(2, LIFParameters(t_ref_ms=50.0))
    pop.i_const_pA[:] = [500.0, 0.0]
    net.connect(pop, pop, "inh", weight=-3.0, delay_ms=2.0, pre=[0], post=[1])
    spk = net.record_spikes(pop)
    st = net.record_state(pop, [1])
    net.run(40.0)
    t0 = spk.t()[spk.i() == 0][0]
    idx = np.argmax(st.gi[:, 0] < 0)
    assert st.t[idx] == pytest.approx(t0 + 2.0 + DT)
    assert st.gi[idx, 0] == pytest.approx(-3.0)


def _poisson_relay(seed, rate_hz=50.0, n=400, duration_ms=4000.0):
    """Poisson sources observed through relay neurons that fire once per input spike."""
    net = Network(DT, seed=seed)
    relay = net.add_lif(n, LIFParameters(t_ref_ms=0.0, tau_e_ms=0.01, v_th_mV=-50.0))
    src = net.add_poisson(n, rate_hz)
    net.connect(src, relay, "exc", weight=1e6, pre=np.arange(n), post=np.arange(n))
    spk = net.record_spikes(relay)
    net.run(duration_ms)
    return spk


def test_poisson_rate_and_cv():
    spk = _poisson_relay(seed=3)
    counts = spk.counts()
    rate = counts.mean() / 4.0
    # mean of 400 × Poisson(200) counts: sd of the mean ≈ sqrt(200)/20/4 Hz ≈ 0.18 Hz
    assert rate == pytest.approx(50.0, abs=1.0)
    t, i = spk.t(), spk.i()
    isis = np.concatenate([np.diff(t[i == k]) for k in range(400)])
    cv = isis.std() / isis.mean()
    assert cv == pytest.approx(1.0, abs=0.03)
    assert counts.var() / counts.mean() == pytest.approx(1.0, abs=0.2)   # Fano factor


def test_determinism_per_seed():
    a, b, c = (_poisson_relay(s, n=20, duration_ms=500.0) for s in (7, 7, 8))
    np.testing.assert_array_equal(a.t(), b.t())
    np.testing.assert_array_equal(a.i(), b.i())
    assert not (a.t().size == c.t().size and np.array_equal(a.t(), c.t()))


def test_fixed_probability_connectivity_statistics():
    net = Network(DT, seed=1)
    a = net.add_lif(500)
    b = net.add_lif(400)
    proj = net.connect(a, b, p=0.05)
    frac = proj.n_synapses / (500 * 400)
    assert frac == pytest.approx(0.05, abs=0.002)     # sd ≈ 0.0005
    auto = net.connect(b, b, p=1.0)
    assert auto.n_synapses == 400 * 399 and np.all(auto.pre != auto.post)


def test_time_varying_current():
    net = Network(DT)
    pop = net.add_lif(2, P)
    steps = int(50.0 / DT)
    vals = np.zeros((steps, 1))
    vals[: steps // 2] = 100.0                      # 10 mV drive for 25 ms, then off
    net.set_current(pop, vals, neurons=[1])
    st = net.record_state(pop, [0, 1])
    net.run(50.0)
    np.testing.assert_array_equal(st.v[:, 0], -65.0)
    v_on = -65.0 + 10.0 * (1 - np.exp(-25.0 / 20.0))
    k = int(round(25.0 / DT))
    assert st.v[k, 1] == pytest.approx(v_on, abs=1e-9)
    assert st.v[-1, 1] < st.v[k, 1]


def test_runs_continue_state():
    def make():
        net = Network(DT)
        pop = net.add_lif(1, P)
        pop.i_const_pA[:] = 250.0
        return net, pop, net.record_spikes(pop)

    n1, _, s1 = make()
    n1.run(300.0)
    n2, _, s2 = make()
    n2.run(100.0)
    n2.run(200.0)
    np.testing.assert_allclose(s1.t(), s2.t())


def test_repeated_events_in_one_step_and_across_segments():
    """A generator may fire one channel twice in a step (each event is delivered); events
    pending at the end of a run segment arrive in the next one, also when the next segment
    needs more room per step for its external events than the previous one had."""
    def make():
        net = Network(DT)
        pop = net.add_lif(1, LIFParameters(v_th_mV=1e9, tau_e_ms=5.0))
        gen = net.add_spike_generator(3, [0, 1, 1, 2, 2, 2], [4.0] + [5.0] * 5)
        net.connect(gen, pop, "exc", weight=1.0, delay_ms=1.0, pre=[0, 1, 2], post=[0, 0, 0])
        return net, net.record_state(pop, [0])

    one, st1 = make()
    one.run(20.0)
    two, st2 = make()
    two.run(4.5)
    two.run(15.5)
    np.testing.assert_array_equal(st2.ge[:, 0], st1.ge[:, 0])
    t = st1.t
    k1 = int(np.argmax(t > 5.0 + 1e-9))       # first sample after the 4.0 ms event's arrival
    k2 = int(np.argmax(t > 6.0 + 1e-9))       # … after the five 5.0 ms events' arrival
    assert st1.ge[k1, 0] == pytest.approx(1.0)
    assert st1.ge[k2, 0] == pytest.approx(np.exp(-1.0 / 5.0) + 5.0)


def test_events_by_step_is_a_stable_csr():
    from neurobench.core.events import events_by_step

    ptr, ids = events_by_step([np.array([2, 0, 2]), np.array([1, 2])],
                              [np.array([5, 6, 7]), np.array([8, 9])], 4)
    np.testing.assert_array_equal(ptr, [0, 1, 2, 5, 5])
    np.testing.assert_array_equal(ids, [6, 8, 5, 7, 9])     # given order kept within a step
    assert ids.dtype == np.int32
    ptr, ids = events_by_step([], [], 3)
    np.testing.assert_array_equal(ptr, [0, 0, 0, 0])
    assert ids.size == 0
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        events_by_step([np.array([4])], [np.array([1])], 4)


def test_sorted_runs_give_the_same_csr_as_the_counting_sort():
    """Long sorted runs (Poisson processes, spike generators) take the block-wise sort; it must
    give exactly the CSR of the plain counting sort, across blocks and with repeated steps."""
    from neurobench.core import _engine
    from neurobench.core.events import events_by_step

    rng = np.random.default_rng(11)
    n_steps = 3 * 4096 + 17
    chunks = [np.sort(rng.integers(0, n_steps, m)) for m in (5000, 1, 0, 8000)]
    ids = [rng.integers(0, 50, c.size) for c in chunks]
    ptr, out = events_by_step(chunks, ids, n_steps)
    st, src = np.concatenate(chunks), np.concatenate(ids)
    ref_ptr = np.zeros(n_steps + 1, dtype=np.int64)
    np.cumsum(np.bincount(st, minlength=n_steps), out=ref_ptr[1:])
    np.testing.assert_array_equal(ptr, ref_ptr)
    np.testing.assert_array_equal(out, _engine.group_by_step(st, src, ref_ptr))


@pytest.mark.parametrize("prob", [0.0015, 0.2, 0.5, 1.0])
def test_poisson_draws_equal_numpys_geometric_batches(prob):
    """The compiled Poisson sources draw from the network's numpy Generator exactly what
    ``rng.geometric`` batches of int(n·p + 6·√(n·p) + 8) gaps would (same steps, same state
    afterwards), so runs keep the spikes they had when the draws were made in Python."""
    import math

    from neurobench.core import _engine

    n = 20_000
    probs = np.array([prob, prob / 3, 0.0])
    rng, ref_rng = np.random.default_rng(4), np.random.default_rng(4)
    steps, counts = _engine.bernoulli_steps(rng, probs, n)
    expected = []
    for p in probs[probs > 0]:
        if p >= 1.0:
            expected.append(np.arange(n))
            continue
        size, last = int(n * p + 6 * math.sqrt(n * p) + 8), -1
        while True:
            pos = last + np.cumsum(ref_rng.geometric(p, size=size))
            expected.append(pos[pos < n])
            if pos[-1] >= n:
                break
            last = int(pos[-1])
    np.testing.assert_array_equal(steps, np.concatenate(expected))
    assert counts[-1] == 0 and counts.sum() == steps.size
    assert rng.random() == ref_rng.random()
    # the event array grows (resuming the draws where they stopped) when it is too small
    grown, grown_counts = _engine.bernoulli_steps(np.random.default_rng(4), probs, n,
                                                  initial_capacity=1)
    np.testing.assert_array_equal(grown, steps)
    np.testing.assert_array_equal(grown_counts, counts)


@pytest.mark.parametrize("call, match", [
    (lambda: Network(dt_ms=0.0), "dt_ms"),
    (lambda: Network(dt_ms=-0.1), "dt_ms"),
    (lambda: Network().add_lif(3, LIFParameters(tau_m_ms=0.0)), "tau_m_ms"),
    (lambda: Network().add_lif(3, LIFParameters(tau_e_ms=-1.0)), "tau_e_ms"),
    (lambda: Network().add_lif(3, LIFParameters(t_ref_ms=-1.0)), "t_ref_ms"),
    (lambda: Network().add_lif(3, LIFParameters(v_th_mV=np.array([1.0, 2.0]))), "v_th_mV"),
    (lambda: Network().add_lif(3, LIFParameters(v_rest_mV=np.nan)), "v_rest_mV"),
    (lambda: Network().add_lif(3, LIFParameters(r_mohm=np.inf)), "r_mohm"),
    (lambda: Network().add_lif(0), "n must be"),
    (lambda: Network().add_spike_generator(2, [0, 2], [1.0, 2.0]), "indices out of range"),
    (lambda: Network().add_spike_generator(2, [0, 1], [1.0]), "equal length"),
    (lambda: Network().add_spike_generator(2, [0], [np.inf]), "times_ms"),
    (lambda: Network().add_poisson(2, -5.0), "rates_hz"),
])
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_connections_raise():
    net = Network(DT)
    a = net.add_lif(3)
    with pytest.raises(ValueError, match="delay_ms"):
        net.connect(a, a, pre=[0], post=[1], delay_ms=0.04)
    with pytest.raises(ValueError, match="delay_ms"):
        net.connect(a, a, pre=[0], post=[1], delay_ms=0.0)
    with pytest.raises(ValueError, match="post indices out of range"):
        net.connect(a, a, pre=[0], post=[3])
    with pytest.raises(ValueError, match="weight"):
        net.connect(a, a, pre=[0, 1], post=[1, 2], weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weight"):
        net.connect(a, a, pre=[0], post=[1], weight=np.nan)
    with pytest.raises(ValueError, match="p must"):
        net.connect(a, a, p=1.5)
    with pytest.raises(ValueError, match="receptor"):
        net.connect(a, a, "ampa", p=0.1)
    b = net.add_lif(2, synapse="conductance")
    with pytest.raises(ValueError, match="conductance"):
        net.connect(a, b, pre=[0], post=[1], weight=-1.0)
    with pytest.raises(ValueError, match="duration_ms"):
        net.run(-1.0)


def test_runs_by_step_equals_events_by_step():
    """Poisson processes grouped by run (one id per process) give the CSR of the per-event
    grouping."""
    from neurobench.core import _engine
    from neurobench.core.events import events_by_step, runs_by_step

    n_steps = 50_000
    steps, counts = _engine.bernoulli_steps(np.random.default_rng(2), np.full(300, 0.004), n_steps)
    ids = np.arange(7, 307)
    ptr, out = runs_by_step(steps, counts, ids, n_steps)
    ref_ptr, ref_out = events_by_step([steps], [np.repeat(ids, counts)], n_steps)
    np.testing.assert_array_equal(ptr, ref_ptr)
    np.testing.assert_array_equal(out, ref_out)
    with pytest.raises(ValueError, match="runs"):
        runs_by_step(steps, counts[:-1], ids[:-1], n_steps)
