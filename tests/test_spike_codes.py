"""spike_codes: closed forms vs enumeration, the MI estimator and the Gaussian-jitter formula,
and the study's claims in the quick workflow."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from neurobench.studies import spike_codes as sc
from conftest import claims_of


@pytest.mark.parametrize("code", sc.CODES)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_enumeration_equals_closed_form(code, n):
    count = sc.enumerate_patterns(code, n, time_bins=4)
    assert math.log2(count) == pytest.approx(float(sc.capacity_bits(code, n, 4)), abs=1e-12)


def test_closed_forms_at_known_points():
    assert sc.capacity_bits("rate", 7) == pytest.approx(3.0)          # log2(8)
    assert sc.capacity_bits("binary", 10) == 10
    assert sc.capacity_bits("timing", 10, 1024) == pytest.approx(100.0)
    assert sc.capacity_bits("rank", 5) == pytest.approx(math.log2(120))
    # Stirling: log2 n! / (n log2 n) → 1 slowly from below
    big = float(sc.capacity_bits("rank", 10000))
    assert 0.85 < big / (10000 * math.log2(10000)) < 1.0


def test_bad_code_and_bins_raise():
    with pytest.raises(ValueError, match="code"):
        sc.capacity_bits("phase", 3)
    with pytest.raises(ValueError, match="time_bins"):
        sc.enumerate_patterns("rank", 4, time_bins=3)
    with pytest.raises(ValueError, match="window_margin_ms"):
        sc.check_params({"enumeration_time_bins": 5, "enumeration_n_max": 5, "time_bins": 8,
                         "n_neurons": 4, "window_margin_ms": 1.0, "jitter_ms": [0.0, 1.0]})


def test_mutual_information_estimator():
    rng = np.random.default_rng(0)
    s = np.repeat(np.arange(8), 500)
    assert sc.mutual_information_bits(s, s) == pytest.approx(3.0)            # noiseless
    assert sc.mutual_information_bits(s, rng.permutation(s)) < 0.02          # independent
    # binary symmetric channel with flip probability 0.1: 1 − H2(0.1) = 0.531 bits
    b = np.repeat([0, 1], 20000)
    flip = rng.random(b.size) < 0.1
    h2 = -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9))
    assert sc.mutual_information_bits(b, b ^ flip) == pytest.approx(1 - h2, abs=0.01)


def test_gaussian_timing_mi_limits_and_monte_carlo():
    assert sc.timing_mi_gaussian_bits(8, 0.0) == pytest.approx(3.0)
    assert sc.timing_mi_gaussian_bits(8, 1e-3) == pytest.approx(3.0, abs=1e-9)
    assert sc.timing_mi_gaussian_bits(8, 100.0) < 0.01
    rng = np.random.default_rng(1)
    sent = np.repeat(np.arange(8), 5000)
    noisy = np.clip(np.floor(sent + 0.5 + rng.normal(0, 0.7, sent.size)), 0, 7)
    assert sc.mutual_information_bits(sent, noisy) == pytest.approx(
        sc.timing_mi_gaussian_bits(8, 0.7), abs=0.02)


@pytest.mark.parametrize("code", sc.CODES)
def test_encode_decode_roundtrip_without_noise(code):
    rng = np.random.default_rng(2)
    sym, t = sc.encode_symbols(code, 4, 8, 3, rng)
    np.testing.assert_array_equal(sc.decode(code, t, 8), sym)


def test_window_loss_channels_limits_and_monte_carlo():
    # no jitter: nothing leaves the window, the full capacities remain
    assert sc.window_survival(8, 0.0) == 1.0
    assert sc.window_loss_mi_bits("rate", 4, 1.0) == pytest.approx(np.log2(5), abs=1e-12)
    assert sc.window_loss_mi_bits("binary", 4, 1.0) == pytest.approx(4.0, abs=1e-12)
    # a spike at the centre of bin 0 of a 1-bin window leaves it with 2·Φ(−½Δt/σ)
    assert sc.window_survival(1, 1.0) == pytest.approx(1 - 2 * 0.3085375387259869, rel=1e-12)
    # numpy Monte Carlo of the same channel (large sample)
    rng = np.random.default_rng(4)
    for code in ("rate", "binary"):
        sym, t = sc.encode_symbols(code, 3, 8, 4000, rng)
        dec = sc.decode(code, t + rng.normal(0.0, 1.5, t.shape), 8)
        assert sc.mutual_information_bits(sym, dec) == pytest.approx(
            sc.window_loss_mi_bits(code, 3, sc.window_survival(8, 1.5)), abs=0.01)


def test_rate_and_binary_decoders_count_only_spikes_inside_the_window():
    out = np.array([[0.5, 7.9, -0.1, np.nan], [8.0, 3.0, np.nan, 2.0]])
    np.testing.assert_array_equal(sc.decode("rate", out, 8), [2, 2])
    np.testing.assert_array_equal(sc.decode("binary", out, 8), [0b0011, 0b1010])


def test_quick_workflow_claims(quick_results):
    study = quick_results / "spike_codes"
    for f in ("comparison.csv", "provenance.json", "figures/capacity.png", "figures/capacity.pdf",
              "tables/enumeration.csv", "tables/decoding_vs_jitter.csv",
              "tables/capacity_examples.tex"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "spike_codes")
    expected = {f"{kind}_{c}": ("closed_form", "PASS") for kind in ("enumeration", "noiseless")
                for c in sc.CODES}
    expected.update({f"jitter_{c}_vs_reference": ("closed_form", "PASS") for c in sc.CODES})
    expected.update({
        "jitter_rank_vs_reference": ("independent_simulator", "PASS"),
        "timing_at_one_bin_jitter": ("closed_form", "INFO"),
        "timing_beats_rate_at_one_bin_jitter": ("closed_form", "PASS"),
        "rank_at_one_bin_jitter": ("independent_simulator", "INFO"),
        "relay_latency": ("verification", "INFO"),
    })
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == expected
    # jitter pushes spikes out of the window: the rate and binary codes lose bits at σ > 0
    res = pd.read_csv(study / "tables" / "decoding_vs_jitter.csv")
    top = res[(res.jitter_ms == res.jitter_ms.max()) & res.code.isin(["rate", "binary"])]
    assert (top.recovered_bits < top.capacity_bits - 0.5).all()
