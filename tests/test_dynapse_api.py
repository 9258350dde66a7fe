"""DYNAP-SE emulator: biases, bias files, mismatch statistics, routing limits, aliasing, the DPI
closed form, NMDA gating, determinism."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from neurobench.dynapse import (BIAS_NAMES, CAM_ENTRIES, DEFAULT_BIASES, EXAMPLE_CHIP_BIASES,
                                AliasingWarning, BiasSet, Board, CircuitConstants,
                                MismatchConfig, bias_current, coarse_fine_for, dpi_psc,
                                from_samna, mismatch_factors, thermal_voltage)
from neurobench.dynapse.biases import COARSE_MAX_A, DARK_CURRENT_A, coarse_wire_code
from neurobench.dynapse.circuits import time_constant
from neurobench.dynapse.mismatch import product_cv


# -- biases ------------------------------------------------------------------------------------
def test_bias_current_coarse_table():
    # fine 255 gives I_max(coarse) + I_0 (rockpool BiasGen coarse table)
    for c, imax in enumerate(COARSE_MAX_A):
        assert bias_current("IF_DC_P", c, 255) == pytest.approx(imax + DARK_CURRENT_A, rel=1e-12)
    assert bias_current("IF_DC_P", 3, 0) == DARK_CURRENT_A
    assert bias_current("IF_DC_P", 2, 51) == pytest.approx(820e-12 * 51 / 255 + 0.5e-12)
    # IF_TAU1_N is a low-current bias (×1e-4)
    assert bias_current("IF_TAU1_N", 5, 255) == pytest.approx(400e-9 * 1e-4 + 0.5e-12)


@pytest.mark.parametrize("name", ["IF_DC_P", "IF_TAU1_N", "NPDPIE_TAU_F_P", "PS_WEIGHT_EXC_F_N"])
def test_bias_round_trip(name):
    rng = np.random.default_rng(3)
    for _ in range(50):
        c, f = int(rng.integers(0, 8)), int(rng.integers(1, 256))
        i = bias_current(name, c, f)
        c2, f2 = coarse_fine_for(name, i)
        assert bias_current(name, c2, f2) == pytest.approx(i, rel=1e-9)


def test_bias_errors():
    with pytest.raises(ValueError, match="unknown bias name 'IF_FOO'"):
        bias_current("IF_FOO", 1, 1)
    with pytest.raises(ValueError, match="coarse value 8 out of range"):
        bias_current("IF_DC_P", 8, 1)
    with pytest.raises(ValueError, match="fine value 256 out of range"):
        bias_current("IF_DC_P", 1, 256)
    d = dict(DEFAULT_BIASES)
    del d["R2R_P"]
    with pytest.raises(ValueError, match=r"missing bias\(es\) \['R2R_P'\]"):
        BiasSet.from_dict(d)
    d = dict(DEFAULT_BIASES, IF_XYZ=(1, 1))
    with pytest.raises(ValueError, match="unknown bias name"):
        BiasSet.from_dict(d)
    with pytest.raises(ValueError, match="outside the generator range"):
        coarse_fine_for("IF_DC_P", 1.0)


def test_coarse_wire_code_bit_reversal():
    assert [coarse_wire_code(c) for c in range(8)] == [0, 4, 2, 6, 1, 5, 3, 7]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_bias_file_round_trip(tmp_path, suffix):
    bs = BiasSet.default().replace(IF_DC_P=(2, 77), NPDPIE_TAU_F_P=(1, 3))
    path = bs.save(tmp_path / f"core{suffix}")
    assert BiasSet.load(path) == bs
    with pytest.raises(ValueError, match="unknown extension"):
        bs.save(tmp_path / "core.txt")


def test_samna_importer_on_written_file(tmp_path):
    # a samna-style export: {"C0_NAME": {"coarse_value": c, "fine_value": f}} written here
    data = {f"C0_{n}": {"param_name": n, "coarse_value": c, "fine_value": f}
            for n, (c, f) in EXAMPLE_CHIP_BIASES.items()}
    path = tmp_path / "samna_core0.json"
    path.write_text(json.dumps(data))
    bs = from_samna(json.loads(path.read_text()))
    assert bs["PULSE_PWLK_P"] == (3, 123) and bs["IF_TAU2_N"] == (5, 125)
    # tuples and objects with attributes too
    class P:
        def __init__(self, c, f):
            self.coarse_value, self.fine_value = c, f
    objs = {n: P(c, f) for n, (c, f) in EXAMPLE_CHIP_BIASES.items()}
    assert from_samna(objs) == bs == from_samna(dict(EXAMPLE_CHIP_BIASES))
    bad = dict(data)
    bad["C0_IF_DC_P"] = {"coarse_value": 9, "fine_value": 0}
    with pytest.raises(ValueError, match="IF_DC_P: coarse value 9"):
        from_samna(bad)


def test_board_bias_file_round_trip(tmp_path):
    b = Board(n_chips=2, mismatch=MismatchConfig.off())
    b.set_bias("IF_DC_P", 1, 99, chip=1, core=2)
    path = b.save_biases(tmp_path / "board.yaml")
    b2 = Board(n_chips=2, mismatch=MismatchConfig.off())
    b2.load_biases(path)
    assert b2.biases(1, 2)["IF_DC_P"] == (1, 99) and b2.biases(0, 0)["IF_DC_P"] == (0, 0)


# -- circuits ----------------------------------------------------------------------------------
def test_thermal_voltage_and_tau():
    assert thermal_voltage(300.0) == pytest.approx(0.025852, abs=1e-6)
    c = CircuitConstants()
    # τ = C U_T / (κ I_τ): 2 pF · 25.85 mV / (0.705 · 7.33 pA) ≈ 10 ms
    assert time_constant(7.3345e-12, 2e-12, c) == pytest.approx(
        2e-12 * c.u_t / (0.705 * 7.3345e-12), rel=1e-12)
    hot = c.with_temperature(360.0)
    assert time_constant(1e-12, 1e-12, hot) / time_constant(1e-12, 1e-12, c) == pytest.approx(1.2)


@pytest.mark.parametrize("synapse, mult", [("AMPA", 1), ("NMDA", 3), ("GABA_A", 2), ("GABA_B", 1)])
def test_psc_matches_closed_form(synapse, mult):
    b = Board(n_chips=1, dt_us=20, mismatch=MismatchConfig.off())
    gen = b.add_spike_generator([2000.0], [0], 1)
    b.connect(gen.ids[0], 5, synapse, multiplicity=mult)
    pr = b.probe([5])
    b.run(60)
    p = b.parameters()
    k = ["AMPA", "NMDA", "GABA_A", "GABA_B"].index(synapse)
    ref = dpi_psc((pr.t_us - 2000.0) * 1e-6, p["syn_itau_A"][k, 5], p["syn_gain_A"][k, 5],
                  p["syn_weight_A"][k, 5], p["syn_pulse_s"][k, 5],
                  b.constants.capacitance(synapse), b.constants, count=mult)
    got = pr.isyn(synapse)[:, 0]
    assert got.max() > 0
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-20)


def test_pulse_longer_than_step_is_exact():
    # 40 events in one step: a 400 µs pulse spread over 20 steps of 20 µs
    b = Board(n_chips=1, dt_us=20, mismatch=MismatchConfig.off())
    gen = b.add_spike_generator(np.full(40, 1000.0), np.zeros(40, int), 1)
    b.connect(gen.ids[0], 0, "AMPA")
    pr = b.probe([0])
    b.run(20)
    p = b.parameters()
    ref = dpi_psc((pr.t_us - 1000.0) * 1e-6, p["syn_itau_A"][0, 0], p["syn_gain_A"][0, 0],
                  p["syn_weight_A"][0, 0], p["syn_pulse_s"][0, 0], 2e-12, b.constants, count=40)
    np.testing.assert_allclose(pr.isyn("AMPA")[:, 0], ref, rtol=1e-9, atol=1e-20)


@pytest.mark.parametrize("dt_us", [20.0, 1000.0])
def test_pulses_of_one_step_are_exact_in_any_lane(dt_us):
    # twelve circuits pulsed in the same step share the pulse pass's vectors: short pulses (the
    # series' case) beside pulses longer than the step (20 µs: 40, 80 and 150 events) or long
    # against τ (1000 µs: 80 events, P/τ ≈ 0.08) and outlasting the step (150 events)
    counts = np.array([1, 40, 1, 1, 80, 1, 1, 1, 3, 1, 150, 1])
    b = Board(n_chips=1, dt_us=dt_us, mismatch=MismatchConfig.off())
    ch = np.repeat(np.arange(counts.size), counts)
    gen = b.add_spike_generator(np.full(ch.size, 1000.0), ch, counts.size)
    b.connect(gen.ids, np.arange(counts.size), "AMPA")
    pr = b.probe(np.arange(counts.size))
    b.run(12.0)
    p = b.parameters()
    got = pr.isyn("AMPA")
    for k, m in enumerate(counts):
        ref = dpi_psc((pr.t_us - 1000.0) * 1e-6, p["syn_itau_A"][0, k], p["syn_gain_A"][0, k],
                      p["syn_weight_A"][0, k], p["syn_pulse_s"][0, k], 2e-12, b.constants,
                      count=int(m))
        assert got[:, k].max() > 0
        np.testing.assert_allclose(got[:, k], ref, rtol=1e-9, atol=1e-20)


# -- mismatch ----------------------------------------------------------------------------------
def test_mismatch_cv_and_reproducibility():
    cfg = MismatchConfig(cv_circuit=0.2, seed=11)
    f = mismatch_factors(cfg)
    assert f.shape == (4096, len(BIAS_NAMES)) and np.all(f > 0)
    cv = f.std(axis=0) / f.mean(axis=0)
    # sampling error of a CV over n = 4096 lognormal draws ≈ cv·sqrt((1 + 2cv²)/(2n)) ≈ 0.0025
    assert np.all(np.abs(cv - 0.2) < 5 * 0.2 * math.sqrt((1 + 2 * 0.04) / (2 * 4096)))
    np.testing.assert_array_equal(f, mismatch_factors(cfg))
    assert not np.array_equal(f, mismatch_factors(MismatchConfig(cv_circuit=0.2, seed=12)))
    assert np.all(mismatch_factors(MismatchConfig.off()) == 1.0)


def test_mismatch_hierarchy_total_cv():
    cfg = MismatchConfig(cv_chip=0.0, cv_core=0.1, cv_neuron=0.05, cv_circuit=0.1, seed=2)
    expected = math.sqrt((1.01 * 1.0025 * 1.01) - 1)
    assert cfg.total_cv() == pytest.approx(expected)
    # the core factor is shared by the 256 neurons of a core
    f = mismatch_factors(MismatchConfig(cv_core=0.3, cv_circuit=0.0, seed=2))
    assert np.allclose(f[:256], f[0]) and not np.allclose(f[0], f[256])
    assert product_cv(0.1, 3) == pytest.approx(math.sqrt(1.01 ** 3 - 1))


def test_mismatch_changes_time_constants_per_neuron():
    b = Board(n_chips=1, mismatch=MismatchConfig(cv_circuit=0.1, seed=5))
    tau = b.parameters()["syn_tau_s"][0]
    assert 0.06 < tau.std() / tau.mean() < 0.14


# -- routing -----------------------------------------------------------------------------------
def test_cam_limit():
    b = Board(n_chips=1)
    b.connect(np.arange(1, 61), 0, "AMPA")
    b.connect(100, 0, "NMDA", multiplicity=4)
    assert b.cam_usage()[0] == CAM_ENTRIES
    with pytest.raises(ValueError, match="CAM of neuron 0 .* 65 entries; the limit is 64"):
        b.connect(200, 0, "AMPA")


def test_sram_limit():
    b = Board(n_chips=4)
    src = b.gid(0, 0, 3)
    for chip in (1, 2, 3):
        b.connect(src, b.gid(chip, 1, 0), "AMPA")
    assert [c for c, _ in b.sram(src)] == [1, 2, 3]
    with pytest.raises(ValueError, match="at most 3 allowed"):
        b.connect(src, b.gid(0, 2, 0), "AMPA")
    b4 = Board(n_chips=4, max_target_chips=4)
    for chip in range(4):
        b4.connect(src, b4.gid(chip, 1, 0), "AMPA")


def test_bad_ids_and_names():
    b = Board(n_chips=1)
    with pytest.raises(ValueError, match="post: neuron ids must lie in 0–1023"):
        b.connect(0, 1024, "AMPA")
    with pytest.raises(ValueError, match="synapse must be one of"):
        b.connect(0, 1, "GABA_C")
    with pytest.raises(ValueError, match="chip must be an integer in 0–0"):
        b.gid(1, 0, 0)
    with pytest.raises(ValueError, match="multiplicity"):
        b.connect(0, 1, "AMPA", multiplicity=0)
    with pytest.raises(ValueError, match="aliasing must be one of"):
        Board(aliasing="maybe")


def _aliasing_board(policy):
    """Neuron (chip 0, core 1, neuron 5) → target on chip 2 core 0; the same-address neuron of
    chip 1 also routes to chip 2 core 0 (for another target): the CAM cannot tell them apart."""
    b = Board(n_chips=4, mismatch=MismatchConfig.off(), aliasing=policy)
    a, alias = b.gid(0, 1, 5), b.gid(1, 1, 5)
    target, other = b.gid(2, 0, 10), b.gid(2, 0, 11)
    b.connect(a, target, "AMPA", multiplicity=8)
    b.connect(alias, other, "AMPA", multiplicity=8)
    return b, a, alias, target, other


def test_aliasing_reported_and_reproduced():
    b, a, alias, target, other = _aliasing_board("warn")
    entries = b.aliasing()
    assert {(e.target, e.intended, e.aliased) for e in entries} == {
        (target, a, (alias,)), (other, alias, (a,))}
    # drive only the aliasing neuron (chip 1) with DC: the target on chip 2 receives its events
    b.set_bias("IF_DC_P", 2, 120, chip=1, core=1)
    pr = b.probe([target])
    with pytest.warns(AliasingWarning):
        b.run(100)
    assert len(b.events().of(alias)) > 0 and len(b.events().of(a)) == 0
    assert pr.isyn("AMPA")[:, 0].max() > 0
    b2, *_ = _aliasing_board("error")
    with pytest.raises(ValueError, match="aliased across chips"):
        b2.run(1)
    b3, *_ = _aliasing_board("allow")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b3.run(1)


def test_input_tags_alias_with_neurons():
    b = Board(n_chips=1, mismatch=MismatchConfig.off(), aliasing="allow")
    gen = b.add_spike_generator([1000.0], [0], 1, tags=[5])   # tag (core 0, neuron 5)
    b.connect(gen.ids[0], 300, "AMPA")                        # target on core 1
    b.connect(5, 301, "AMPA")                                 # neuron 5 of core 0 → core 1
    assert len(b.aliasing()) == 2


# -- neuron ------------------------------------------------------------------------------------
def test_dc_drives_spikes_and_determinism():
    def run(seed):
        b = Board(n_chips=1, seed=seed, mismatch=MismatchConfig(seed=seed))
        b.set_bias("IF_DC_P", 2, 80, chip=0, core=0)
        pois = b.add_poisson(np.full(4, 50.0))
        b.connect(pois.ids, np.arange(4) + 300, "AMPA", multiplicity=8)
        b.run(200)
        return b.events()
    e1, e2, e3 = run(1), run(1), run(2)
    assert len(e1) > 0 and np.all(e1.core[e1.gid < 256] == 0)
    np.testing.assert_array_equal(e1.gid, e2.gid)
    np.testing.assert_array_equal(e1.t_us, e2.t_us)
    assert len(e1) != len(e3) or not np.array_equal(e1.t_us, e3.t_us)
    assert np.all(e1.counts(1024)[256:300] == 0)


def test_kernel_exp_accuracy():
    """The kernel's own branch-free exponential (the feedback sigmoid) is within 5e-16 of numpy."""
    from neurobench.dynapse import _kernel
    x = np.concatenate([np.linspace(-700.0, 700.0, 200_001), np.linspace(-1.0, 1.0, 20_001)])
    out = np.empty_like(x)
    _kernel.exp_check(x, out)
    assert np.max(np.abs(out / np.exp(x) - 1.0)) <= 5e-16


