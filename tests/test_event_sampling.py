"""event_sampling: the boundary-value solution against closed forms, the periodic variance,
the equal-error interpolation, and the study's claims in the quick workflow."""

from __future__ import annotations

import numpy as np
import pytest

from neurobench.errors import DatasetError
from neurobench.studies import event_sampling as es
from conftest import claims_of


@pytest.mark.parametrize("d,sigma", [(1.0, 1.0), (0.5, 2.0)])
def test_integrator_exit_time_and_cost_closed_form(d, sigma):
    # Brownian motion from 0 to ±d: E[τ] = d²/σ², E ∫ x² dt = d⁴/(6σ²)
    T0, G0 = es.exit_time_and_cost(0.0, sigma, d)
    assert T0 == pytest.approx(d**2 / sigma**2, rel=1e-4)
    assert G0 == pytest.approx(d**4 / (6 * sigma**2), rel=1e-4)


def test_ou_exit_time_matches_quadrature():
    # T(0) = ∫_0^d (2/σ²) e^{-a y²/σ²} ∫_0^y e^{a z²/σ²} dz dy for the symmetric OU problem
    from scipy.integrate import quad
    a, sigma, d = -1.0, 1.0, 1.0
    inner = lambda y: quad(lambda z: np.exp(a * z**2 / sigma**2), 0, y)[0]
    ref = quad(lambda y: 2 / sigma**2 * np.exp(-a * y**2 / sigma**2) * inner(y), 0, d)[0]
    assert es.exit_time_and_cost(a, sigma, d)[0] == pytest.approx(ref, rel=1e-4)


def test_periodic_variance_limits():
    assert es.periodic_variance(0.0, 1.0, 2.0) == pytest.approx(1.0)        # σ²h/2
    assert es.periodic_variance(1e-7, 1.0, 2.0) == pytest.approx(1.0, rel=1e-5)
    # stable process, long period: → stationary variance σ²/(2|a|)
    assert es.periodic_variance(-5.0, 1.0, 200.0) == pytest.approx(0.1, rel=0.01)


def test_simulated_integrator_ratio_is_three():
    rng = np.random.default_rng(0)
    v_ev, r_ev = es.simulate_impulse_control(0.0, 1.0, 1e-3, 10000, 300, rng, d=1.0)
    v_per, _ = es.simulate_impulse_control(0.0, 1.0, 1e-3, 10000, 300, rng,
                                           h_steps=int(round(1 / (r_ev * 1e-3))))
    assert r_ev == pytest.approx(1.0, rel=0.1)
    assert v_per / v_ev == pytest.approx(3.0, rel=0.1)


def test_samples_at_error_interpolates_in_log_log():
    import pandas as pd
    curve = pd.DataFrame({"samples": [10.0, 100.0, 1000.0], "rms_error": [1.0, 0.1, 0.01]})
    assert es.samples_at_error(curve, 0.0316227766) == pytest.approx(316.227766, rel=1e-6)
    assert np.isnan(es.samples_at_error(curve, 1e-4))


def test_zoh_uniform_holds_samples():
    x = np.arange(10.0)
    np.testing.assert_array_equal(es.zoh_uniform(x, 3), [0, 0, 0, 3, 3, 3, 6, 6, 6, 9])


def test_quick_workflow_claims(quick_results):
    study = quick_results / "event_sampling"
    for f in ("comparison.csv", "provenance.json", "figures/sampling_comparison.png",
              "figures/vibration_events.png", "tables/error_vs_samples.csv",
              "tables/impulse_control.tex"):
        assert (study / f).exists(), f
    claims = claims_of(quick_results, "event_sampling")
    expected = {
        "vibration_fewer_events": ("literature", "PASS"),
        "random_walk_sample_ratio": ("closed_form", "PASS"),
        # the envelopes of the workflow's keyword corpus (rule kws_corpus)
        "speech_envelope_fewer_events": ("literature", "PASS"),
        "random_walk_event_rate": ("closed_form", "PASS"),
        "events_scale_with_activity": ("closed_form", "PASS"),
        "uniform_scales_with_time": ("verification", "INFO"),
        "control_integrator_ratio": ("closed_form", "PASS"),
    }
    for tag in ("am1", "ap0", "ap1"):
        expected[f"control_{tag}_event_variance"] = ("closed_form", "PASS")
        expected[f"control_{tag}_event_beats_periodic"] = ("literature", "PASS")
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == expected


