"""Held-out chips of the tuned DYNAP-SE studies: the tuning chip and the held-out chips are
disjoint mismatch seeds, the full config has at least 8 held-out chips, claims are stated on the
mean over chips with the spread, and every study writes tables/held_out_chips.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from neurobench.config import load_config, study_params
from neurobench.dynapse import selectivity as sel
from neurobench.report import claim_at_least, claim_within
from neurobench.report.held_out import claim_over_instances

STUDIES = ("disynaptic", "pair_selectivity", "triplet_selectivity", "cricket")


@pytest.mark.parametrize("study", STUDIES)
def test_full_config_has_eight_held_out_chips_disjoint_from_tuning(study):
    p = study_params(load_config(REPO / "config" / "config.yaml"), study)
    held = [sel.chip_seed(p, k) for k in sel.held_out_chips(p)]
    assert len(held) >= 8
    assert len(set(held)) == len(held)
    assert sel.tuning_chip(p) not in held
    assert 0 not in sel.held_out_chips(p)                  # chip index 0 is the tuning chip


def test_held_out_chips_needs_one():
    with pytest.raises(ValueError, match="held_out_chips"):
        sel.held_out_chips({"seed": 1, "held_out_chips": 0})


def test_claim_over_instances_states_mean_and_spread():
    c = claim_over_instances(claim_at_least, "x", "x", "q", 0.5, [0.6, 0.4, 0.8, np.nan], source="s")
    assert c.reproduced == pytest.approx(0.6)              # mean of the finite values
    assert c.status == "PASS"
    assert "mean of 4 held-out chips, s.d. 0.2, 2/4 pass alone, 1 without a value" in c.tolerance
    c = claim_over_instances(claim_within, "y", "y", "q", 40.0, [40.0, 60.0, 50.0], abs_tol=5.0, source="s",
                             unit="ms", note="grid step")
    assert c.reproduced == pytest.approx(50.0)
    assert c.status == "FAIL"
    assert c.tolerance == "|Δ| ≤ 5 (mean of 3 held-out chips, s.d. 10, 1/3 pass alone; grid step)"
    none = claim_over_instances(claim_at_least, "z", "z", "q", 0.5, [np.nan, np.nan], source="s")
    assert none.status == "FAIL" and np.isnan(none.reproduced)
    with pytest.raises(ValueError, match="no held-out chips"):
        claim_over_instances(claim_at_least, "z", "z", "q", 0.5, [], source="s")


@pytest.mark.parametrize("study", STUDIES)
def test_quick_workflow_held_out_chips_table(quick_results, study):
    p = study_params(load_config(REPO / "config" / "config.yaml", REPO / "config" / "quick.yaml"), study)
    df = pd.read_csv(quick_results / study / "tables" / "held_out_chips.csv")
    assert (quick_results / study / "tables" / "held_out_chips.md").exists()
    held = df[df["role"] == "held_out"]["chip_seed"]
    tuning = df[df["role"] == "tuning"]["chip_seed"]
    assert sorted(held) == [sel.chip_seed(p, k) for k in sel.held_out_chips(p)]
    assert tuning.tolist() == [sel.tuning_chip(p)]
    assert set(held).isdisjoint(tuning)


def test_tuning_and_held_out_runs_the_split_and_refuses_overlap():
    p = {"seed": 7, "held_out_chips": 3}
    tune = lambda p: {"chip": sel.tuning_chip(p)}                       # noqa: E731
    play = lambda p, k, tuned: {"chip": sel.chip_seed(p, k), "with": tuned["chip"]}   # noqa: E731
    tuned, held = sel.tuning_and_held_out(p, tune, play)
    assert tuned == {"chip": 7}
    assert [c["chip"] for c in held] == [1007, 2007, 3007] and {c["with"] for c in held} == {7}
    with pytest.raises(ValueError, match="both the tuning chip and a held-out chip"):
        sel.tuning_and_held_out(p, tune, play, tuned={"chip": 2007})
