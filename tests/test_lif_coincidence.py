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


@pytest.mark.slow
def test_lif_coincidence_workflow(quick_results):
    d = quick_results / "lif_coincidence"
    for f in ("comparison.csv", "provenance.json", "figures/coincidence.png", "tables/outcomes.csv"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "lif_coincidence").set_index("claim_id")
    assert (claims["status"] == "PASS").all(), claims[claims["status"] != "PASS"]
