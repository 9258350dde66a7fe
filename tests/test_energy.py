"""Energy model (neurobench.metrics.energy) and the energy study: hand-computed cases, the
SNABSuite data, the provenance of every input, and the study's outputs in the quick workflow."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from neurobench.metrics import energy as em
from conftest import claims_of


def _system(silent, spiking, random, idle=1.0):
    return em.SystemMeasurement("toy", "Toy", idle, em.Benchmark(**silent), em.Benchmark(**spiking),
                                em.Benchmark(**random), source="hand-made", snabsuite_coefficients={})


def test_normalisation_hand_computed_case():
    # P_idle = 1 W. Silent: 10 neurons at 1.1 W, 1 ms of hardware time simulating 10 ms.
    # Spiking: 1.5 W, 100 spikes. Random: 1.3 W over 2 ms (20 ms biological), 50 source spikes
    # to 4 synapses each, 10 target spikes.
    m = _system(dict(power_w=1.1, n_neurons=10, runtime_ms=1.0, bioruntime_ms=10.0),
                dict(power_w=1.5, n_neurons=10, runtime_ms=1.0, bioruntime_ms=10.0, n_spikes=100),
                dict(power_w=1.3, n_neurons=10, runtime_ms=2.0, bioruntime_ms=20.0, n_spikes=50,
                     n_spikes_target=10, connections=4))
    c = em.coefficients(m)
    assert c.housekeeping_w == pytest.approx(1.0 * 0.1 / 10)            # 0.01 W per neuron
    assert c.resting_w == pytest.approx(0.1 * 0.1 / 10)                 # 0.001 W per neuron
    # (0.5 W · 1 ms − 0.001 W · 10 · 10 ms) / 100 = (5e-4 − 1e-4) J / 100
    assert c.action_potential_j == pytest.approx(4e-6)
    # (0.3 W · 2 ms − 0.001 W · 10 · 20 ms − 4e-6 J · 60) / 200 = (6e-4 − 2e-4 − 2.4e-4) / 200
    assert c.spike_transmission_j == pytest.approx(8e-7)
    # Single neuron at r = 2 Hz, S = 3: 0.01 + 0.001 + 2 (4e-6 + 3 · 8e-7)
    assert c.single_neuron_w(2.0, 3.0) == pytest.approx(0.011 + 2 * (4e-6 + 2.4e-6))
    assert em.full_brain_power(2.0, 5.0) == 10.0


def test_hardware_time_to_biological_time():
    """The same energies in a 10× faster run give 10× lower powers in biological time."""
    base = dict(power_w=1.1, n_neurons=10, bioruntime_ms=10.0)
    spk = dict(power_w=1.5, n_neurons=10, bioruntime_ms=10.0, n_spikes=100)
    rnd = dict(power_w=1.3, n_neurons=10, bioruntime_ms=20.0, n_spikes=50, connections=4)
    slow = em.coefficients(_system({**base, "runtime_ms": 10.0}, {**spk, "runtime_ms": 10.0},
                                   {**rnd, "runtime_ms": 20.0}))
    fast = em.coefficients(_system({**base, "runtime_ms": 1.0}, {**spk, "runtime_ms": 1.0},
                                   {**rnd, "runtime_ms": 2.0}))
    assert fast.housekeeping_w == pytest.approx(slow.housekeeping_w / 10)
    assert fast.resting_w == pytest.approx(slow.resting_w / 10)
    assert fast.action_potential_j == pytest.approx(slow.action_potential_j / 10)


def test_snabsuite_data_closed_forms():
    systems = em.load_measurements()
    spikey, rtx = em.coefficients(systems["spikey"]), em.coefficients(systems["rtx2070"])
    # Spikey: idle 5.249 W shared by 384 neurons, 10^4 times faster than biology.
    assert spikey.housekeeping_w == pytest.approx(5.249025832963579 / 384 / 1e4, rel=1e-12)
    # RTX 2070: 20.06 W × 1945 ms / 400 000 ms / 100 000 neurons (reference/energy README).
    assert rtx.housekeeping_w == pytest.approx(20.064260196001694 * 1945.13032505 / 4e5 / 1e5,
                                               rel=1e-9)
    assert em.round_sig(rtx.housekeeping_w) == 9.8e-7
    assert em.round_sig(spikey.action_potential_j) == 4.4e-10
    assert em.round_sig(spikey.spike_transmission_j) == 1.1e-11
    # SNABSuite's own coefficients, stored beside the measurements.
    for key, m in systems.items():
        c = em.coefficients(m)
        assert c.action_potential_j == pytest.approx(m.snabsuite_coefficients["spike_j"], rel=1e-9)
        assert c.spike_transmission_j == pytest.approx(
            m.snabsuite_coefficients["transmission_random_j"], rel=1e-3)


def test_spikey_single_neuron_and_full_brain_match_talk():
    spikey = em.coefficients(em.load_measurements()["spikey"])
    single = spikey.single_neuron_w(4.0, 2000.0)
    assert single == pytest.approx(1.4938e-6, rel=1e-4)
    assert em.round_sig(em.full_brain_power(single, 8.6e10)) == 1.3e5


def test_atp_budget_closed_form():
    c = em.brain_from_atp_budget(total_atp_per_s=1e9, rate_hz=2.0, share_ap=0.5, share_synaptic=0.3,
                                 share_rest=0.2, events_per_spike=100, housekeeping_share=0.2,
                                 atp_j=1e-19)
    assert c.housekeeping_w == pytest.approx(0.25 * 1e9 * 1e-19)
    assert c.resting_w == pytest.approx(0.2 * 1e9 * 1e-19)
    assert c.action_potential_j == pytest.approx(0.5e9 / 2 * 1e-19)
    assert c.spike_transmission_j == pytest.approx(0.3e9 / 200 * 1e-19)
    assert em.atp_energy_j(30.5, 6.02214076e23) == pytest.approx(5.0647e-20, rel=1e-4)
    with pytest.raises(ValueError, match="shares"):
        em.brain_from_atp_budget(1e9, 2.0, 0.5, 0.5, 0.5, 100, 0.2, 1e-19)
    with pytest.raises(ValueError, match="housekeeping_share"):
        em.brain_from_atp_budget(1e9, 2.0, 0.5, 0.3, 0.2, 100, 1.0, 1e-19)


def test_rounding_helpers():
    assert em.round_sig(128464.7) == 130000.0
    assert em.round_sig(2.516e-10) == 2.5e-10
    assert em.sig_tolerance(9.8e-7) == pytest.approx(5e-9)
    assert em.sig_tolerance(21.0) == pytest.approx(0.5)
    # x prints as the printed value exactly when |x − printed| ≤ tolerance.
    assert abs(em.round_sig(1.0845e-11) - 1.1e-11) <= em.sig_tolerance(1.1e-11)


def test_every_input_carries_a_source():
    brain = em.load_brain_inputs()
    entries = list(em.input_entries(brain))
    assert len(entries) >= 15
    for path, entry in entries:
        assert entry.get("source"), f"brain.yaml {'.'.join(path)} has no source"
        assert isinstance(entry.get("verified"), bool), f"brain.yaml {'.'.join(path)}: verified?"
        assert isinstance(entry["value"], (int, float)), f"brain.yaml {'.'.join(path)}: not a number"
    for key, d in em.load_published()["systems"].items():
        assert d.get("source") and isinstance(d.get("verified"), bool), key
    for key, m in em.load_measurements().items():
        assert "Ostrau" in m.source and "SNABSuite" in m.source, key
    talk = em.load_talk_table()
    assert "Energy-efficiency comparison" in talk["source"]
    assert set(talk["rows"]) == set(em.ROWS)


def test_bad_input_files_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        em.load_measurements(tmp_path)
    (tmp_path / "brain.yaml").write_text("value: 1\n")
    with pytest.raises(ValueError, match="source"):
        em.load_brain_inputs(tmp_path)
    shutil.copy(em.DATA_DIR / "snabsuite_measurements.yaml", tmp_path)
    text = (tmp_path / "snabsuite_measurements.yaml").read_text()
    (tmp_path / "snabsuite_measurements.yaml").write_text(text.replace("n_spikes: 39375003.0", "n_spikes: 0"))
    with pytest.raises(ValueError, match="spikey.full_spiking_rec.n_spikes"):
        em.coefficients(em.load_measurements(tmp_path)["spikey"])


def test_core_timing_workload_counts_events():
    from neurobench.studies.energy import cuba_like, time_core

    p = dict(core_n_neurons=50, core_n_sources=20, core_source_rate_hz=100.0, core_connect_p=0.5,
             core_dt_ms=0.1, core_duration_ms=100.0, core_repeats=1, seed=3)
    net, projs, rec = cuba_like(p, True, p["seed"])
    net.run(p["core_duration_ms"])
    expected = sum(int(counts @ np.bincount(proj.pre, minlength=src.n)) for src, proj, counts in projs)
    t = time_core(p)
    assert t["with"]["events"] == expected > 0
    assert t["without"]["events"] == 0
    assert t["time_per_neuron_step_s"] > 0 and math.isfinite(t["time_per_event_s"])


def test_timing_claims_not_run_when_the_cost_of_events_cannot_be_resolved(tmp_path):
    import pandas as pd
    from neurobench.report import StudyWriter
    from neurobench.studies.energy import BUSY, _timing_claims, declared_claims

    ids = ("core_event_energy", "core_time_per_event", "dynapse_time_per_event")
    declared = {k: declared_claims({})[k] for k in ids}
    coef = {"ryzen2600x": em.Coefficients(1e-9, 1e-10, 1e-9, 2e-10)}
    with StudyWriter(tmp_path / "energy", {}, seed=0, claims=declared) as out:
        _timing_claims(out, coef, {"time_per_event_s": -1e-9, "energy_per_synaptic_event_j": -3e-8},
                       {"status": "neurobench.dynapse not importable (no module); row left empty"},
                       30.0)
    rows = pd.read_csv(tmp_path / "energy" / "comparison.csv").set_index("claim_id")
    assert (rows.status == "NOT_RUN").all()
    assert BUSY in rows.loc["core_event_energy", "tolerance"]
    assert "not importable" in rows.loc["dynapse_time_per_event", "tolerance"]
    assert rows.loc["core_time_per_event", "kind"] == "design_target"
    assert rows.loc["core_event_energy", "kind"] == "design_target"


# -- the study in the quick workflow --------------------------------------------------------
# Every claim's status; the talk's brain cells that the Attwell & Laughlin budget does not
# reproduce, and the "worse by" cells and its own arithmetic that contradict its printed cells,
# are FAILs of the talk's table, not of the model.
EXPECTED_STATUS = {
    "snabsuite_coefficients": "PASS", "tech_chips": "PASS",
    **{f"tech_{r}": "PASS" for r in em.ROWS},
    "brain_housekeeping": "FAIL", "brain_resting_potential": "FAIL",
    "brain_action_potential": "PASS", "brain_spike_transmission": "FAIL",
    "brain_single_neuron": "FAIL", "brain_full_brain": "FAIL",
    "talk_arithmetic_brain_single_neuron": "PASS", "talk_arithmetic_brain_full_brain": "FAIL",
    **{f"worse_by_{r}": "PASS" for r in em.ROWS[:4]},
    "worse_by_single_neuron": "FAIL", "worse_by_full_brain": "FAIL",
    **{f"brain_share_{r}": "INFO" for r in ("action_potential", "spike_transmission",
                                             "resting_potential")},
    **{f"talk_consistency_{r}": "PASS" for r in em.ROWS},
    "talk_consistency_single_neuron": "FAIL",
    "sensitivity_brain_range": "INFO", "sensitivity_spikey_range": "INFO",
    "core_event_energy": "INFO", "core_time_per_event": "INFO", "dynapse_time_per_event": "INFO",
    "core_targets_silent": "PASS"}


@pytest.mark.slow
def test_energy_workflow_outputs(quick_results):
    from neurobench.studies.energy import declared_claims

    d = quick_results / "energy"
    for f in ("comparison.csv", "provenance.json", "figures/efficiency_gap.png",
              "figures/efficiency_gap.pdf", "figures/sensitivity.png", "tables/energy_table.csv",
              "tables/energy_table.md", "tables/energy_table.tex", "tables/extended_table.csv",
              "tables/extended_table.tex", "tables/sensitivity.csv"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "energy").set_index("claim_id")
    kinds = declared_claims({})
    assert sorted(claims.index) == sorted(kinds) == sorted(EXPECTED_STATUS)
    for cid, status in EXPECTED_STATUS.items():
        assert claims.loc[cid, "status"] == status, (cid, claims.loc[cid].to_dict())
        assert claims.loc[cid, "kind"] == kinds[cid], cid
    # The talk's single-neuron "worse by" (1.3E+03) contradicts its own cells (6.0E+03).
    assert claims.loc["talk_consistency_single_neuron", "reproduced"] == pytest.approx(6000.0)
    assert claims.loc["core_time_per_event", "reproduced"] > 0
