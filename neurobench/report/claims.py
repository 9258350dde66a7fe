"""Claims: one row of a study's ``comparison.csv``.

A claim compares a *reproduced* number with a *reference* number that comes from a named
source.  Every claim says what *kind* of reference it is:

``literature``
    a published number or finding (paper and figure/table/page in ``source``);
``closed_form``
    an analytic result derived independently of the code under test;
``independent_simulator``
    another simulator or solver (Brian2, NEST, rockpool, scipy's ODE solvers) run in the same job;
``verification``
    the model against its own specification (its equations, convergence, self-consistency,
    its construction): a reference computed by the code under test is verification, whatever
    it is called;
``design_target``
    a goal of this suite (speed, resources).

Only the first three are independent of the code under test; the scorecard's headline
("reproduced") counts them alone.

The status is computed here from the numbers and the tolerance, never typed in: PASS or FAIL
for a checked claim, INFO for context without a pass/fail bar, NOT_RUN for a claim that could
not be evaluated in this run (an engine not installed, a machine too busy, too few events),
with the reason in the row.  A study declares its claims up front (``claim_id → kind``, see
:class:`~neurobench.report.writer.StudyWriter`), so a declared claim never goes missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, asdict

COMPARISON_COLUMNS = [
    "claim_id", "claim", "quantity", "reference", "reproduced",
    "tolerance", "unit", "status", "kind", "source",
]
STATUSES = ("PASS", "FAIL", "INFO", "NOT_RUN")
KINDS = ("literature", "closed_form", "independent_simulator", "verification", "design_target")
INDEPENDENT_KINDS = ("literature", "closed_form", "independent_simulator")


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
        The value this run computed (NaN for NOT_RUN).
    tolerance : str
        The acceptance rule in words/numbers (``|Δ| ≤ 0.5``, ``≥ 0.99``); for NOT_RUN it
        also carries the reason the claim was not evaluated.
    unit : str
        Unit of reference and reproduced.
    status : str
        PASS, FAIL, INFO or NOT_RUN; computed by the helper functions below.
    source : str
        Where the reference comes from (citation, formula, simulator + version).
    kind : str
        One of :data:`KINDS`; may be left empty when the study's declaration supplies it
        (the writer fills it in and refuses a claim whose kind contradicts the declaration).
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
    kind: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"claim {self.claim_id!r}: status must be one of {STATUSES}, got {self.status!r}")
        if not self.source:
            raise ValueError(f"claim {self.claim_id!r}: a reference must name its source")
        if self.kind and self.kind not in KINDS:
            raise ValueError(f"claim {self.claim_id!r}: kind must be one of {KINDS}, got {self.kind!r}")

    def row(self) -> dict:
        d = asdict(self)
        return {c: d[c] for c in COMPARISON_COLUMNS}


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(float(x))


def claim_within(claim_id, claim, quantity, reference, reproduced, *, abs_tol=None,
                 rel_tol=None, unit="", source, note="", kind=""):
    """PASS when |reproduced − reference| ≤ abs_tol (or ≤ rel_tol·|reference|)."""
    if abs_tol is None and rel_tol is None:
        raise ValueError(f"claim {claim_id!r}: give abs_tol or rel_tol")
    reference = float(reference)
    reproduced = float(reproduced)
    bound = abs_tol if abs_tol is not None else rel_tol * abs(reference)
    if not (_finite(bound) and bound >= 0):
        raise ValueError(f"claim {claim_id!r}: the tolerance must be finite and ≥ 0, got {bound!r}")
    ok = _finite(reproduced) and _finite(reference) and abs(reproduced - reference) <= bound
    tol = f"|Δ| ≤ {abs_tol:g}" if abs_tol is not None else f"|Δ| ≤ {rel_tol:g}·|ref|"
    if note:
        tol += f" ({note})"
    return Claim(claim_id, claim, quantity, reference, reproduced, tol, unit,
                 "PASS" if ok else "FAIL", source, kind)


def claim_at_least(claim_id, claim, quantity, bar, reproduced, *, unit="", source, note="",
                   kind=""):
    """PASS when reproduced ≥ bar (the bar is the reference value)."""
    bar = float(bar)
    reproduced = float(reproduced)
    ok = _finite(reproduced) and reproduced >= bar
    tol = f"≥ {bar:g}" + (f" ({note})" if note else "")
    return Claim(claim_id, claim, quantity, bar, reproduced, tol, unit,
                 "PASS" if ok else "FAIL", source, kind)


def claim_at_most(claim_id, claim, quantity, bar, reproduced, *, unit="", source, note="",
                  kind=""):
    """PASS when reproduced ≤ bar (the bar is the reference value)."""
    bar = float(bar)
    reproduced = float(reproduced)
    ok = _finite(reproduced) and reproduced <= bar
    tol = f"≤ {bar:g}" + (f" ({note})" if note else "")
    return Claim(claim_id, claim, quantity, bar, reproduced, tol, unit,
                 "PASS" if ok else "FAIL", source, kind)


def claim_info(claim_id, claim, quantity, reference, reproduced, *, unit="", source,
               note="–", kind=""):
    """Context without a pass/fail bar (INFO)."""
    return Claim(claim_id, claim, quantity, float(reference), float(reproduced), note, unit,
                 "INFO", source, kind)


def claim_not_run(claim_id, claim, quantity, *, reason, reference=math.nan, tolerance="",
                  unit="", source, kind=""):
    """A declared claim that could not be evaluated in this run; ``reason`` says why."""
    if not reason:
        raise ValueError(f"claim {claim_id!r}: a NOT_RUN row must give its reason")
    tol = f"{tolerance} — not run: {reason}" if tolerance else f"not run: {reason}"
    return Claim(claim_id, claim, quantity, float(reference), math.nan, tol, unit, "NOT_RUN",
                 source, kind)


def check_declaration(study: str, declared: dict) -> dict:
    """Validate a study's claim declaration (``claim_id → kind``); returns it as a dict."""
    declared = dict(declared)
    bad = {k: v for k, v in declared.items() if v not in KINDS}
    if bad:
        raise ValueError(f"{study}: claim kind(s) not in {KINDS}: {bad}")
    return declared
