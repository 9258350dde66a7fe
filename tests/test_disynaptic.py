"""disynaptic: the zero-crossing formula t* = τ_i τ_e/(τ_e − τ_i)·ln(A_i/A_e), the delay-element
biases, the emulator's delay against the formula, and the study's claims in the quick workflow."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import REPO, claims_of
from neurobench.dynapse import Board, MismatchConfig
from neurobench.dynapse import selectivity as sel
from neurobench.studies import disynaptic as dis


@pytest.mark.parametrize("tau_i, tau_e, a_i, a_e", [(20, 100, 4.0, 1.0), (10, 30, 50.0, 2.0),
                                                    (5, 6, 1.5, 1.0), (40, 200, 2.0, 1.9)])
def test_zero_crossing_formula_is_the_root(tau_i, tau_e, a_i, a_e):
    t = float(sel.zero_crossing_ms(tau_i, tau_e, a_i, a_e))
    assert sel.net_current(t, tau_i, tau_e, a_i, a_e) == pytest.approx(0.0, abs=1e-12 * a_i)
    # negative before, positive after: the crossing is the onset of the delayed excitation
    assert sel.net_current(0.9 * t, tau_i, tau_e, a_i, a_e) < 0 < sel.net_current(1.1 * t, tau_i, tau_e, a_i, a_e)


def test_zero_crossing_closed_form_values():
    # τ_iτ_e/(τ_e − τ_i) = 25 ms for (20, 100); ln 4
    assert float(sel.zero_crossing_ms(20, 100, 4, 1)) == pytest.approx(25 * np.log(4), rel=1e-12)
    assert np.isnan(sel.zero_crossing_ms(20, 100, 1.0, 2.0))       # no inhibitory phase
    with pytest.raises(ValueError, match="tau_e_ms"):
        sel.zero_crossing_ms(100, 20, 4, 1)


def test_net_peak_is_the_maximum():
    tp, amp = sel.net_peak(20, 100, 4.0, 1.0)
    t = np.linspace(0, 400, 400001)
    i = sel.net_current(t, 20, 100, 4.0, 1.0)
    assert float(tp) == pytest.approx(t[np.argmax(i)], abs=2e-3)
    assert float(amp) == pytest.approx(i.max(), rel=1e-9)
    # the peak trails the zero crossing by τ_iτ_e/(τ_e − τ_i)·ln(τ_e/τ_i)
    assert float(tp) - float(sel.zero_crossing_ms(20, 100, 4, 1)) == pytest.approx(25 * np.log(5))


def test_delay_biases_set_the_time_constants():
    from neurobench.dynapse import BiasSet
    bs = sel.delay_biases(BiasSet.default(), 80.0, 15.0, (5, 60), (5, 90))
    board = Board(n_chips=1, mismatch=MismatchConfig.off())
    board.set_biases(bs)
    tau = board.parameters()["syn_tau_s"][:, 0] * 1e3
    assert tau[1] == pytest.approx(80.0, rel=0.02)      # NMDA (nearest coarse/fine setting)
    assert tau[3] == pytest.approx(15.0, rel=0.02)      # GABA_B
    assert bs["PS_WEIGHT_INH_S_N"] == (5, 90)


def test_emulator_delay_follows_formula():
    p = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["disynaptic"]
    p = dict(p, trial_ms=200.0)
    m_exc = np.tile([1, 2, 4], 342)[:1024]
    m_inh = np.repeat([3, 6, 12, 24], 256)
    df, _, _ = dis.measure_elements(p, 5, dis.element_biases(p), m_exc, m_inh)
    ok = np.isfinite(df["t_star_ms"]) & np.isfinite(df["t_star_analytic_ms"])
    assert ok.mean() > 0.8
    err = (df["t_star_ms"] - df["t_star_analytic_ms"])[ok].abs()
    assert err.max() < 1.0
    # more inhibition → later delayed excitation
    med = df[ok].groupby("m_inh")["t_star_ms"].median()
    assert np.all(np.diff(med.to_numpy()) > 0)


def test_eta_squared():
    g = np.repeat([0, 1, 2], 100)
    y = g * 10.0
    assert sel.eta_squared(y, g) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    assert sel.eta_squared(rng.normal(size=300), g) < 0.05


def test_declared_kinds():
    kinds = dis.declared_claims({})
    # the emulator's own laws and what the chosen ranges fix are verification
    for cid in ("zero_crossing_formula", "zero_crossing_formula_taus", "temperature_scaling",
                "latency_mainly_inhibitory"):
        assert kinds[cid] == "verification"
    for cid in ("amplitude_mainly_excitatory", "latency_range_low", "latency_range_high",
                "mismatch_spread_order"):
        assert kinds[cid] == "literature"


def test_quick_workflow_claims(quick_results):
    study = quick_results / "disynaptic"
    for f in ("comparison.csv", "provenance.json", "figures/delay_maps.png", "figures/tau_map.pdf",
              "tables/weight_map.csv", "tables/weight_map.tex", "tables/held_out_chips.csv",
              "biases.json"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "disynaptic").set_index("claim_id")
    expected = {"latency_mainly_inhibitory": "PASS", "amplitude_mainly_excitatory": "PASS",
                "latency_range_low": "PASS", "latency_range_high": "PASS",
                "zero_crossing_formula": "PASS", "zero_crossing_coverage": "INFO",
                "zero_crossing_formula_taus": "PASS", "mismatch_spread_order": "PASS",
                "mismatch_between_chips": "INFO", "temperature_scaling": "PASS",
                "noise_spread": "INFO"}
    assert claims["status"].to_dict() == expected
    assert claims["kind"].to_dict() == dis.declared_claims({})
    # held-out means (3 chips in the quick config)
    assert claims.loc["latency_range_low", "reproduced"] == pytest.approx(2.4, abs=1.5)
    assert claims.loc["latency_range_high", "reproduced"] == pytest.approx(99.0, abs=3.0)
    assert claims.loc["mismatch_spread_order", "reproduced"] == pytest.approx(-0.17, abs=0.05)
    assert "3 held-out chips" in claims.loc["mismatch_spread_order", "tolerance"]