def test_neuron_result_does_not_depend_on_its_neighbours():
    """A neuron's spikes are bit-identical whether its neighbours in the vector pass are quiet
    or spike (so that they and it take the vector pass or the scalar path at other steps)."""
    def spikes(busy):
        b = Board(n_chips=1, seed=5, mismatch=MismatchConfig(seed=5))
        b.set_bias("IF_DC_P", 2, 60, chip=0, core=0)
        t = np.arange(2_000.0, 300_000.0, 7_300.0)
        gen = b.add_spike_generator(t, np.arange(t.size) % 2, 2)
        b.connect(gen.ids, [3, 3], "AMPA", multiplicity=[4, 2])
        b.connect(gen.ids[0], 3, "NMDA", multiplicity=2)
        if busy:                        # neurons 0–2 share neuron 3's vector of four
            t2 = np.arange(1_000.0, 300_000.0, 900.0)
            drive = b.add_spike_generator(t2, np.zeros(t2.size, int), 1, tags=[100])
            b.connect(drive.ids[0], [0, 1, 2], "AMPA", multiplicity=16)
        b.run(300)
        e = b.events()
        return e.counts(3).sum(), e.t_us[e.gid == 3]
    n_quiet, t_quiet = spikes(False)
    n_busy, t_busy = spikes(True)
    assert n_busy > n_quiet and t_quiet.size > 0
    np.testing.assert_array_equal(t_quiet, t_busy)


