"""membrane: Nernst and GHK at known points, the HH fixed point and rates, spike-shape
measurement, and the study's claims in the quick workflow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurobench.studies import membrane as mb
from conftest import claims_of


def test_thermal_voltage_and_nernst_known_points():
    # kT/q = R T / F; at 37 °C 26.73 mV; 61.5 mV per decade for a monovalent ion
    assert mb.thermal_voltage_mV(37.0) == pytest.approx(8.314462618 * 310.15 / 96485.33212 * 1e3, rel=1e-8)
    assert float(mb.nernst_mV(1.0, 10.0, 1, 37.0)) == pytest.approx(61.54, abs=0.01)
    # valence 2 halves it, an anion flips the sign
    assert float(mb.nernst_mV(1.0, 10.0, 2, 37.0)) == pytest.approx(30.77, abs=0.01)
    assert float(mb.nernst_mV(1.0, 10.0, -1, 37.0)) == pytest.approx(-61.54, abs=0.01)
    assert float(mb.nernst_mV(5.0, 5.0, 1, 20.0)) == 0.0


def test_nernst_bad_input():
    with pytest.raises(ValueError, match="concentrations"):
        mb.nernst_mV(0.0, 1.0, 1, 37.0)
    with pytest.raises(ValueError, match="valence"):
        mb.nernst_mV(1.0, 1.0, 0, 37.0)
    with pytest.raises(ValueError, match="temperature"):
        mb.thermal_voltage_mV(-300.0)


def test_ghk_reduces_to_nernst_for_one_permeant_ion():
    conc = {"K": (140.0, 5.0), "Na": (15.0, 145.0), "Cl": (10.0, 110.0)}
    v = mb.ghk_mV(conc, {"K": 1.0, "Na": 0.0, "Cl": 0.0}, 37.0)
    assert v == pytest.approx(float(mb.nernst_mV(140.0, 5.0, 1, 37.0)), abs=1e-9)
    v = mb.ghk_mV(conc, {"K": 0.0, "Na": 0.0, "Cl": 1.0}, 37.0)
    assert v == pytest.approx(float(mb.nernst_mV(10.0, 110.0, -1, 37.0)), abs=1e-9)


def test_ghk_range_brackets_mid():
    lo, mid, hi = mb.ghk_range("mammal", 37.0)
    assert lo < mid < hi


def test_ghk_range_widens_with_the_permeability_ranges():
    """The extremes of V over P_Na/P_K ∈ [0.01, 0.04], P_Cl/P_K ∈ [0, 0.45] by hand: the lowest
    potential has the most K⁺-dominated membrane and the largest K⁺ gradient."""
    lo, _, hi = mb.ghk_range("mammal", 37.0, (0.01, 0.04), (0.0, 0.45))
    lo0, _, hi0 = mb.ghk_range("mammal", 37.0)
    assert lo < lo0 and hi >= hi0
    vt = mb.thermal_voltage_mV(37.0)
    corners = [vt * np.log((5 + pna * 145 + pcl * cl_in) / (140 + pna * na_in + pcl * 110))
               for pna in (0.01, 0.04) for pcl in (0.0, 0.45) for na_in in (5, 15) for cl_in in (4, 30)]
    assert lo == pytest.approx(min(corners), abs=1e-9)
    assert hi == pytest.approx(max(corners), abs=1e-9)


def test_hh_rest_is_a_zero_of_the_ionic_current_near_minus_65():
    v = mb.hh_resting_potential()
    m, h, n = mb.hh_steady_state(v)
    i = (mb.HH["g_na"] * m**3 * h * (v - mb.HH["e_na"]) + mb.HH["g_k"] * n**4 * (v - mb.HH["e_k"])
         + mb.HH["g_l"] * (v - mb.HH["e_l"]))
    assert abs(i) < 1e-9
    assert v == pytest.approx(-65.0, abs=0.1)
    # the classic HH resting gating values (Hodgkin & Huxley 1952, shifted): m≈0.053, h≈0.596, n≈0.318
    assert (float(m), float(h), float(n)) == pytest.approx((0.0529, 0.5961, 0.3177), abs=2e-3)


def test_rates_are_continuous_at_their_removable_singularities():
    a_m = mb._rates(np.array([-40.0 - 1e-6, -40.0, -40.0 + 1e-6]))[0]
    a_n = mb._rates(np.array([-55.0 - 1e-6, -55.0, -55.0 + 1e-6]))[4]
    np.testing.assert_allclose(a_m, 1.0, atol=1e-5)
    np.testing.assert_allclose(a_n, 0.1, atol=1e-5)


def test_spike_shape_of_a_triangle():
    t = np.linspace(0, 10, 10001)
    v = -65 + 100 * np.clip(1 - np.abs(t - 5), 0, None)      # peak 100 mV, base width 2 ms
    amp, width = mb.spike_shape(t, v, -65.0)
    assert amp == pytest.approx(100.0)
    assert width == pytest.approx(1.0, abs=1e-3)
    assert mb.spike_times(t, v, 0.0) == pytest.approx([4.65], abs=2e-3)   # −65 + 100(1 − 0.35) = 0


def test_quick_workflow_claims(quick_results):
    study = quick_results / "membrane"
    for f in ("comparison.csv", "provenance.json", "figures/action_potential.png",
              "figures/nernst.png", "tables/nernst.tex", "tables/ghk.csv",
              "tables/pulse_responses.csv"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "membrane")
    nernst_context = {f"squid_E_{ion}": ("verification", "INFO") for ion in ("K", "Na", "Cl", "Ca")}
    nernst_context.update({f"mammal_E_{ion}": ("verification", "INFO") for ion in ("Cl", "Ca")})
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "thermal_voltage_37C": ("closed_form", "PASS"),
        "mammal_E_K": ("literature", "PASS"),
        "mammal_E_Na": ("literature", "PASS"),
        **nernst_context,
        "ghk_rest_squid": ("literature", "PASS"),
        "ghk_mid_squid": ("literature", "INFO"),
        "ghk_rest_mammal": ("literature", "PASS"),
        "ghk_mid_mammal": ("literature", "INFO"),
        "hh_rest_vs_fixed_point": ("verification", "PASS"),
        "hh_rest_talk": ("verification", "PASS"),
        "all_or_none": ("literature", "PASS"),
        "pulse_threshold": ("verification", "INFO"),
        "ap_amplitude": ("literature", "PASS"),
        "ap_width": ("literature", "PASS"),
        "lif_rate_vs_hh": ("verification", "INFO"),
        "lif_first_spike_shift": ("verification", "INFO"),
    }
    # −65 mV lies inside both GHK ranges: no allowance beyond the published ranges
    ghk = claims.set_index("claim_id").loc[["ghk_rest_squid", "ghk_rest_mammal"]]
    assert (ghk.reproduced == 0.0).all() and ghk.tolerance.str.startswith("|Δ| ≤ 0 ").all()


def test_a_step_below_rheobase_writes_the_latency_shift_as_not_run(tmp_path):
    import yaml

    from conftest import REPO

    p = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["membrane"]
    p.update(step_uA_cm2=1.0, pulse_n=3, hh_duration_ms=20.0, overlay_ms=10.0, hh_dt_ms=0.05, seed=0)
    mb.run(p, tmp_path / "membrane")
    claims = claims_of(tmp_path, "membrane").set_index("claim_id")
    row = claims.loc["lif_first_spike_shift"]
    assert row.status == "NOT_RUN" and "no spike under the 1 µA/cm² step (HH: 0" in row.tolerance


def test_brian2_hh_run_without_the_unit_checks_gives_identical_traces(monkeypatch):
    """The HH run calls Brian2's plain numpy functions (no per-call unit check): the same
    voltages, bit for bit, as with the checked ones, which are back in place afterwards."""
    import contextlib

    from brian2.core.functions import DEFAULT_FUNCTIONS

    p = {"brian2_target": "numpy", "hh_dt_ms": 0.025}
    args = ([4.0, 12.0], 1.0, 2.0, 15.0)
    _, unchecked, _ = mb.run_hh_brian2(p, *args)
    with mb._brian2_numpy_functions_unchecked():
        swapped = DEFAULT_FUNCTIONS["exprel"].implementations._implementations["numpy"]
    assert DEFAULT_FUNCTIONS["exprel"].implementations._implementations.get("numpy") is not swapped
    monkeypatch.setattr(mb, "_brian2_numpy_functions_unchecked", contextlib.nullcontext)
    _, checked, _ = mb.run_hh_brian2(p, *args)
    np.testing.assert_array_equal(unchecked, checked)
    assert checked[:, 0].max() < 0 < checked[:, 1].max()        # only the 12 µA/cm² pulse fires
