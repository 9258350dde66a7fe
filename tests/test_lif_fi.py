"""LIF f–I study: the analytic rate by hand, and the kind and status of every claim."""

import numpy as np
import pytest

from conftest import claims_of
from neurobench.studies import lif_fi

P = dict(n_neurons=5, ri_max_mV=40.0, v_th_mV=-50.0, v_rest_mV=-65.0, t_ref_ms=5.0, tau_m_ms=30.0)


def test_analytic_rate_by_hand():
    ri = lif_fi.drive_mV(P)                     # 0, 10, 20, 30, 40 mV; rheobase 15 mV
    rate = lif_fi.analytic_rate_hz(ri, P)
    assert rate[:2] == pytest.approx([0.0, 0.0])
    assert rate[2] == pytest.approx(1e3 / (5.0 + 30.0 * np.log(20.0 / 5.0)), rel=1e-12)


@pytest.mark.slow
def test_lif_fi_claims(quick_results):
    claims = claims_of(quick_results, "lif_fi")
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "core_vs_brian2_counts": ("independent_simulator", "PASS"),
        "core_vs_brian2_spike_times": ("independent_simulator", "PASS"),
        "core_vs_brian2_vtrace": ("independent_simulator", "PASS"),
        "core_vs_analytic": ("closed_form", "PASS"),
        "rheobase": ("closed_form", "PASS"),
        "silent_below_rheobase": ("closed_form", "PASS"),
        "relu_like": ("literature", "PASS"),
        "relu_line_intercept": ("closed_form", "INFO"),
        "relu_fit_analytic": ("closed_form", "INFO"),
        "dt_convergence": ("verification", "PASS"),
    }
