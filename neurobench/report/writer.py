"""Atomic writer of a study's results directory.

``results/<study>/`` appears complete or not at all: everything is written into a hidden
temporary sibling directory which replaces the old directory by ``os.rename`` only once the
study has finished without error.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from neurobench.report.claims import (COMPARISON_COLUMNS, STATUSES, Claim, check_declaration,
                                      claim_not_run)
from neurobench.report.provenance import provenance

log = logging.getLogger("neurobench")

FIGURE_FORMATS = ("png", "pdf")


class StudyWriter:
    """Collects a study's figures, tables and claims; publishes them atomically.

    Parameters
    ----------
    outdir : path
        Final directory, ``results/<study>``.
    params : dict
        The study's configuration section (hashed into provenance.json).
    seed : int
        The seed the study used.
    claims : dict, optional
        The study's declared claims, ``claim_id → kind`` (see :mod:`neurobench.report.claims`).
        Every declared claim must be written (PASS, FAIL, INFO or NOT_RUN) before the study is
        published; an undeclared claim, or one whose kind contradicts the declaration, is an
        error.  Claims without a kind take the declared one.
    """

    def __init__(self, outdir, params: dict, seed: int | None = None, claims: dict | None = None):
        self.outdir = Path(outdir)
        self.params = params
        self.seed = seed
        self.declared = None if claims is None else check_declaration(self.outdir.name, claims)
        self.claims: list[Claim] = []
        self.tmp: Path | None = None
        self._t0 = None

    # -- context management -------------------------------------------------------------
    def __enter__(self):
        self.outdir.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.outdir.parent / f".{self.outdir.name}.tmp-{os.getpid()}"
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        (self.tmp / "figures").mkdir(parents=True)
        (self.tmp / "tables").mkdir()
        self._t0 = time.perf_counter()
        log.info("writing %s", self.outdir)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        try:
            self._finish()
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return False

    def _finish(self):
        ids = [c.claim_id for c in self.claims]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate claim_id(s) in {self.outdir.name}: {sorted(dup)}")
        if self.declared is not None:
            missing = [i for i in self.declared if i not in ids]
            if missing:
                raise ValueError(f"{self.outdir.name}: declared claim(s) never written (write them "
                                 f"as NOT_RUN with the reason if they cannot be evaluated): {missing}")
            unkinded = [c.claim_id for c in self.claims if not c.kind]
            if unkinded:
                raise ValueError(f"{self.outdir.name}: claim(s) without a kind: {unkinded}")
        df = pd.DataFrame([c.row() for c in self.claims], columns=COMPARISON_COLUMNS)
        df.to_csv(self.tmp / "comparison.csv", index=False)
        wall = time.perf_counter() - self._t0
        with open(self.tmp / "provenance.json", "w") as fh:
            json.dump(provenance(self.params, self.seed, wall), fh, indent=2, default=str)
        old = None
        if self.outdir.exists():
            old = self.outdir.parent / f".{self.outdir.name}.old-{os.getpid()}"
            os.rename(self.outdir, old)
        os.rename(self.tmp, self.outdir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        counts = ", ".join(f"{sum(c.status == s for c in self.claims)} {s}" for s in STATUSES)
        log.info("%s: %d claims (%s) in %.1f s", self.outdir.name, len(self.claims), counts, wall)

    # -- outputs --------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The temporary directory to write extra files into (published with the rest)."""
        if self.tmp is None:
            raise RuntimeError("StudyWriter used outside its `with` block")
        return self.tmp

    def figure(self, fig, name: str, dpi: int = 150):
        """Save a matplotlib figure as figures/<name>.png and .pdf, then close it."""
        import matplotlib.pyplot as plt

        for fmt in FIGURE_FORMATS:
            fig.savefig(self.path / "figures" / f"{name}.{fmt}", dpi=dpi, bbox_inches="tight")
        plt.close(fig)

    def table(self, df: pd.DataFrame, name: str, latex: bool = False, floatfmt: str = ".4g",
              caption: str | None = None):
        """Write tables/<name>.csv and .md (and .tex when ``latex``)."""
        df.to_csv(self.path / "tables" / f"{name}.csv", index=False)
        (self.path / "tables" / f"{name}.md").write_text(
            df.to_markdown(index=False, floatfmt=floatfmt) + "\n")
        if latex:
            tex = df.to_latex(index=False, float_format=lambda x: format(x, floatfmt),
                              caption=caption, label=f"tab:{name}")
            (self.path / "tables" / f"{name}.tex").write_text(tex)

    def json(self, obj, name: str):
        """Write <name>.json (e.g. a bias file or a fitted model summary)."""
        with open(self.path / f"{name}.json", "w") as fh:
            json.dump(obj, fh, indent=2, default=str)

    def claim(self, claim: Claim):
        """Add one row to comparison.csv."""
        if not isinstance(claim, Claim):
            raise TypeError(f"expected a Claim, got {type(claim).__name__}")
        if self.declared is not None:
            if claim.claim_id not in self.declared:
                raise ValueError(f"{self.outdir.name}: claim {claim.claim_id!r} is not declared "
                                 f"(declared: {sorted(self.declared)})")
            kind = self.declared[claim.claim_id]
            if claim.kind and claim.kind != kind:
                raise ValueError(f"{self.outdir.name}: claim {claim.claim_id!r} has kind "
                                 f"{claim.kind!r}, declared {kind!r}")
            if not claim.kind:
                claim = replace(claim, kind=kind)
        self.claims.append(claim)
        log.info("claim %-28s %s  reproduced=%.6g reference=%.6g", claim.claim_id, claim.status,
                 claim.reproduced, claim.reference)
        if claim.status == "NOT_RUN":
            log.warning("claim %s: %s", claim.claim_id, claim.tolerance)

    def not_run(self, claim_id: str, claim: str, quantity: str, *, reason: str, source: str,
                reference: float = float("nan"), tolerance: str = "", unit: str = ""):
        """Write a declared claim that could not be evaluated in this run as NOT_RUN."""
        self.claim(claim_not_run(claim_id, claim, quantity, reason=reason, reference=reference,
                                 tolerance=tolerance, unit=unit, source=source))
