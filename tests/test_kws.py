"""Keyword-spotting study: front end (LPC formants, ERB filterbank, level-crossing spikes), the
temporal encoders, the models and their operation counts, the statistics, and the quick run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from neurobench.data import frontend
from neurobench.data import temporal_encoders as te
from neurobench.metrics.synops import SynapticOperations
from neurobench.nn import LIFParameters
from neurobench.nn.kws import GRUKWS, SpikingKWS, build_model, predict, train_classifier
from neurobench.studies import kws
from conftest import claims_of

torch.set_num_threads(1)


# -- front end --------------------------------------------------------------------------------
def test_levinson_solves_the_normal_equations():
    rng = np.random.default_rng(0)
    x = lfilter([1], [1, -1.2, 0.6], rng.standard_normal(4000))
    r = np.array([x[: x.size - k] @ x[k:] for k in range(9)])
    a = frontend.levinson(r[None], 8)[0]
    expected = solve_toeplitz(r[:8], -r[1:9])
    np.testing.assert_allclose(a[1:], expected, rtol=1e-8, atol=1e-10)
    assert a[0] == 1.0


def vowel(formants_hz, fs=16000, f0=110.0, seconds=0.5, bw=60.0):
    """Glottal pulse train through second-order resonators at the given formants."""
    x = np.zeros(int(fs * seconds))
    x[:: int(fs / f0)] = 1.0
    for f in formants_hz:
        r = np.exp(-np.pi * bw / fs)
        x = lfilter([1.0], [1.0, -2 * r * np.cos(2 * np.pi * f / fs), r * r], x)
    return x / np.abs(x).max()


def test_lpc_formants_of_a_synthetic_vowel():
    true = [700.0, 1220.0, 2600.0]                 # /a/-like (Peterson & Barney 1952 male averages)
    tracks, voiced = frontend.formant_tracks(vowel(true)[None], 16000)
    est = np.median(tracks[0, voiced[0]], axis=0)
    np.testing.assert_allclose(est, true, rtol=0.05)


def test_formants_need_voiced_frames_and_a_fast_enough_rate():
    with pytest.raises(ValueError, match="no voiced frame"):
        frontend.formant_tracks(np.zeros((1, 8000)), 16000)
    with pytest.raises(ValueError, match="sample rate"):
        frontend.formant_tracks(np.ones((1, 8000)), 8000, max_formant_hz=5500.0)


def test_erb_scale_glasberg_moore():
    assert frontend.erb_hz(1000.0) == pytest.approx(24.7 * 5.37)
    c = frontend.erb_space(100.0, 6000.0, 16)
    assert c[0] == pytest.approx(100.0) and c[-1] == pytest.approx(6000.0)
    e = 21.4 * np.log10(4.37 * c / 1000 + 1)
    np.testing.assert_allclose(np.diff(e), np.diff(e)[0])


def test_cochleagram_peaks_at_the_tone():
    fs = 16000
    t = np.arange(fs) / fs
    centres = frontend.erb_space(100.0, 6000.0, 16)
    for k in (3, 9):
        cg = frontend.cochleagram(0.5 * np.sin(2 * np.pi * centres[k] * t)[None], fs, n_channels=16)
        assert int(np.argmax(cg[0].mean(axis=0))) == k


def test_spike_raster_counts_level_crossings():
    sig = np.linspace(0.0, 1.0, 101)[None, :, None]           # rises by 1 over 1 s
    r = frontend.spike_raster(sig, 0.1, 0.01, 0.001, 1.01, binary=False)
    assert r.shape == (1, 1010, 2)
    assert r[..., 0].sum() == pytest.approx(10, abs=1) and r[..., 1].sum() == 0
    down = frontend.spike_raster(sig[:, ::-1].copy(), 0.1, 0.01, 0.001, 1.01, binary=False)
    assert down[..., 1].sum() == r[..., 0].sum() and down[..., 0].sum() == 0


def test_span_bins_against_a_loop():
    rng = np.random.default_rng(2)
    x = rng.random((3, 40, 2))
    voiced = np.zeros((3, 20), bool)
    voiced[0, 2:10] = voiced[1, :] = voiced[2, 15:18] = True
    got = kws.span_bins(x, voiced, 2, mean=False).reshape(3, 2, 2)
    for n, (a, b) in enumerate([(4, 20), (0, 40), (30, 36)]):
        mid = (a + b) // 2
        np.testing.assert_allclose(got[n, 0], x[n, a:mid].sum(0))
        np.testing.assert_allclose(got[n, 1], x[n, mid:b].sum(0))


# -- temporal encoders ------------------------------------------------------------------------
def pair_input(delays_ms, T=200, t0=50):
    """Sample k: channel 0 spikes at t0, channel 1 at t0 + delays_ms[k] (None: no spike)."""
    x = np.zeros((len(delays_ms), T, 2))
    for k, d in enumerate(delays_ms):
        x[k, t0, 0] = 1
        if d is not None:
            x[k, t0 + d, 1] = 1
    return x


def test_tde_count_falls_with_the_delay():
    pairs = np.array([[0, 1]])
    out = te.tde(pair_input([1, 5, 10, 20, 40, 80]), pairs, te.TDEParameters(), 1.0)
    counts = out.sum(axis=(1, 2))
    assert counts[0] > 0
    assert np.all(np.diff(counts) <= 0) and counts[-1] == 0
    x = pair_input([5])
    x[:, :, 0] = 0                                            # trigger alone: silent
    assert te.tde(x, pairs, te.TDEParameters(), 1.0).sum() == 0
    reverse = te.tde(pair_input([5]), np.array([[1, 0]]), te.TDEParameters(), 1.0)
    assert reverse.sum() == 0                                 # wrong order: silent


def test_disynaptic_element_is_selective_to_the_interval():
    p = te.DisynapticParameters()
    ts = np.arange(0, 200.0, 0.01)
    i_a = p.a_e * np.exp(-ts / p.tau_e_ms) - p.a_i * np.exp(-ts / p.tau_i_ms)
    assert ts[np.argmax(i_a > 0)] == pytest.approx(p.crossover_ms, abs=0.02)   # closed form t*
    pairs = np.array([[0, 1]])
    counts = te.disynaptic(pair_input([2, 30, None]), pairs, p, 1.0).sum(axis=(1, 2))
    assert counts[0] == 0          # b during a's inhibition: silent
    assert counts[1] > 0           # b during a's delayed excitation: fires
    assert counts[2] == 0          # a alone: silent
    with pytest.raises(ValueError, match="τ_i < τ_e"):
        te.DisynapticParameters(tau_i_ms=50.0, tau_e_ms=40.0)


def test_channel_pairs():
    assert te.channel_pairs(3).tolist() == [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]]
    assert len(te.channel_pairs(6, [[0, 1, 2], [3, 4, 5]])) == 12
    with pytest.raises(ValueError, match="out of range"):
        te.channel_pairs(2, [[0, 5]])


# -- models -----------------------------------------------------------------------------------
def test_gru_equals_torch_gru():
    torch.manual_seed(0)
    ref = torch.nn.GRU(5, 4)
    mine = GRUKWS(5, 4, 3)
    with torch.no_grad():
        mine.w_x.weight.copy_(ref.weight_ih_l0)
        mine.w_x.bias.copy_(ref.bias_ih_l0)
        mine.w_h.weight.copy_(ref.weight_hh_l0)
        mine.w_h.bias.copy_(ref.bias_hh_l0)
        x = torch.randn(7, 2, 5)
        h_ref = ref(x)[0][-1]
        np.testing.assert_allclose(mine(x).numpy(), mine.out(h_ref).numpy(), atol=1e-6)


def test_snn_synaptic_operations_worked_example():
    torch.manual_seed(1)
    m = SpikingKWS(6, 4, 2, LIFParameters(alpha=0.9, u_thr=0.5))
    with torch.no_grad():
        for lin in (m.hidden.w_in, m.hidden.w_rec, m.readout.w):
            lin.weight.copy_(torch.rand_like(lin.weight) + 0.1)     # every weight non-zero
    x = (torch.rand(10, 3, 6) < 0.3).float()
    with SynapticOperations(m) as ops:
        m(x)
    s = m.last_spikes
    expected = 4 * x.sum() + 4 * s[:-1].sum() + 2 * s.sum()          # W_in·x, W_rec·S[t−1], readout
    r = ops.result(3)
    assert r.effective_acs == pytest.approx(float(expected) / 3)
    assert r.effective_macs == 0
    assert r.dense == pytest.approx((10 * 4 * 6 + 10 * 4 * 4 + 10 * 2 * 4))


def test_training_learns_a_separable_toy_task():
    g = torch.Generator().manual_seed(0)
    y = torch.arange(32) % 2
    x = torch.zeros(10, 32, 4)
    x[:, :, :2] = (torch.rand(10, 32, 2, generator=g) < 0.05).float()
    x[:, y == 1, 2] = (torch.rand(10, int((y == 1).sum()), generator=g) < 0.5).float()  # class-1 channel
    x[:, y == 0, 3] = (torch.rand(10, int((y == 0).sum()), generator=g) < 0.5).float()
    for kind in ("snn", "gru", "cnn"):
        torch.manual_seed(0)
        m = build_model(kind, 4, 8, 2)
        losses = train_classifier(m, x, y, epochs=20, lr=0.05, batch_size=32, seed=0)
        assert losses[-1] < losses[0]
        assert (predict(m, x) == y.numpy()).mean() >= 0.95, kind
    with pytest.raises(ValueError, match="model kind"):
        build_model("lstm", 4, 8, 2)


# -- statistics and task construction -----------------------------------------------------------
def test_mean_ci_student_t():
    m, h = kws.mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and h == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)   # t(0.975, 2) = 4.3027
    assert kws.mean_ci([0.7]) == (0.7, 0.0)


def test_balanced_accuracy():
    assert kws.balanced_accuracy([0, 0, 0, 1], [0, 0, 0, 0]) == 0.5
    assert kws.balanced_accuracy([0, 1, 1, 2], [0, 1, 0, 2]) == pytest.approx((1 + 0.5 + 1) / 3)


def test_binary_sets_are_balanced_and_speaker_split():
    words = np.array(["seven"] * 4 + ["one"] * 10 + ["yes"] * 6)
    split = np.array(["train", "test"] * 10)
    idx = kws.binary_indices(words, split, "seven", np.unique(words), np.random.default_rng(0))
    for s in ("train", "test"):
        assert (words[idx[s]] == "seven").sum() == (words[idx[s]] != "seven").sum() == 2
        assert set(split[idx[s]]) == {s}


# -- deployment on the DYNAP-SE synapse model -----------------------------------------------------
def test_cam_multiplicities_round_to_levels_and_respect_the_cam():
    w = np.array([[1.0, -0.5, 0.26, 0.0], [0.5, -1.0, 0.0, 0.74]])
    m_e, m_i, b_e, b_i = kws.cam_multiplicities(w, levels=4, cam_entries=64)
    assert b_e == 0.25 and b_i == 0.25
    assert m_e.tolist() == [[4, 0, 1, 0], [2, 0, 0, 3]]
    assert m_i.tolist() == [[0, 2, 0, 0], [0, 4, 0, 0]]
    m_e, m_i, b_e, _ = kws.cam_multiplicities(w, levels=4, cam_entries=5)   # rows need 7 and 9
    assert (m_e + m_i).sum(axis=1).max() <= 5 and b_e > 0.25
    with pytest.raises(ValueError, match="levels"):
        kws.cam_multiplicities(w, 0, 64)


def test_board_enforces_the_cam_limit():
    rng = np.random.default_rng(0)
    m_in = (rng.integers(0, 2, (3, 5)), rng.integers(0, 2, (3, 5)))
    m_rec = (np.eye(3, dtype=int), np.zeros((3, 3), int))
    used = kws.check_cam_on_board(m_in, m_rec)
    assert used == int(((m_in[0] + m_in[1]).sum(axis=1) + m_rec[0].sum(axis=1)).max())
    with pytest.raises(ValueError, match="CAM"):
        kws.check_cam_on_board((np.full((1, 2), 40), np.zeros((1, 2), int)), (np.zeros((1, 1), int),) * 2)


def test_efficacy_mismatch_is_the_product_of_three_biases():
    from neurobench.dynapse.mismatch import product_cv

    f = kws._efficacy_factors(200, 0.1, seed=3)
    for syn in ("AMPA", "GABA_B"):
        cv = f[syn].std() / f[syn].mean()
        assert cv == pytest.approx(product_cv(0.1, 3), rel=0.25)   # 200 samples: ±~10 % on the CV


def test_real_dataset_needs_a_path(tmp_path):
    p = {"dataset": "tidigits", "data_path": "", "corpus": {"sample_rate_hz": 16000, "clip_s": 1.0}}
    with pytest.raises(ValueError, match="data_path is empty"):
        kws.load_dataset(p, tmp_path)
    with pytest.raises(ValueError, match="root not found"):
        kws.load_dataset(dict(p, data_path=str(tmp_path / "none")), tmp_path)


# -- the quick workflow -----------------------------------------------------------------------
@pytest.mark.slow
def test_kws_quick_workflow(quick_results):
    d = quick_results / "kws"
    for f in ("comparison.csv", "provenance.json", "figures/kws_overview.png", "figures/kws_overview.pdf",
              "figures/front_end.png", "tables/models.csv", "tables/models.tex", "tables/neuron_sweep.csv",
              "tables/encoders_lr.csv", "tables/confusion_snn10_digits.csv"):
        assert (d / f).is_file(), f
    assert (quick_results.parent / "resources" / "kws_corpus" / "audio.npy").is_file()
    claims = claims_of(quick_results, "kws").set_index("claim_id")
    for cid in ("speaker_split", "snn_fewer_ops_than_gru"):
        assert claims.loc[cid, "status"] == "PASS", claims.loc[cid].to_dict()
    assert set(claims.status) <= {"PASS", "FAIL", "INFO"}
