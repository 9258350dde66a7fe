"""Outputs of a study: figures, tables, claims, provenance, written atomically.

The study contract (see README, "Adding a study"):

>>> from neurobench.report import StudyWriter, Claim
>>> with StudyWriter("results/my_study", params, seed=1) as out:   # doctest: +SKIP
...     out.figure(fig, "rate_vs_current")          # figures/rate_vs_current.{png,pdf}
...     out.table(df, "rates", latex=True)          # tables/rates.{csv,md,tex}
...     out.claim(Claim(...))                       # a row of comparison.csv
... # on success the directory appears complete (atomic rename); on error nothing is left.
"""

from neurobench.report.claims import (Claim, claim_within, claim_at_least, claim_at_most,
                                      claim_info, claim_not_run, COMPARISON_COLUMNS, KINDS,
                                      INDEPENDENT_KINDS, STATUSES)
from neurobench.report.writer import StudyWriter
from neurobench.report.provenance import provenance, config_hash

__all__ = [
    "Claim", "claim_within", "claim_at_least", "claim_at_most", "claim_info", "claim_not_run",
    "COMPARISON_COLUMNS", "KINDS", "INDEPENDENT_KINDS", "STATUSES",
    "StudyWriter", "provenance", "config_hash",
]
