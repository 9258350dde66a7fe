"""pair_selectivity: the tuning search (bisection helpers, then the automatic search on a small
emulated case), response measurement, and the study's claims in the quick workflow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, claims_of
from neurobench.dynapse import AEREvents
from neurobench.dynapse import selectivity as sel
from neurobench.studies import pair_selectivity as ps


def test_bisect_multiplicity_finds_closest_integer():
    # latency grows like 10·ln(m): targets between the integers
    targets = np.array([10 * np.log(3.2), 10 * np.log(17.0), 5.0, 1e3])
    m, lat, hist = sel.bisect_multiplicity(lambda m: 10 * np.log(m), targets, 1, 40)
    assert m.tolist()[:2] == [3, 17]
    assert m[3] == 40                                 # out of range: the top of the range
    assert len(hist) <= 8
    # NaN (no delayed excitation) counts as too short
    m2, _, _ = sel.bisect_multiplicity(lambda m: np.where(m < 5, np.nan, m * 2.0), np.array([20.0]), 1, 30)
    assert m2[0] == 10


def test_bisect_threshold_smallest_firing_value():
    thr = np.array([1, 5, 13, 40])
    m, ok = sel.bisect_threshold(lambda m: m >= thr, np.ones(4, int), np.full(4, 32))
    assert m[:3].tolist() == [1, 5, 13] and ok[:3].all()
    assert not ok[3] and m[3] == 32
    with pytest.raises(ValueError):
        sel.bisect_threshold(lambda m: m > 0, np.zeros(2, int), np.ones(2, int))


def test_window_counts_and_crossings():
    ev = AEREvents(np.array([0, 1, 1, 0]), np.array([1000.0, 1500.0, 12000.0, 25000.0]))
    c = sel.window_counts(ev, np.array([0, 1]), [0.0, 10.0, 20.0], 10.0)
    assert c.tolist() == [[1, 1], [0, 1], [1, 0]]
    t = np.arange(0, 10, 0.5)
    x = np.column_stack([np.where(t < 3.25, -1.0, 1.0), np.ones_like(t), -np.ones_like(t)])
    x[0] = 0.0
    z = sel.zero_crossings(t, x, 0.0, 10.0)
    assert z[0] == pytest.approx(3.25) and np.isnan(z[1]) and np.isnan(z[2])
    assert sel.selectivity_index(3.0, 1.0) == pytest.approx(0.5)


def test_tuning_search_small_case():
    """The automatic search puts A's delayed excitation at Δ* + lead on a fresh chip instance."""
    p = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["pair_selectivity"]
    p = dict(p, target_intervals_ms=[30.0], tau_e_ms=[40.0], tau_i_ms=[12.0], tuning_iterations=6,
             centering_offsets_ms=[])
    gids = np.arange(256)
    target = np.full(256, 30.0)
    m, t_peak, ok, shift = ps.tune(p, 77, gids, target)
    assert np.all(shift == 0)
    err = np.abs(t_peak - target - p["lead_ms"])
    assert np.nanmedian(err) <= 2.0
    assert ok.mean() > 0.9
    assert m["i_a"].min() >= 1 and (m["e_a"] + m["i_a"] + m["b"]).max() <= 64


def test_quick_workflow_claims(quick_results):
    study = quick_results / "pair_selectivity"
    for f in ("comparison.csv", "provenance.json", "figures/pair_response.png",
              "figures/robustness.png", "tables/tuning.csv", "tables/selectivity.tex",
              "tables/held_out_chips.csv", "biases.json"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "pair_selectivity").set_index("claim_id")
    # tuned on one chip, the interval preference holds on the held-out chips but the per-neuron
    # balance does not transfer: selectivity falls below the bar there
    expected = {"peak_at_target_20ms": "PASS", "selectivity_20ms": "FAIL", "reversed_20ms": "FAIL",
                "peak_at_target_60ms": "PASS", "selectivity_60ms": "FAIL",
                "reversed_60ms": "PASS",
                "tuning_delay_error": "FAIL", "tuning_coverage": "INFO",
                "jitter_robustness": "INFO", "weight_sensitivity": "INFO"}
    assert claims["status"].to_dict() == expected
    assert claims["kind"].to_dict() == ps.declared_claims({"target_intervals_ms": [20.0, 60.0]})
    assert claims.loc["peak_at_target_20ms", "reproduced"] == pytest.approx(20.0)
    assert claims.loc["selectivity_20ms", "reproduced"] == pytest.approx(0.37, abs=0.05)
    assert claims.loc["selectivity_60ms", "reproduced"] == pytest.approx(0.31, abs=0.05)
    held = pd.read_csv(study / "tables" / "held_out_chips.csv").set_index("role")
    # on the tuning chip itself the same configuration is selective
    assert held.loc["tuning", "selectivity_index_20ms"] > 0.6
