"""Every study declares its claims, and the quick workflow's verdicts match the claim ledger."""

import pandas as pd

from conftest import REPO, claims_of
from neurobench import studies
from neurobench.config import load_config, study_params
from neurobench.report.ledger import ledger_differences, read_ledger

LEDGER = REPO / "tests" / "claim_ledger.csv"


def test_every_study_declares_exactly_the_claims_it_writes(quick_results):
    cfg = load_config(REPO / "config/config.yaml", REPO / "config/quick.yaml")
    written_studies = sorted(p.parent.name for p in quick_results.glob("*/comparison.csv"))
    assert written_studies == studies.available()
    for name in studies.available():
        declared = studies.get(name).declared_claims(study_params(cfg, name))
        written = claims_of(quick_results, name)
        assert dict(zip(written.claim_id, written.kind)) == declared, name


def test_quick_workflow_matches_the_claim_ledger(quick_results):
    card = pd.read_csv(quick_results / "scorecard.csv", dtype={"claim_id": str})
    diff = ledger_differences(card, read_ledger(LEDGER))
    assert not diff, (
        "the quick workflow's claims differ from tests/claim_ledger.csv:\n  " + "\n  ".join(diff)
        + "\nIf the change is deliberate, regenerate the ledger in the same commit: python -m "
          "neurobench.report.ledger <results>/scorecard.csv tests/claim_ledger.csv --write")
