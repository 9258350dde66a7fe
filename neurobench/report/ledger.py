"""The claim ledger: the committed list of every claim the quick workflow writes.

``tests/claim_ledger.csv`` holds one row per claim, ``study, claim_id, kind, status, why``.
A test runs the quick workflow and compares its scorecard with the ledger: a claim that
disappears or appears, changes kind or changes status fails the test until the ledger changes
in the same commit, so every change of a verdict is a visible diff.

``status`` is one status; only a ``design_target`` claim whose verdict depends on the host
(a speed measured on a shared machine) may list alternatives (``PASS|FAIL|NOT_RUN``), and then
``why`` must say so.

Regenerate after a deliberate change, then read the diff::

    python -m neurobench.report.ledger results/scorecard.csv tests/claim_ledger.csv --write
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from neurobench.report.claims import KINDS, STATUSES

LEDGER_COLUMNS = ["study", "claim_id", "kind", "status", "why"]


def read_ledger(path) -> pd.DataFrame:
    path = Path(path)
    led = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in LEDGER_COLUMNS if c not in led.columns]
    if missing:
        raise ValueError(f"{path}: ledger lacks column(s) {missing}")
    for i, r in led.iterrows():
        where = f"{path}, row {i + 2} ({r['study']}/{r['claim_id']})"
        if r["kind"] not in KINDS:
            raise ValueError(f"{where}: kind {r['kind']!r} not in {KINDS}")
        alts = r["status"].split("|")
        if any(s not in STATUSES for s in alts):
            raise ValueError(f"{where}: status {r['status']!r} not in {STATUSES}")
        if len(alts) > 1 and (r["kind"] != "design_target" or not r["why"].strip()):
            raise ValueError(f"{where}: only a design_target claim may accept several statuses, "
                             f"and its 'why' must say why")
    dup = led.duplicated(["study", "claim_id"])
    if dup.any():
        raise ValueError(f"{path}: duplicate rows {led[dup][['study', 'claim_id']].values.tolist()}")
    return led


def ledger_differences(card: pd.DataFrame, ledger: pd.DataFrame) -> list[str]:
    """Every way the scorecard departs from the ledger, one line each (empty: they agree)."""
    got = {(r.study, r.claim_id): (r.kind, r.status) for r in card.itertuples()}
    want = {(r.study, r.claim_id): (r.kind, r.status) for r in ledger.itertuples()}
    out = []
    for key in sorted(want.keys() - got.keys()):
        out.append(f"{key[0]}/{key[1]}: in the ledger, not written by the workflow")
    for key in sorted(got.keys() - want.keys()):
        out.append(f"{key[0]}/{key[1]}: written ({got[key][0]}, {got[key][1]}), not in the ledger")
    for key in sorted(got.keys() & want.keys()):
        (gk, gs), (wk, ws) = got[key], want[key]
        if gk != wk:
            out.append(f"{key[0]}/{key[1]}: kind {gk}, ledger says {wk}")
        if gs not in ws.split("|"):
            out.append(f"{key[0]}/{key[1]}: status {gs}, ledger says {ws}")
    return out


def write_ledger(card: pd.DataFrame, path, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ledger of ``card``; alternatives and reasons of ``previous`` rows are kept where the
    claim's kind is unchanged and its new status is among them."""
    led = card[["study", "claim_id", "kind", "status"]].copy()
    led["why"] = ""
    if previous is not None:
        prev = {(r.study, r.claim_id): r for r in previous.itertuples()}
        for i, r in led.iterrows():
            p = prev.get((r["study"], r["claim_id"]))
            if p is not None and p.kind == r["kind"] and r["status"] in p.status.split("|"):
                led.loc[i, ["status", "why"]] = [p.status, p.why]
    led.to_csv(path, index=False)
    return led


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m neurobench.report.ledger",
                                 description="compare a scorecard with the claim ledger")
    ap.add_argument("scorecard")
    ap.add_argument("ledger")
    ap.add_argument("--write", action="store_true", help="rewrite the ledger from the scorecard")
    a = ap.parse_args(argv)
    card = pd.read_csv(a.scorecard, dtype={"claim_id": str})
    if a.write:
        prev = read_ledger(a.ledger) if Path(a.ledger).exists() else None
        led = write_ledger(card, a.ledger, prev)
        print(f"{a.ledger}: {len(led)} claims")
        return 0
    diff = ledger_differences(card, read_ledger(a.ledger))
    print("\n".join(diff) if diff else "scorecard agrees with the ledger")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
