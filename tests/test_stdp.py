"""STDP study: the measured window equals eq. 19.10; Song et al. 2000 workflow claims."""

import numpy as np
import pandas as pd
import pytest

from conftest import claims_of
from neurobench.core import STDP
from neurobench.studies import stdp

P = dict(dt_ms=0.1, tau_plus_ms=17.0, tau_minus_ms=34.0, a_plus=0.01, a_minus=0.012,
         window_max_ms=40.0, window_step_ms=10.0, seed=0)


def test_eq_19_10_written_out_agrees_with_the_rule_including_a_same_step_pair():
    d = np.array([-30.0, -0.1, 0.0, 0.1, 30.0])
    rule = STDP(tau_plus_ms=17.0, tau_minus_ms=34.0, a_plus=0.01, a_minus=0.012)
    np.testing.assert_allclose(stdp.eq_19_10(d, P), rule.window(d), rtol=1e-15)
    assert stdp.eq_19_10(0.0, P) == pytest.approx(0.01)


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
    claims = claims_of(quick_results, "stdp")
    # the quick run (4 s) is shorter than Song's learning time: the distribution claims are NOT_RUN
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "window_eq_19_10": ("closed_form", "PASS"),
        "song_bimodal_core": ("literature", "NOT_RUN"),
        "song_u_shaped_core": ("literature", "NOT_RUN"),
        "song_both_modes_core": ("literature", "NOT_RUN"),
        "song_core_vs_brian2_ks": ("independent_simulator", "PASS"),
        "song_rate_core_vs_brian2": ("independent_simulator", "PASS"),
    }
    seeds = pd.read_csv(d / "tables" / "song_seed_rates.csv")
    assert len(seeds) == 6 and seeds.output_rate_hz.std() > 0
