"""Claims, their reference kinds and statuses, a study's declaration, the kind × status table."""

import math

import pandas as pd
import pytest

from neurobench.report import (StudyWriter, claim_at_least, claim_info, claim_not_run,
                               claim_within)
from neurobench.report.scorecard import build_scorecard, headline, kind_status_table

SRC = "closed form"


def test_status_is_computed_and_kind_checked():
    assert claim_within("a", "x", "q", 1.0, 1.05, abs_tol=0.1, source=SRC).status == "PASS"
    assert claim_within("a", "x", "q", 1.0, 1.2, abs_tol=0.1, source=SRC).status == "FAIL"
    assert claim_within("a", "x", "q", 1.0, math.nan, abs_tol=0.1, source=SRC).status == "FAIL"
    assert claim_at_least("a", "x", "q", 3.0, 2.9, source=SRC).status == "FAIL"
    with pytest.raises(ValueError, match="kind must be one of"):
        claim_within("a", "x", "q", 1.0, 1.0, abs_tol=0.1, source=SRC, kind="self_check")
    with pytest.raises(ValueError, match="tolerance must be finite"):
        claim_within("a", "x", "q", 1.0, 1.0, abs_tol=-0.1, source=SRC)
    with pytest.raises(ValueError, match="reason"):
        claim_not_run("a", "x", "q", reason="", source=SRC)
    c = claim_not_run("a", "x", "q", reason="brian2 not installed", tolerance="≥ 3", source=SRC)
    assert c.status == "NOT_RUN" and math.isnan(c.reproduced)
    assert c.tolerance == "≥ 3 — not run: brian2 not installed"


def _declared_run(tmp_path, write, declared):
    out = tmp_path / "toy"
    with StudyWriter(out, {"seed": 1}, seed=1, claims=declared) as w:
        write(w)
    return pd.read_csv(out / "comparison.csv")


def test_declared_claims_take_their_kind_and_none_goes_missing(tmp_path):
    declared = {"rate": "independent_simulator", "speed": "design_target"}

    def write(w):
        w.claim(claim_within("rate", "x", "q", 1.0, 1.0, abs_tol=0.1, source="Brian2 2.9.0"))
        w.not_run("speed", "x", "q", reason="machine busy", source="the suite's speed target")

    df = _declared_run(tmp_path, write, declared)
    assert list(df.kind) == ["independent_simulator", "design_target"]
    assert list(df.status) == ["PASS", "NOT_RUN"]

    def forgets(w):
        w.claim(claim_within("rate", "x", "q", 1.0, 1.0, abs_tol=0.1, source="Brian2"))

    with pytest.raises(ValueError, match=r"never written.*speed"):
        _declared_run(tmp_path, forgets, declared)
    assert not (tmp_path / "toy2").exists()

    def undeclared(w):
        w.claim(claim_info("extra", "x", "q", 1.0, 1.0, source="s"))

    with pytest.raises(ValueError, match="'extra' is not declared"):
        _declared_run(tmp_path, undeclared, declared)

    def contradicts(w):
        w.claim(claim_within("rate", "x", "q", 1.0, 1.0, abs_tol=0.1, source="s",
                             kind="verification"))

    with pytest.raises(ValueError, match="declared 'independent_simulator'"):
        _declared_run(tmp_path, contradicts, declared)
    with pytest.raises(ValueError, match="claim kind"):
        StudyWriter(tmp_path / "x", {}, claims={"a": "literature-ish"})


def test_kind_status_table_and_headline_count_only_independent_kinds(tmp_path):
    rows = [("s1", "a", "literature", "PASS"), ("s1", "b", "verification", "PASS"),
            ("s2", "c", "closed_form", "FAIL"), ("s2", "d", "design_target", "NOT_RUN"),
            ("s2", "e", "independent_simulator", "INFO")]
    for study in ("s1", "s2"):
        d = tmp_path / study
        d.mkdir()
        pd.DataFrame([{"claim_id": c, "claim": "x", "quantity": "q", "reference": 1.0,
                       "reproduced": 1.0, "tolerance": "t", "unit": "", "status": st,
                       "kind": k, "source": "s"} for s, c, k, st in rows if s == study]
                     ).to_csv(d / "comparison.csv", index=False)
    card = build_scorecard([tmp_path / "s1/comparison.csv", tmp_path / "s2/comparison.csv"],
                           tmp_path / "card.csv", tmp_path / "card.md")
    t = kind_status_table(card)
    assert t.loc["literature", "PASS"] == 1 and t.loc["verification", "PASS"] == 1
    assert t.loc["design_target", "NOT_RUN"] == 1 and t.loc["total", "total"] == 5
    assert "**Reproduced: 1 of 2**" in headline(card)
    md = (tmp_path / "card.md").read_text()
    assert "| verification" in md and "NOT_RUN" in md


def test_ledger_flags_missing_new_and_changed_claims(tmp_path):
    from neurobench.report.ledger import ledger_differences, read_ledger, write_ledger

    card = pd.DataFrame({"study": ["s", "s", "t"], "claim_id": ["a", "b", "speed"],
                         "kind": ["literature", "verification", "design_target"],
                         "status": ["PASS", "FAIL", "PASS"]})
    path = tmp_path / "ledger.csv"
    write_ledger(card, path)
    led = read_ledger(path)
    assert ledger_differences(card, led) == []
    changed = card.copy()
    changed.loc[0, "status"] = "FAIL"
    changed.loc[1, "kind"] = "closed_form"
    changed = pd.concat([changed.iloc[:2], changed.iloc[[2]].assign(claim_id="new")])
    diff = ledger_differences(changed, led)
    assert diff == ["t/speed: in the ledger, not written by the workflow",
                    "t/new: written (design_target, PASS), not in the ledger",
                    "s/a: status FAIL, ledger says PASS",
                    "s/b: kind closed_form, ledger says verification"]
    # alternatives only for a design target with a reason
    led.loc[2, "status"] = "PASS|FAIL|NOT_RUN"
    led.to_csv(path, index=False)
    with pytest.raises(ValueError, match="'why' must say why"):
        read_ledger(path)
    led.loc[2, "why"] = "speed on a shared machine"
    led.to_csv(path, index=False)
    led = read_ledger(path)
    assert ledger_differences(card.assign(status=["PASS", "FAIL", "NOT_RUN"]), led) == []
    led.loc[0, "status"] = "PASS|FAIL"
    led.to_csv(path, index=False)
    with pytest.raises(ValueError, match="only a design_target"):
        read_ledger(path)
