"""The core's plasticity (STDP, Tsodyks–Markram STP), weight monitors and thread identity,
checked against hand-computed values and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from neurobench.core import STDP, LIFParameters, Network, TsodyksMarkram

DT = 0.1
# one spike only: a long refractory period after the forced spike
ONE_SPIKE = LIFParameters(tau_m_ms=10.0, v_rest_mV=-70.0, v_th_mV=-50.0, v_reset_mV=-70.0,
                          t_ref_ms=150.0, r_mohm=0.0)
SILENT = LIFParameters(tau_m_ms=10.0, v_rest_mV=-70.0, v_th_mV=1e9, v_reset_mV=-70.0,
                       t_ref_ms=0.0, r_mohm=0.0, tau_e_ms=5.0)


def _pair(rule, t_pre_ms, t_drive_ms, w0=0.5):
    """One presynaptic spike (plastic synapse) and one forced postsynaptic spike."""
    net = Network(DT, seed=0)
    post = net.add_lif(1, ONE_SPIKE)
    drive = net.add_spike_generator(1, [0], [t_drive_ms])
    pre = net.add_spike_generator(1, [0], [t_pre_ms])
    net.connect(drive, post, "exc", weight=1000.0, p=1.0)
    proj = net.connect(pre, post, "exc", weight=w0, stdp=rule, p=1.0)
    rec = net.record_spikes(post)
    net.run(250.0)
    assert rec.t().size == 1
    return proj.weights[0] - w0, rec.t()[0] - t_pre_ms


@pytest.mark.parametrize("shift_ms", [-30.0, -4.0, 3.0, 25.0])
def test_stdp_pair_follows_eq_19_10(shift_ms):
    rule = STDP(tau_plus_ms=16.8, tau_minus_ms=33.7, a_plus=0.01, a_minus=0.012)
    dw, delta = _pair(rule, 50.0, 50.0 + shift_ms)
    # eq. 19.10 by hand: A₊ e^{−Δt/τ₊} for Δt > 0, −A₋ e^{Δt/τ₋} for Δt < 0
    expected = 0.01 * np.exp(-delta / 16.8) if delta > 0 else -0.012 * np.exp(delta / 33.7)
    assert dw == pytest.approx(expected, rel=1e-12)


def test_stdp_same_step_pair_potentiates_by_a_plus():
    """A pre and a post spike in the same time step (Δt = 0): the kernel delivers the
    presynaptic spike first and then potentiates from its trace, Δw = +A₊ (Brian2's order of
    the on_pre and on_post pathways); ``STDP.window(0)`` says the same."""
    rule = STDP(tau_plus_ms=20.0, tau_minus_ms=20.0, a_plus=0.01, a_minus=0.012)
    # the forced postsynaptic spike follows its drive by 4 steps (0.4 ms): drive 0.4 ms early
    dw, delta = _pair(rule, 50.0, 49.6)
    assert delta == pytest.approx(0.0, abs=1e-9)
    assert dw == pytest.approx(0.01, rel=1e-12)
    assert float(rule.window(0.0)) == pytest.approx(0.01, rel=1e-15)
    assert float(rule.window(delta)) == pytest.approx(dw, rel=1e-12)
    soft = STDP(a_plus=0.1, a_minus=0.1, w_min=0.0, w_max=2.0, bounds="soft")
    assert float(soft.window(0.0, w=1.5)) == pytest.approx(0.1 * 0.5 / 2.0, rel=1e-15)


def test_stdp_soft_bounds_scale_with_distance_to_bound():
    rule = STDP(tau_plus_ms=20.0, tau_minus_ms=20.0, a_plus=0.1, a_minus=0.1,
                w_min=0.0, w_max=2.0, bounds="soft")
    dw, delta = _pair(rule, 50.0, 60.0, w0=1.5)
    assert dw == pytest.approx(0.1 * (2.0 - 1.5) / 2.0 * np.exp(-delta / 20.0), rel=1e-12)
    dw, delta = _pair(rule, 50.0, 40.0, w0=1.5)
    assert dw == pytest.approx(-0.1 * 1.5 / 2.0 * np.exp(delta / 20.0), rel=1e-12)


def test_stdp_all_to_all_vs_nearest_pairing():
    """Two presynaptic spikes, then one postsynaptic spike: all-to-all sums both pairs,
    nearest pairs the postsynaptic spike with the later presynaptic spike only."""
    def run(pairing):
        rule = STDP(tau_plus_ms=20.0, tau_minus_ms=20.0, a_plus=0.01, a_minus=0.0,
                    pairing=pairing)
        net = Network(DT, seed=0)
        post = net.add_lif(1, ONE_SPIKE)
        drive = net.add_spike_generator(1, [0], [60.0])
        pre = net.add_spike_generator(1, [0, 0], [40.0, 50.0])
        net.connect(drive, post, "exc", weight=1000.0, p=1.0)
        proj = net.connect(pre, post, "exc", weight=0.5, stdp=rule, p=1.0)
        rec = net.record_spikes(post)
        net.run(200.0)
        return proj.weights[0] - 0.5, rec.t()[0]
    dw_all, t_post = run("all")
    dw_near, _ = run("nearest")
    assert dw_all == pytest.approx(0.01 * (np.exp(-(t_post - 40) / 20) + np.exp(-(t_post - 50) / 20)),
                                   rel=1e-12)
    assert dw_near == pytest.approx(0.01 * np.exp(-(t_post - 50) / 20), rel=1e-12)


def test_stdp_hard_bounds_clip():
    rule = STDP(a_plus=0.5, a_minus=1.0, w_min=0.0, w_max=0.6)
    dw, _ = _pair(rule, 50.0, 51.0, w0=0.5)
    assert dw == pytest.approx(0.1, abs=1e-15)
    dw, _ = _pair(rule, 50.0, 49.0, w0=0.5)
    assert dw == pytest.approx(-0.5, abs=1e-15)


def test_stp_steady_state_matches_tsodyks_markram():
    """A regular 50 Hz train: the k-th transmitted amplitude follows the recursion computed by
    hand, and the last one the closed-form steady state."""
    stp = TsodyksMarkram(U=0.2, tau_f_ms=500.0, tau_d_ms=100.0)
    net = Network(DT)
    post = net.add_lif(1, SILENT)
    times = 10.0 + 20.0 * np.arange(60)
    gen = net.add_spike_generator(1, np.zeros(times.size, int), times)
    net.connect(gen, post, "exc", weight=1.0, stp=stp, p=1.0)
    st = net.record_state(post, [0])
    net.run(1300.0)
    ge = st.ge[:, 0]
    k = np.rint(times / DT).astype(int) + 1          # arrival step (delay one step)
    amp = ge[k + 1] - ge[k] * np.exp(-DT / 5.0)      # the jump of I_e at arrival
    u, x, expected = 0.0, 1.0, []
    for j in range(times.size):                      # the recursion by hand
        if j:
            u *= np.exp(-20.0 / 500.0)
            x = 1 - (1 - x) * np.exp(-20.0 / 100.0)
        u += 0.2 * (1 - u)
        expected.append(u * x)
        x -= u * x
    np.testing.assert_allclose(amp, expected, rtol=1e-9)
    assert amp[-1] == pytest.approx(stp.steady_state(50.0)[2], rel=1e-6)


def test_weight_monitor_and_readable_weights():
    rule = STDP(a_plus=0.01, a_minus=0.0)
    net = Network(DT, seed=0)
    post = net.add_lif(1, ONE_SPIKE)
    drive = net.add_spike_generator(1, [0], [20.0])
    pre = net.add_spike_generator(2, [0, 1], [10.0, 15.0])
    net.connect(drive, post, "exc", weight=1000.0, p=1.0)
    proj = net.connect(pre, post, "exc", weight=[0.2, 0.3], stdp=rule, pre=[0, 1], post=[0, 0])
    mon = net.record_weights(proj, every_ms=1.0)
    net.run(10.0)
    w_mid = proj.weights
    net.run(40.0)
    assert mon.w.shape == (50, 2) and mon.t[1] - mon.t[0] == pytest.approx(1.0)
    np.testing.assert_array_equal(w_mid, [0.2, 0.3])
    np.testing.assert_array_equal(mon.w[-1], proj.weights)
    assert np.all(proj.weights > [0.2, 0.3])


def _cuba(n_threads, n=2000, ms=30.0):
    net = Network(DT, seed=3, n_threads=n_threads)
    p = LIFParameters(tau_m_ms=20, v_rest_mV=-49, v_th_mV=-50, v_reset_mV=-60, t_ref_ms=5,
                      r_mohm=0, tau_e_ms=5, tau_i_ms=10)
    pop = net.add_lif(n, p, v_init_mV=np.random.default_rng(1).uniform(-60, -50, n))
    ne = int(0.8 * n)
    net.connect(pop, pop, "exc", weight=1.62, p=0.02 * 4000 / n)
    rec = net.record_spikes(pop)
    net.run(ms)
    return rec, net


def test_one_and_two_threads_identical():
    (r1, n1), (r2, n2) = _cuba(1), _cuba(2)
    assert r1.t().size > 100
    np.testing.assert_array_equal(r1.t(), r2.t())
    np.testing.assert_array_equal(r1.i(), r2.i())
    np.testing.assert_array_equal(n1._compiled["v"], n2._compiled["v"])


def test_plasticity_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="tau_plus_ms"):
        STDP(tau_plus_ms=0)
    with pytest.raises(ValueError, match="pairing"):
        STDP(pairing="triplet")
    with pytest.raises(ValueError, match="w_min"):
        STDP(w_min=1.0, w_max=0.5)
    with pytest.raises(ValueError, match="U"):
        TsodyksMarkram(U=0.0)
    with pytest.raises(ValueError, match="n_threads"):
        Network(0.1, n_threads=0)
    net = Network(DT)
    pop = net.add_lif(2)
    with pytest.raises(ValueError, match="weight"):
        net.connect(pop, pop, weight=2.0, p=1.0, stdp=STDP(w_max=1.0))
    with pytest.raises(ValueError, match="stp"):
        net.connect(pop, pop, weight=0.1, p=1.0, stp="yes")
