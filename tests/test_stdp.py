"""STDP study: the measured window equals eq. 19.10; Song et al. 2000 workflow claims."""

import numpy as np
import pytest

from conftest import claims_of
from neurobench.studies import stdp

P = dict(dt_ms=0.1, tau_plus_ms=17.0, tau_minus_ms=34.0, a_plus=0.01, a_minus=0.012,
         window_max_ms=40.0, window_step_ms=10.0, seed=0)


def test_window_on_core_equals_eq_19_10_by_hand():
    win = stdp.window_on_core(P)
    assert len(win) == 8 and win["delta_t_ms"].notna().all()
    d = win["delta_t_ms"].to_numpy()
    hand = np.where(d > 0, 0.01 * np.exp(-d / 17.0), -0.012 * np.exp(d / 34.0))
    np.testing.assert_allclose(win["dw_core"], hand, rtol=1e-10)
    # pre-before-post potentiates, post-before-pre depresses
    assert np.all(np.sign(win["dw_core"]) == np.sign(d))


@pytest.mark.slow
def test_stdp_workflow(quick_results):
    d = quick_results / "stdp"
    for f in ("comparison.csv", "provenance.json", "figures/song_weights.png",
              "figures/stdp_window.png", "tables/window.csv", "tables/song_summary.md"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "stdp").set_index("claim_id")
    # the quick run is too short for the weights to become bimodal; the rest must hold
    for cid in ("window_eq_19_10", "song_core_vs_brian2_ks", "song_rate_core_vs_brian2"):
        assert claims.loc[cid, "status"] == "PASS", (cid, claims.loc[cid].to_dict())
