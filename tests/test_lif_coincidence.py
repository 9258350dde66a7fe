"""The talk's coincidence example: the PSP peak formula and the three outcomes."""

import numpy as np
import pytest

from conftest import claims_of
from neurobench.studies import lif_coincidence

P = dict(rate_hz=20.0, duration_ms=300.0, first_spike_ms=10.0, dt_ms=0.1, tau_m_ms=20.0,
         tau_syn_ms=5.0, v_rest_mV=-70.0, v_th_mV=-55.0, v_reset_mV=-70.0, t_ref_ms=2.0, seed=0)


def test_psp_peak_per_weight_matches_a_fine_grid():
    t = np.linspace(0, 100, 1_000_001)
    v = 5.0 / (5.0 - 20.0) * (np.exp(-t / 5.0) - np.exp(-t / 20.0))
    assert lif_coincidence.psp_peak_per_weight(20.0, 5.0) == pytest.approx(v.max(), rel=1e-9)
    assert lif_coincidence.psp_peak_per_weight(10.0, 10.0) == pytest.approx(np.exp(-1))


def test_coincident_inputs_sum_lone_inputs_do_not():
    kappa = lif_coincidence.psp_peak_per_weight(20.0, 5.0)
    w = 15.0 / kappa * 0.6            # one PSP reaches 60 % of the gap, two coincident 120 %
    n_in_phase, _, _ = lif_coincidence.simulate(P, [w, w], 0.0)
    n_apart, _, _ = lif_coincidence.simulate(P, [w, w], 25.0)
    assert n_in_phase == 6 and n_apart == 0


def test_periodic_psp_is_the_sum_over_past_cycles():
    t = np.linspace(0.0, 50.0, 501)
    direct = sum(5.0 / (5.0 - 20.0) * (np.exp(-(t + j * 50.0) / 5.0) - np.exp(-(t + j * 50.0) / 20.0))
                 for j in range(200))
    np.testing.assert_allclose(lif_coincidence.periodic_psp(t, 50.0, 20.0, 5.0), direct, rtol=1e-12)


def test_coincidence_window_closed_form_matches_the_core():
    p = dict(P, duration_ms=600.0)
    w = 50.0
    window = lif_coincidence.coincidence_window_ms(p, w)
    assert 0.0 < window < 25.0
    counts = lif_coincidence.phase_sweep(p, w, [window - 0.2, window + 0.2])
    assert counts[0] > 0 and counts[1] == 0
    # a weight whose coincident trains stay below threshold has no window
    assert np.isnan(lif_coincidence.coincidence_window_ms(p, 20.0))


@pytest.mark.slow
def test_lif_coincidence_workflow(quick_results):
    d = quick_results / "lif_coincidence"
    for f in ("comparison.csv", "provenance.json", "figures/coincidence.png", "tables/outcomes.csv"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "lif_coincidence")
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "out_of_phase_responds": ("verification", "PASS"),
        "lowered_weights_silent": ("verification", "PASS"),
        "in_phase_responds": ("verification", "PASS"),
        "psp_peak_closed_form": ("closed_form", "PASS"),
        "coincidence_window": ("closed_form", "PASS"),
    }