@pytest.mark.parametrize("delta_over_sigma, offset_over_delta", [(2.0, 0.0), (3.0, 0.4), (1.5, -0.7)])
def test_quiet_events_closed_form_matches_the_encoder_on_noise(delta_over_sigma, offset_over_delta):
    """White noise about 0 with the encoder's reference at −offset: the Markov-chain expectation
    equals the mean event count of the compiled encoder over many channels."""
    from neurobench.data.level_crossing import encode

    rng = np.random.default_rng(5)
    sigma, n = 1.0, 400
    delta = delta_over_sigma * sigma
    x0 = -offset_over_delta * delta                 # reference level L; offset r₀ = 0 − L
    noise = rng.normal(0.0, sigma, size=(n + 1, 2000))
    noise[0] = x0                                  # first sample sets the reference
    events = encode(noise, delta, x0=np.full(noise.shape[1], x0)).t.size / noise.shape[1]
    expected = es.quiet_events_expected(-x0, delta, sigma, n)    # n noise samples after x0
    assert events == pytest.approx(expected, rel=0.03)


def test_control_tags():
    assert [es.control_tag(a) for a in (-1.0, 0.0, 1.0, 0.5)] == ["am1", "ap0", "ap1", "ap0_5"]


def test_speech_envelopes_from_a_corpus_directory(tmp_path):
    import json
    rate = 16000
    t = np.arange(rate) / rate
    am = 0.5 * (1 + np.sin(2 * np.pi * 3 * t))                 # 3 Hz amplitude modulation
    clips = np.stack([am * np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 300 * t)])
    np.save(tmp_path / "audio.npy", np.round(clips * 32767).astype(np.int16))
    (tmp_path / "corpus.json").write_text(json.dumps({"sample_rate_hz": rate}))
    p = {"speech_n_clips": 2, "speech_envelope_hz": 30.0, "speech_rate_hz": 1000.0}
    env, env_rate = es.speech_envelopes(tmp_path, p)
    assert env.shape == (1000, 2) and env_rate == 1000.0
    mid = slice(100, 900)                                       # away from the filter's edges
    np.testing.assert_allclose(env[mid, 0], am[::16][mid], atol=0.02)
    np.testing.assert_allclose(env[mid, 1], 0.5, atol=0.01)
    with pytest.raises(DatasetError, match="missing/audio.npy is missing from the synthetic corpus"):
        es.speech_envelopes(tmp_path / "missing", p)


@pytest.mark.parametrize("name,content,needle", [
    ("audio.npy", b"\x93NUMPY garbage", "audio.npy: not a readable numpy array of clips"),
    ("audio.npy", None, "audio.npy: samples: expected int16 clips [N, L], got float64"),
    ("corpus.json", b"{not json", "corpus.json: not readable JSON"),
    ("corpus.json", b'{"rate": 16000}', "corpus.json: sample_rate_hz: must be a positive integer"),
])
def test_speech_envelopes_name_the_broken_corpus_file(tmp_path, name, content, needle):
    import json
    np.save(tmp_path / "audio.npy", np.zeros((2, 100), np.int16))
    (tmp_path / "corpus.json").write_text(json.dumps({"sample_rate_hz": 16000}))
    if content is None:
        np.save(tmp_path / name, np.zeros((2, 100)))
    else:
        (tmp_path / name).write_bytes(content)
    p = {"speech_n_clips": 2, "speech_envelope_hz": 30.0, "speech_rate_hz": 1000.0}
    with pytest.raises(DatasetError) as err:
        es.speech_envelopes(tmp_path, p)
    assert str(tmp_path / name) in str(err.value) and needle in str(err.value)
