"""cricket: the stimulus generators, the circuit wiring on the emulated chip, and the study's
claims in the quick workflow."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import REPO, claims_of
from neurobench.data import pulse_trains as pt
from neurobench.studies import cricket as cr


def test_pulse_trains():
    assert pt.pulse_train(40, 3, 5).tolist() == [5, 45, 85]
    c = pt.chirp_train(40, 3, 500, 2)
    assert c.tolist() == [0, 40, 80, 500, 540, 580]
    with pytest.raises(ValueError, match="chirp_period_ms"):
        pt.chirp_train(40, 3, 100, 2)
    s = pt.pulses_to_spikes([0, 40], 20, 4)
    assert s.tolist() == [0, 4, 8, 12, 16, 40, 44, 48, 52, 56]
    assert pt.spike_pattern([10, 25], 3).tolist() == [3, 13, 38]
    r = pt.reversed_train([0, 10, 40])
    assert r.tolist() == [0, 30, 40]                  # intervals (10, 30) → (30, 10)
    with pytest.raises(ValueError, match="period_ms"):
        pt.pulse_train(-1, 3)


def test_irregular_train_and_jitter_statistics():
    rng = np.random.default_rng(3)
    t = pt.irregular_train(40, 20001, 0.3, rng, min_gap_ms=20)
    d = np.diff(t)
    assert d.mean() == pytest.approx(40, rel=0.01)
    assert d.min() >= 20
    assert d.std() / (d.mean() - 20) == pytest.approx(0.3, rel=0.05)   # CV of the part above the gap
    j = pt.jitter(np.full(20000, 100.0), 5.0, rng)
    assert j.std() == pytest.approx(5.0, rel=0.03)
    assert pt.jitter([1.0, 2.0], 0.0, rng).tolist() == [1.0, 2.0]
    p = pt.random_patterns(1000, 5, 50, rng)
    assert p.shape == (1000, 5) and 0 <= p.min() and p.max() < 50


def test_circuit_wiring():
    p = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["cricket"]
    n = 3
    m = cr.default_multiplicities(p, n)
    m["an1_ln3"][:] = 5
    m["ln2_ln3_inh"][:] = 7
    m["ln3_ln4"][:] = 9
    board, stim, conns = cr.build(p, 1, m, [np.array([1.0, 5.0])] * n)
    from neurobench.dynapse import selectivity as sel
    sel.simulate(board, stim, conns, 1.0)
    ln2, ln3, ln4 = cr.instance_gids(n)
    cam = board.cam_usage()
    assert cam[ln2].tolist() == [p["m_an1_ln2"]] * n                         # AN1 → LN2
    assert cam[ln3].tolist() == [5 + 7 + p["m_ln2_ln3_exc"]] * n              # AN1 + delay element
    assert cam[ln4].tolist() == [9 + p["m_ln2_ln4"]] * n                      # LN3 exc + LN2 inh
    assert board.sram(ln2[0]) == [(0, (1 << cr.LN3) | (1 << cr.LN4))]       # LN2 → LN3, LN4 cores
    assert board.sram(ln3[0]) == [(0, 1 << cr.LN4)]
    assert board.sram(ln4[0]) == []
    assert board.aliasing() == []                                            # AN1 tags never alias
    assert board.biases(0, cr.LN3)["NPDPII_TAU_S_P"] != board.biases(0, cr.LN2)["NPDPII_TAU_S_P"]


def test_tuning_never_uses_the_species_period():
    """The circuit is set from LN5's rebound delay: the tuned multiplicities do not change when
    the species period (what LN4 is scored on) does."""
    p = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["cricket"]
    p = dict(p, seed=3, tuning_iterations=3)
    assert cr.delay_target_ms(p) == pytest.approx(52.5)
    m40, t40 = cr.tune(p, 3, 4)
    m70, t70 = cr.tune(dict(p, species_period_ms=70.0), 3, 4)
    for k in m40:
        assert m40[k].tolist() == m70[k].tolist(), k
    assert (t40["ln3_peak_target_ms"] == 52.5).all()


def test_claims_not_evaluable_are_not_run_rows(tmp_path):
    """Without irregular trains or a regular train at the species period the claims that need
    them are written as NOT_RUN with the reason, never dropped."""
    import pandas as pd
    from neurobench.report import StudyWriter

    p = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["cricket"]
    p = dict(p, n_irregular=0, periods_ms=[20.0, 30.0, 50.0, 60.0])
    ho = pd.DataFrame({"ln4_peak_period_ms": [30.0, 50.0], "ln4_band_pass_ratio": [0.2, 0.4],
                       "ln3_first_pulse_ratio": [np.nan] * 2, "ln4_irregular_ratio": [np.nan] * 2,
                       "ln4_reversed_ratio": [np.nan] * 2})
    scored = {k: v for k, v in cr.declared_claims(p).items() if k != "tuning_ln3_balanced"}
    with StudyWriter(tmp_path / "cricket", p, seed=1, claims=scored) as out:
        cr._claims(out, p, ho, 1)
    c = pd.read_csv(tmp_path / "cricket" / "comparison.csv").set_index("claim_id")
    assert c["status"].to_dict() == {"ln4_peak_period": "PASS", "ln4_band_pass": "PASS",
                                     "ln3_coincidence": "NOT_RUN", "irregular_less": "NOT_RUN",
                                     "reversed_less": "NOT_RUN"}
    assert c.loc["ln4_peak_period", "reproduced"] == pytest.approx(40.0)
    assert "no regular train at the species period 40 ms" in c.loc["ln3_coincidence", "tolerance"]


def test_quick_workflow_claims(quick_results):
    study = quick_results / "cricket"
    for f in ("comparison.csv", "provenance.json", "figures/tuning_curve.png", "figures/circuit.png",
              "figures/raster.png", "tables/ln4_tuning.tex", "tables/held_out_chips.csv", "biases.json"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "cricket").set_index("claim_id")
    expected = {"ln4_peak_period": "PASS", "ln4_band_pass": "PASS", "ln3_coincidence": "PASS",
                "irregular_less": "FAIL", "reversed_less": "FAIL", "tuning_ln3_balanced": "INFO"}
    assert claims["status"].to_dict() == expected
    assert claims["kind"].to_dict() == cr.declared_claims({})
    # the period preference emerges at the species period on every held-out chip
    assert claims.loc["ln4_peak_period", "reproduced"] == pytest.approx(40.0)
    assert "3/3 pass alone" in claims.loc["ln4_peak_period", "tolerance"]
    assert claims.loc["ln4_band_pass", "reproduced"] == pytest.approx(0.37, abs=0.05)
    assert claims.loc["irregular_less", "reproduced"] == pytest.approx(1.0, abs=0.05)
