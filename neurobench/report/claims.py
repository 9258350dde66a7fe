"""Claims: one row of a study's ``comparison.csv``.

A claim compares a *reproduced* number with a *reference* number that comes from a named
source (a paper, the talk, an analytic formula, or an independent simulator run in the same
job).  The status is computed here from the numbers and the tolerance, never typed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, asdict

COMPARISON_COLUMNS = [
    "claim_id", "claim", "quantity", "reference", "reproduced",
    "tolerance", "unit", "status", "source",
]
STATUSES = ("PASS", "FAIL", "INFO")


@dataclass(frozen=True)
class Claim:
    """One checked claim.

    Attributes
    ----------
    claim_id : str
        Short stable identifier, unique within the study (``rheobase``).
    claim : str
        The statement in words, as the talk or paper makes it.
    quantity : str
        What number is compared (``rheobase current``, ``max |Δcount|``).
    reference : float
        The reference value (from ``source``); NaN when the claim is INFO only.
    reproduced : float
        The value this run computed.
    tolerance : str
        The acceptance rule in words/numbers (``|Δ| ≤ 0.5``, ``≥ 0.99``).
    unit : str
        Unit of reference and reproduced.
    status : str
        PASS, FAIL or INFO; computed by the helper functions below.
    source : str
        Where the reference comes from (citation, formula, simulator + version).
    """

    claim_id: str
    claim: str
    quantity: str
    reference: float
    reproduced: float
    tolerance: str
    unit: str
    status: str
    source: str

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"claim {self.claim_id!r}: status must be one of {STATUSES}, got {self.status!r}")
        if not self.source:
            raise ValueError(f"claim {self.claim_id!r}: a reference must name its source")

    def row(self) -> dict:
        return asdict(self)


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(float(x))


def claim_within(claim_id, claim, quantity, reference, reproduced, *, abs_tol=None,
                 rel_tol=None, unit="", source, note=""):
    """PASS when |reproduced − reference| ≤ abs_tol (or ≤ rel_tol·|reference|)."""
    if abs_tol is None and rel_tol is None:
        raise ValueError(f"claim {claim_id!r}: give abs_tol or rel_tol")
    reference = float(reference)
    reproduced = float(reproduced)
    bound = abs_tol if abs_tol is not None else rel_tol * abs(reference)
    ok = _finite(reproduced) and _finite(reference) and abs(reproduced - reference) <= bound
    tol = f"|Δ| ≤ {abs_tol:g}" if abs_tol is not None else f"|Δ| ≤ {rel_tol:g}·|ref|"
    if note:
        tol += f" ({note})"
    return Claim(claim_id, claim, quantity, reference, reproduced, tol, unit,
                 "PASS" if ok else "FAIL", source)


def claim_at_least(claim_id, claim, quantity, bar, reproduced, *, unit="", source, note=""):
    """PASS when reproduced ≥ bar (the bar is the reference value)."""
    bar = float(bar)
    reproduced = float(reproduced)
    ok = _finite(reproduced) and reproduced >= bar
    tol = f"≥ {bar:g}" + (f" ({note})" if note else "")
    return Claim(claim_id, claim, quantity, bar, reproduced, tol, unit,
                 "PASS" if ok else "FAIL", source)


def claim_at_most(claim_id, claim, quantity, bar, reproduced, *, unit="", source, note=""):
    """PASS when reproduced ≤ bar (the bar is the reference value)."""
    bar = float(bar)
    reproduced = float(reproduced)
    ok = _finite(reproduced) and reproduced <= bar
    tol = f"≤ {bar:g}" + (f" ({note})" if note else "")
    return Claim(claim_id, claim, quantity, bar, reproduced, tol, unit,
                 "PASS" if ok else "FAIL", source)
