"""Claims stated on held-out instances (emulated chips, seeds): the claim is checked on the mean
over the instances, and its tolerance text carries the spread — the standard deviation over
instances and how many instances pass the same bar on their own.

A tuned circuit is scored on chips it was not tuned on, so one lucky chip cannot carry a claim
and a bar that only the mean meets shows as "3/8 chips pass".
"""

from __future__ import annotations

import numpy as np

from neurobench.report.claims import Claim


def claim_over_instances(helper, claim_id: str, claim: str, quantity: str, reference,
                         values, *, what: str = "held-out chips", note: str = "",
                         **kwargs) -> Claim:
    """``helper`` (``claim_within``, ``claim_at_least`` or ``claim_at_most``) applied to the
    mean of ``values`` (one value per instance; NaN = the instance gave no number, e.g. no
    response), with the spread written into the tolerance text.

    The per-instance pass count applies the same helper and bar to each value."""
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        raise ValueError(f"claim {claim_id!r}: no {what} to state the claim on")
    ok = np.isfinite(v)
    mean = float(v[ok].mean()) if ok.any() else np.nan
    sd = float(v[ok].std(ddof=1)) if ok.sum() > 1 else np.nan
    passing = sum(helper(claim_id, claim, quantity, reference, x, **kwargs).status == "PASS"
                  for x in v)
    spread = f"mean of {v.size} {what}, s.d. {sd:.3g}, {passing}/{v.size} pass alone"
    if ok.sum() < v.size:
        spread += f", {v.size - ok.sum()} without a value"
    return helper(claim_id, claim, quantity, reference, mean,
                  note=f"{spread}; {note}" if note else spread, **kwargs)
