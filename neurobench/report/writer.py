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
from pathlib import Path

import pandas as pd

from neurobench.report.claims import COMPARISON_COLUMNS, Claim
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
    """

    def __init__(self, outdir, params: dict, seed: int | None = None):
        self.outdir = Path(outdir)
        self.params = params
        self.seed = seed
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
        n_pass = sum(c.status == "PASS" for c in self.claims)
        n_fail = sum(c.status == "FAIL" for c in self.claims)
        log.info("%s: %d claims (%d PASS, %d FAIL) in %.1f s", self.outdir.name,
                 len(self.claims), n_pass, n_fail, wall)

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
        self.claims.append(claim)
        log.info("claim %-28s %s  reproduced=%.6g reference=%.6g", claim.claim_id, claim.status,
                 claim.reproduced, claim.reference)
