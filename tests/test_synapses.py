"""Synapses study: closed forms of the PSC/PSP and of Tsodyks–Markram STP, and its workflow."""

import numpy as np
import pytest

from conftest import claims_of
from neurobench.core import TsodyksMarkram
from neurobench.studies import synapses

P = dict(dt_ms=0.1, tau_m_ms=20.0, tau_syn_ms=5.0, v_rest_mV=-70.0, e_e_mV=0.0, t_spike_ms=5.0,
         trace_ms=40.0, seed=1)


def test_psp_closed_form_peak():
    """The PSP closed form peaks at t* = τ_m τ_s ln(τ_m/τ_s)/(τ_m − τ_s) (hand computation)."""
    t = np.linspace(0, 60, 600001)
    v = synapses.psp_closed_form(t, 1.0, 20.0, 5.0)
    t_star = 20 * 5 * np.log(4) / 15
    assert t[np.argmax(v)] == pytest.approx(t_star, abs=1e-3)
    assert v.max() == pytest.approx(-1 / 3 * (np.exp(-t_star / 5) - np.exp(-t_star / 20)), rel=1e-9)


def test_core_current_psp_is_exact():
    t, i_syn, v = synapses.psc_psp(P, "current", 4.0, 0.1)
    np.testing.assert_allclose(i_syn, 4.0 * np.exp(-t / 5.0), atol=1e-12)
    np.testing.assert_allclose(v + 70.0, synapses.psp_closed_form(t, 4.0, 20.0, 5.0), atol=1e-12)


def test_core_conductance_psp_first_order():
    errs = []
    for dt in (0.2, 0.1):
        t, g, v = synapses.psc_psp(P, "conductance", 0.5, dt)
        errs.append(np.max(np.abs(v - synapses.coba_reference(t, 0.5, P))))
    assert errs[0] / errs[1] == pytest.approx(2.0, rel=0.15)


def test_stp_recursion_and_steady_state_by_hand():
    stp = TsodyksMarkram(U=0.5, tau_f_ms=20.0, tau_d_ms=500.0)
    rec = synapses.tm_recursion(stp, 20.0, 3)
    # spike 1: u = U, x = 1; spike 2 after 50 ms (hand computation)
    u2 = 0.5 * np.exp(-50 / 20) + 0.5 * (1 - 0.5 * np.exp(-50 / 20))
    x2 = 1 - (1 - 0.5) * np.exp(-50 / 500)
    assert rec[:2] == pytest.approx([0.5, u2 * x2], rel=1e-12)
    long = synapses.tm_recursion(stp, 20.0, 200)
    assert long[-1] == pytest.approx(stp.steady_state(20.0)[2], rel=1e-9)
    assert synapses.tm_steady_state(stp, 20.0) == pytest.approx(long[-1], rel=1e-9)
    amps = synapses.stp_amplitudes(dict(P, tau_syn_ms=5.0), stp, [20.0, 50.0], 8, 0.1)
    np.testing.assert_allclose(amps[0], synapses.tm_recursion(stp, 20.0, 8), atol=1e-12)
    np.testing.assert_allclose(amps[1], synapses.tm_recursion(stp, 50.0, 8), atol=1e-12)


@pytest.mark.slow
def test_synapses_workflow(quick_results):
    d = quick_results / "synapses"
    for f in ("comparison.csv", "provenance.json", "figures/psp.png", "figures/stp.pdf",
              "tables/stp_steady_state.csv", "tables/conductance_psp.md"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "synapses")
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "cuba_psc_exact": ("closed_form", "PASS"),
        "cuba_psp_exact": ("closed_form", "PASS"),
        "coba_conductance_exact": ("closed_form", "PASS"),
        "coba_psp_accuracy": ("independent_simulator", "PASS"),
        "coba_first_order": ("verification", "PASS"),
        "stp_recursion": ("closed_form", "PASS"),
        "stp_steady_state": ("closed_form", "PASS"),
        "facilitation": ("verification", "PASS"),
        "depression": ("verification", "PASS"),
    }
