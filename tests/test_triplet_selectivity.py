"""triplet_selectivity: input channels and CAM tags, receptive-field estimates, and the study's
claims in the quick workflow."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import claims_of
from neurobench.dynapse import selectivity as sel
from neurobench.studies import triplet_selectivity as ts


def test_input_channels_unique_tags_per_core():
    gids = np.concatenate([np.arange(200), 256 + np.arange(200)])
    ch, tags = sel.input_channels(gids, 5)
    assert ch.shape == (400, 5) and np.unique(ch).size == 2000
    per_core = tags.reshape(400, 5)
    for core in (0, 1):
        t = per_core[gids // 256 == core].ravel()
        assert np.unique(t).size == t.size and t.max() < 1024
    with pytest.raises(ValueError, match="CAM tags"):
        sel.input_channels(np.arange(256), 5)


def test_rf_vectors_recover_a_preferred_order():
    rng = np.random.default_rng(1)
    patterns = rng.uniform(0, 50, size=(400, 3))
    # a neuron that fires when input 0 comes ≥ 10 ms before input 2
    fired = (patterns[:, 2] - patterns[:, 0] > 10).astype(int)
    counts = np.column_stack([fired, np.ones(400, int)])
    rf, nres = ts.rf_vectors(counts, patterns, 5)
    assert rf[0, 0] < 0 < rf[0, 2]                    # input 0 early, input 2 late
    assert np.isnan(rf[1]).all()                      # always firing: no preference
    assert nres[1] == 400


def test_triplet_times_layout():
    t = ts.triplet_times(np.array([[10.0]]), np.array([[20.0]]), np.array([[100.0]]))
    assert t.shape == (1, 3, 1)
    assert t[0, :, 0].tolist() == [100 + ts.T0_MS, 110 + ts.T0_MS, 130 + ts.T0_MS]


def test_quick_workflow_claims(quick_results):
    study = quick_results / "triplet_selectivity"
    for f in ("comparison.csv", "provenance.json", "figures/triplet_map.png",
              "figures/receptive_fields.pdf", "tables/receptive_fields.csv",
              "tables/held_out_chips.csv", "biases.json"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "triplet_selectivity").set_index("claim_id")
    expected = {"map_peak_20_30ms": "PASS", "selectivity_20_30ms": "FAIL",
                "map_peak_30_20ms": "PASS", "selectivity_30_20ms": "FAIL",
                "tuning_balanced": "INFO", "rf_distinct": "FAIL", "rf_retuning_moves": "FAIL"}
    assert claims["status"].to_dict() == expected
    assert claims["kind"].to_dict() == ts.declared_claims({"target_pairs_ms": [[20.0, 30.0], [30.0, 20.0]]})
    assert claims.loc["map_peak_20_30ms", "reproduced"] == pytest.approx(5.9, abs=1.0)
    assert claims.loc["selectivity_20_30ms", "reproduced"] == pytest.approx(0.38, abs=0.05)
    assert claims.loc["rf_distinct", "reproduced"] == pytest.approx(1.29, abs=0.2)