def test_nmda_gate_blocks_at_rest():
    """NMDA drives the membrane only when I_mem is large compared with I_f,nmda."""
    def peak(gate_fine, dc_fine):
        b = Board(n_chips=1, dt_us=50, mismatch=MismatchConfig.off())
        b.set_bias("IF_NMDA_N", 2, gate_fine)
        b.set_bias("IF_DC_P", 1, dc_fine)
        gen = b.add_spike_generator([100_000.0], [0], 1)
        b.connect(gen.ids[0], 0, "NMDA", multiplicity=16)
        pr = b.probe([0])
        b.run(200)
        im = pr.imem[:, 0]
        before = im[pr.t_us < 100_000][-1]
        return im[pr.t_us >= 100_000].max() - before
    open_gate = peak(0, 0)
    blocked = peak(255, 0)          # I_f,nmda = 820 pA ≫ I_mem at rest
    assert blocked < 0.1 * open_gate


def test_poisson_mean_current_matches_rate():
    """Mean DPI current under Poisson input = Σ rates × I_∞ t_pulse (integral of one response)."""
    b = Board(n_chips=1, dt_us=100, seed=4, mismatch=MismatchConfig.off())
    pois = b.add_poisson(np.full(50, 40.0))                  # 2000 events/s in total
    b.connect(pois.ids, 3, "AMPA")
    pr = b.probe([3])
    b.run(3000)
    p = b.parameters()
    expected = 2000.0 * p["syn_iinf_A"][0, 3] * p["syn_pulse_s"][0, 3]
    got = pr.isyn("AMPA")[pr.t_us > 100_000, 0].mean()
    # shot noise: relative SE of the mean ≈ sqrt(τ/(2·rate·T)) ≈ 1.3 %; 5 SE
    assert got == pytest.approx(expected, rel=0.07)


def test_reset_biases_between_runs_and_temperature():
    b = Board(n_chips=1, seed=2)
    b.set_bias("IF_DC_P", 2, 80)
    b.run(100)
    first = b.events()
    b.reset()
    b.run(100)
    np.testing.assert_array_equal(first.t_us, b.events().t_us)
    b.set_bias("IF_DC_P", 0, 0)                              # DC off from now on, state kept
    n_before = len(b.events())
    b.run(200)
    assert len(b.events()) - n_before < n_before
    tau300 = b.parameters()["tau_mem_s"].copy()
    b.set_temperature(330.0)
    np.testing.assert_allclose(b.parameters()["tau_mem_s"] / tau300, 1.1, rtol=1e-12)
    with pytest.raises(ValueError, match="temperature_K must be a positive"):
        b.set_temperature(-1)
