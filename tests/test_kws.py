"""Keyword-spotting study: front end (LPC formants, ERB filterbank, level-crossing spikes), the
temporal encoders, the models and their operation counts, the statistics, and the quick run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from neurobench.data import frontend
from neurobench.data import temporal_encoders as te
from neurobench.metrics.synops import SynapticOperations
from neurobench.nn import LIFParameters
from neurobench.dynapse.mapping import (FitSettings, _input_tags, copies_per_core, fit_core,
                                        network_biases, run_on_board)
from neurobench.nn.chip_aware import (ChipAwareKWS, ChipAwareStack, DPIParameters, impulse_peak,
                                      project_to_cam, spike_counts)
from neurobench.nn.kws import STACKS, GRUKWS, SpikingKWS, build_model, predict, train_classifier
from neurobench.nn.stack import train_stacked
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


def _toy_task(n=46, t=12, f=6):
    g = torch.Generator().manual_seed(3)
    y = torch.arange(n) % 2
    x = (torch.rand(t, n, f, generator=g) < 0.1).float()
    x[:, y == 1, 0] = (torch.rand(t, int((y == 1).sum()), generator=g) < 0.5).float()
    sets = [np.sort(np.random.default_rng(s).choice(n, 40, replace=False)) for s in range(3)]
    return x, y, sets


def _same_training(alone, together, losses_alone, losses_stacked, x, exact=True):
    """The same parameters, losses and predictions: bit for bit, or (``exact=False``) up to the
    last bits of the batched products."""
    check = np.testing.assert_array_equal if exact else (
        lambda a, b, err_msg="": np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=err_msg))
    check(losses_stacked, np.array(losses_alone))
    for a, b in zip(alone, together):
        for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
            check(pa.detach().numpy(), pb.detach().numpy(), err_msg=name)
        assert np.array_equal(predict(a, x), predict(b, x))


@pytest.mark.parametrize("kind", ["snn", "gru"])
def test_stacked_training_trains_each_network_as_alone(kind):
    """G networks in one stack, each with its own seed, training set and data order, end where
    the same networks trained one by one end: to the last bit for the LIF networks (their
    training is chaotic: a last-bit change makes another network), to the last bits of the
    batched products for the GRU."""
    x, y, sets = _toy_task()

    def net(seed):
        torch.manual_seed(seed)
        return build_model(kind, 6, 5, 2, LIFParameters(alpha=0.9, u_thr=0.5))

    alone = [net(s) for s in range(3)]
    losses = [train_classifier(m, x[:, i], y[i], epochs=3, lr=0.02, batch_size=16, seed=s)
              for s, (m, i) in enumerate(zip(alone, sets))]
    stack = STACKS[kind]([net(s) for s in range(3)])
    stacked = train_stacked(stack, x, y, sets, epochs=3, lr=0.02, batch_size=16, seeds=[0, 1, 2])
    assert stacked.shape == (3, 3)
    _same_training(alone, stack.members, losses, stacked, x, exact=kind == "snn")
    with pytest.raises(ValueError, match="differ in shape"):
        STACKS[kind]([net(0), build_model(kind, 6, 4, 2)])


def test_stacked_chip_aware_networks_keep_their_mode_and_mismatch():
    x, y, sets = _toy_task()
    p = DPIParameters(dt_ms=20.0, tau_mem_ms=100.0, tau_exc_ms=2.0, tau_inh_ms=2.0, refractory_steps=1)
    jobs = [(seed, mode, cv) for seed in range(3) for mode, cv in (("float", 0.0), ("chip", 0.0), ("chip", 0.1))]

    def net(seed, mode, cv):
        torch.manual_seed(seed)
        return ChipAwareKWS(6, 4, 2, p, mode=mode, mismatch_cv=cv, seed=seed, init_base=0.2, init_std=0.4)

    alone = [net(*j) for j in jobs]
    losses = [train_classifier(m, x[:, sets[j[0]]], y[sets[j[0]]], epochs=3, lr=0.02, batch_size=16, seed=j[0])
              for m, j in zip(alone, jobs)]
    stack = ChipAwareStack([net(*j) for j in jobs])
    stacked = train_stacked(stack, x, y, [sets[j[0]] for j in jobs], epochs=3, lr=0.02, batch_size=16,
                            seeds=[j[0] for j in jobs])
    together = stack.members
    _same_training(alone, together, losses, stacked, x)
    for a, b in zip(alone, together):
        if a.mode == "chip":
            assert all(np.array_equal(a.chip_network()[k], b.chip_network()[k]) for k in ("m_exc_in", "m_inh_rec"))
    with pytest.raises(ValueError, match="differ in neuron"):
        ChipAwareStack([net(0, "chip", 0.0), ChipAwareKWS(6, 4, 2, DPIParameters(), seed=1)])


def test_training_groups_stack_one_kind_size_and_task():
    p = {"seeds": [0, 1, 2], "sweep_neurons": [4, 10], "n_hidden": 10, "gru_hidden": [10], "cnn_channels": 8}
    jobs = kws.training_jobs(p)
    groups = kws.training_groups(jobs)
    assert sorted(len(g) for g in groups) == [1] * 6 + [3] * 5     # CNNs alone; snn 4, 10, digits; GRU × 2 tasks
    for g in groups:
        assert len({(j["kind"], j["n_hidden"], j["task"]) for j in g}) == 1
        assert [j["seed"] for j in g] == sorted(j["seed"] for j in g)
    chip_jobs = kws.chip_jobs(dict(p, chip={"sweep_neurons": [4, 10]}))
    chip = kws.training_groups(chip_jobs)
    assert [len(g) for g in chip] == [9, 9, 3]                     # 3 variants × 3 seeds per size; digits
    # one pool runs every group once, the chip-aware groups (the longest) first
    items = kws.work_items(jobs, chip_jobs, [(0, "seven")])
    assert [k for k, _ in items[:3]] == ["chip-aware network"] * 3 and items[-1] == ("logistic regression", (0, "seven"))
    nets = [g for k, g in items if k == "network"]
    assert sorted(id(j) for g in nets for j in g) == sorted(id(j) for j in jobs)
    fake = [[dict(j, group=i) for j in g] for i, g in enumerate(nets)]
    assert [{k: v for k, v in r.items() if k != "group"} for r in kws._in_job_order(jobs, nets, fake)] == jobs


# -- statistics and task construction -----------------------------------------------------------
def test_mean_ci_student_t():
    m, h = kws.mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and h == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)   # t(0.975, 2) = 4.3027
    assert kws.mean_ci([0.7]) == (0.7, 0.0)


def test_balanced_accuracy():
    assert kws.balanced_accuracy([0, 0, 0, 1], [0, 0, 0, 0]) == 0.5
    assert kws.balanced_accuracy([0, 1, 1, 2], [0, 1, 0, 2]) == pytest.approx((1 + 0.5 + 1) / 3)


def test_binary_sets_are_balanced_and_speaker_split():
    words = np.array(["seven"] * 6 + ["one"] * 15 + ["yes"] * 9)
    split = np.array(["train", "validation", "test"] * 10)
    idx = kws.binary_indices(words, split, "seven", np.unique(words), np.random.default_rng(0))
    for s in ("train", "validation", "test"):
        assert (words[idx[s]] == "seven").sum() == (words[idx[s]] != "seven").sum() == 2
        assert set(split[idx[s]]) == {s}
    # the validation set is drawn after train, as the former test set was: train is unchanged
    two = np.where(split == "validation", "test", split)
    old = kws.binary_indices(words, two, "seven", np.unique(words), np.random.default_rng(0))
    np.testing.assert_array_equal(old["train"], idx["train"])


def test_a_dataset_without_validation_split():
    """TIDIGITS has train and test only: an empty validation set, NaN validation accuracy."""
    words = np.array(["seven", "one", "yes", "one"] * 4)
    split = np.array(["train"] * 8 + ["test"] * 8)
    idx = kws.binary_indices(words, split, "seven", np.unique(words), np.random.default_rng(0))
    assert idx["validation"].size == 0 and idx["test"].size == 4
    assert np.isnan(kws.balanced_accuracy(words[idx["validation"]], words[idx["validation"]]))
    meta = pd.DataFrame(dict(word=words, split=split, speaker=np.arange(16) // 4))
    tr, va, ts, y = kws.task_data(meta, {"keyword": "seven", "seeds": [0]})["digits"][0]
    assert va.size == 0 and set(split[tr]) == {"train"} and set(split[ts]) == {"test"}
    assert kws.validation_note(np.array([np.nan])) == "; no validation split in this dataset"
    assert kws.validation_note([0.5, 0.7]).endswith(": 0.600")


# -- chip-aware training and the emulated DYNAP-SE ---------------------------------------------------
def test_projection_fits_the_cam_and_passes_gradients():
    a_e = torch.tensor([[30.4, 0.2, 12.6], [1.4, 0.6, 0.0]], requires_grad=True)
    a_i = torch.tensor([[40.0, 0.0, 5.0], [0.0, 2.5, 0.0]], requires_grad=True)
    m_e, m_i = project_to_cam(a_e, a_i, 64)
    rows = (m_e + m_i).sum(dim=1)
    assert rows[0] <= 64 and rows[1] == 1 + 1 + 2           # row 1 fits: plain rounding (2.5 → 2)
    assert torch.equal(m_e, m_e.round()) and torch.equal(m_i, m_i.round())
    (m_e.sum() + m_i.sum()).backward()
    assert a_e.grad[1].tolist() == [1.0, 1.0, 1.0]          # straight through where unscaled
    assert 0 < float(a_e.grad[0, 0]) < 1                    # scaled row: d(scale·a)/da = scale


def test_impulse_peak_closed_form():
    p = DPIParameters(dt_ms=5.0, tau_mem_ms=50.0, tau_exc_ms=10.0)
    a, b = np.exp(-0.1), np.exp(-0.5)
    t = np.arange(200)
    v = (1 - b) * (a ** (t + 1) - b ** (t + 1)) / (a - b)      # geometric sums of the two filters
    assert impulse_peak(p) == pytest.approx(v.max(), rel=1e-12)
    assert impulse_peak(DPIParameters(dt_ms=20.0, tau_exc_ms=0.1)) == pytest.approx(1.0)


def test_chip_mode_weights_are_multiplicities_of_two_base_weights():
    torch.manual_seed(0)
    m = ChipAwareKWS(6, 3, 2, DPIParameters(), mode="chip", seed=0, init_std=1.0, init_base=0.05)
    net = m.chip_network()
    rows = (net["m_exc_in"] + net["m_inh_in"]).sum(1) + (net["m_exc_rec"] + net["m_inh_rec"]).sum(1)
    assert rows.max() <= 64 and rows.max() >= 60            # large weights fill the CAM
    w_e, w_i = m.effective_weights()
    np.testing.assert_allclose(w_e[:, :6].detach().numpy(), net["m_exc_in"] * net["base_exc"], rtol=1e-6)
    np.testing.assert_allclose(w_i[:, 6:].detach().numpy(), net["m_inh_rec"] * net["base_inh"], rtol=1e-6)
    assert not np.any((net["m_exc_in"] > 0) & (net["m_inh_in"] > 0))    # one sign per connection


def test_recurrent_spikes_arrive_within_the_step_when_asked():
    p = DPIParameters(dt_ms=20.0, tau_exc_ms=0.1, tau_inh_ms=0.1, refractory_steps=0)
    m = ChipAwareKWS(1, 2, 2, p, mode="float", seed=0)
    with torch.no_grad():
        m.w.zero_()
        m.w[0, 0] = 1.5                      # input → neuron 0 (fires at once)
        m.w[1, 1] = 1.2                      # neuron 0 → neuron 1
    x = torch.zeros(3, 1, 1)
    x[0, 0, 0] = 1
    m.eval()
    m(x)
    assert m.last_spikes[:, 0].tolist() == [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    m.same_step_recurrence = True
    m(x)
    assert m.last_spikes[:, 0].tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]


def test_mismatch_draws_differ_per_sample_in_training_only():
    m = ChipAwareKWS(4, 5, 2, DPIParameters(), mode="chip", mismatch_cv=0.1, seed=1)
    m.train()
    e_e, e_i, *_ = m._mismatch(2000)
    assert e_e.shape == (2000, 5)
    # efficacy = product of five mean-one lognormals of CV 0.1 (two of them divide)
    assert float(e_e.std() / e_e.mean()) == pytest.approx(np.sqrt(1.01 ** 5 - 1), rel=0.1)
    m.eval()
    assert m._mismatch(3) is None


def test_input_tags_never_alias_with_the_core():
    R = copies_per_core(10, 32)
    assert R == 24
    for core in range(4):
        tags = np.concatenate([_input_tags(core, r, 32) for r in range(R)])
        assert len(set(tags.tolist())) == tags.size
        assert not np.any(tags // 256 == core)


@pytest.fixture(scope="module")
def core_fit():
    return fit_core(0.1, 0.002, 0.002, 0.015, FitSettings(iterations=2))


def test_bias_fit_reaches_the_time_constants(core_fit):
    rec = {r["quantity"]: r for r in core_fit.record}
    for q in ("tau_exc", "tau_inh", "tau_mem"):
        assert rec[q]["fitted"] == pytest.approx(rec[q]["target"], rel=0.03), q
    assert rec["tau_mem"]["closed_form"] > 1.3 * rec["tau_mem"]["target"]   # the dark current's effect


def test_network_on_the_emulated_chip_matches_the_model(core_fit, tmp_path):
    from neurobench.dynapse import Board, MismatchConfig

    p = DPIParameters(dt_ms=20.0, tau_mem_ms=100.0, tau_exc_ms=2.0, tau_inh_ms=2.0, refractory_steps=0)
    m = ChipAwareKWS(32, 10, 2, p, mode="chip", seed=1, init_base=0.15, init_std=0.3)
    m.same_step_recurrence = True
    net = m.chip_network()
    x = (np.random.default_rng(0).random((20, 50, 32)) < 0.08).astype(np.float32)
    model = spike_counts(m, torch.as_tensor(x).permute(1, 0, 2).contiguous())
    biases, _ = network_biases(core_fit, net)
    res = run_on_board(net, biases, x, 0.02, seed=0, n_chips=1, mismatch=MismatchConfig.off())
    chip = res["counts"][0]
    assert res["cam_usage"] <= 64 and res["rounds"] == 1
    assert chip.sum() == pytest.approx(model.sum(), rel=0.15)
    assert np.corrcoef(chip.ravel(), model.ravel())[0, 1] > 0.9
    # the bias file loads back into a board
    b = Board(n_chips=1, mismatch=MismatchConfig.off())
    b.set_biases(biases)
    b.load_biases(b.save_biases(tmp_path / "b.yaml"))
    assert b.biases(0, 2) == biases


def test_declared_claims_have_kinds():
    p = {"n_hidden": 10, "cnn_channels": 8, "gru_hidden": [10, 64]}
    d = kws.declared_claims(p)
    assert d["dynapse_cam_fits"] == "verification"
    assert d["on_chip_balanced_accuracy"] == "literature"
    assert d["on_chip_wall_time"] == "design_target"
    assert {"digits_gru_10", "digits_gru_64", "digits_cnn_8", "digits_recurrent_lif_10"} <= set(d)


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
              "figures/front_end.png", "figures/on_chip.png", "tables/models.csv", "tables/models.tex",
              "tables/neuron_sweep.csv", "tables/encoders_lr.csv", "tables/confusion_snn10_digits.csv",
              "tables/on_chip.csv", "tables/chip_sweep.csv", "tables/bias_fit.csv", "kws_dynapse_biases.yaml"):
        assert (d / f).is_file(), f
    assert (quick_results.parent / "resources" / "kws_corpus" / "audio.npy").is_file()
    on_chip = pd.read_csv(d / "tables" / "on_chip.csv")
    assert len(on_chip) == 8 and on_chip.chip_id.nunique() == 8
    claims = claims_of(quick_results, "kws").set_index("claim_id")
    expected = {"speaker_split": "PASS", "snn_fewer_ops_than_gru": "PASS", "dynapse_cam_fits": "PASS",
                "on_chip_energy_per_inference": "NOT_RUN", "on_chip_digits": "INFO",
                "dynapse_board_cam_usage": "INFO"}
    for cid, status in expected.items():
        assert claims.loc[cid, "status"] == status, claims.loc[cid].to_dict()
    assert claims.loc["dynapse_cam_fits", "reproduced"] <= 64
    assert claims.loc["on_chip_wall_time", "reproduced"] > 0       # a speed target, not tested here
    assert claims.loc["on_chip_balanced_accuracy", "reproduced"] == pytest.approx(on_chip.balanced_accuracy.mean())
    # three speaker splits (quick config: 9 train, 3 validation, 6 test speakers of 21 words); the
    # on-chip runs play the test clips only (binary: 6 keyword + 6 other clips; digits: 6 × 11)
    splits = pd.read_csv(d / "tables" / "dataset.csv").set_index("split")
    assert splits.speakers.to_dict() == {"test": 6, "train": 9, "validation": 3}
    assert splits.clips.to_dict() == {"test": 126, "train": 189, "validation": 63}
    runs = pd.read_csv(d / "tables" / "on_chip_runs.csv")
    assert runs.groupby("task").test_clips.unique().map(list).to_dict() == {"binary": [12], "digits": [66]}
    models = pd.read_csv(d / "tables" / "models.csv")
    assert models[["validation_accuracy", "test_accuracy"]].notna().all().all()
