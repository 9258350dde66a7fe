"""Atomic writer of a study's results directory.

``results/<study>/`` appears complete or not at all: everything is written into a hidden
temporary sibling directory, ``.<study>.tmp-<pid>``, which replaces the old directory by
``os.rename`` only once the study has finished without error. Nothing is lost on the way:

- the published folder holds a record of the files the study wrote (:data:`RECORD`, with the
  study's name); files found there that the study did not write are carried into the new version,
  never deleted;
- a destination that is not empty and does not hold this study's earlier results is refused
  before the study runs (:func:`check_destination`), as is one that cannot be written;
- after a failed run the previous complete version is still there; if it was no longer complete
  (Snakemake removes a job's declared outputs before running it) the rest of it is removed too,
  so the folder is absent rather than a mix of versions (:func:`discard_incomplete`);
- leftovers of killed runs (``.<study>.tmp-<pid>``, ``.<study>.old-<pid>`` whose process on this
  host is gone) are removed at the next run, and reported (:func:`clean_leftovers`).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import json
import logging
import os
import re
import shutil
import signal
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from neurobench.errors import OutputError
from neurobench.report.claims import (COMPARISON_COLUMNS, STATUSES, Claim, check_declaration,
                                      claim_not_run)
from neurobench.report.provenance import provenance

log = logging.getLogger("neurobench")

FIGURE_FORMATS = ("png", "pdf")
RECORD = ".neurobench-files.json"
"""Hidden file in a published study folder: the study's name and every file it wrote."""
_OWNER = ".owner"  # in a temporary folder: host and pid of the run writing it
_LEFTOVER = re.compile(r"^\.(?P<study>.+)\.(?P<what>tmp|old)-(?P<pid>\d+)$")
_CURRENT_STUDY: contextvars.ContextVar[str | None] = contextvars.ContextVar("study", default=None)


@contextlib.contextmanager
def study_context(name: str):
    """Name the study being run (the CLI and the workflow script set it), so that a writer
    whose folder is not called after the study (``--outdir``) still records whose results
    these are."""
    token = _CURRENT_STUDY.set(name)
    try:
        yield
    finally:
        _CURRENT_STUDY.reset(token)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def publishing(outdir, study: str):
    """Run a study that publishes into ``outdir``: names the study for its writer, turns SIGTERM
    (Snakemake's and SLURM's way to stop a job) into an exit that cleans up like a failure, and
    after a failure removes what is left of an incomplete earlier version
    (:func:`discard_incomplete`)."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if main else None
    try:
        with study_context(study):
            try:
                yield
            except BaseException:
                discard_incomplete(outdir, study)
                raise
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def clean_leftovers(parent: Path) -> list[str]:
    """Remove ``.<study>.tmp-<pid>`` / ``.<study>.old-<pid>`` folders under ``parent`` whose
    process on this host is gone; report the rest (a run still going, another host's run).
    Returns one line per leftover found (also logged)."""
    parent = Path(parent)
    lines = []
    if not parent.is_dir():
        return lines
    host = socket.gethostname()
    for d in sorted(parent.iterdir()):
        m = _LEFTOVER.match(d.name)
        if not m or not d.is_dir():
            continue
        pid = int(m["pid"])
        try:
            owner_host = (d / _OWNER).read_text().split()[0]
        except (OSError, IndexError):
            owner_host = host  # written before the owner file existed, or emptied: this host
        if owner_host == host and pid == os.getpid():
            continue  # ours
        if owner_host == host and not _pid_alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            line = f"removed {d}: left by a killed run (process {pid} is gone)"
            lines.append(line)
            log.warning(line)
        else:
            why = f"process {pid} still runs" if owner_host == host else f"written on {owner_host}"
            line = f"left {d} in place ({why}); remove it by hand once that run is over"
            lines.append(line)
            log.warning(line)
    return lines


def _record_of(folder: Path) -> dict | None:
    try:
        rec = json.loads((folder / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("files"), list):
        return None
    return rec


def _files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() or p.is_symlink())


def _owned_files(folder: Path, study: str) -> tuple[set[str], set[str]] | None:
    """(files this study wrote, other files) of an existing folder, or None when the folder
    does not hold this study's results (decided before listing it: it may be any folder)."""
    rec = _record_of(folder)
    if rec is not None:
        if rec.get("study") != study:
            return None
        present = set(_files_under(folder))
        own = {f for f in rec["files"] if f in present} | ({RECORD} & present)
        return own, present - own
    # written before the record existed (or what Snakemake left of it after removing a job's
    # declared outputs): a study folder named after the study is taken as the study's
    if folder.name == study:
        return set(_files_under(folder)), set()
    return None


def _holds_no_file(folder: Path) -> bool:
    """Empty, or only empty subfolders (Snakemake makes the outputs' folders before a job)."""
    return all(p.is_dir() and not p.is_symlink() and not any(p.iterdir()) for p in folder.iterdir())


def check_destination(outdir, study: str | None = None) -> None:
    """Refuse (OutputError) a destination that exists and is not a folder, is a non-empty folder
    that does not hold ``study``'s earlier results, or whose parent cannot be written."""
    outdir = Path(outdir)
    study = study or _CURRENT_STUDY.get() or outdir.name
    if outdir.exists() or outdir.is_symlink():
        if not outdir.is_dir():
            raise OutputError(f"{outdir}: exists and is not a folder; choose another output folder")
        if not _holds_no_file(outdir) and _owned_files(outdir, study) is None:
            found = sorted(p.name + "/" * p.is_dir() for p in outdir.iterdir())[:4]
            raise OutputError(f"{outdir}: not empty and does not hold the results of {study} "
                              f"(it has {', '.join(found)}{', ...' if len(found) == 4 else ''}); "
                              "nothing was written — choose an empty or new folder")
    parent = outdir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: cannot write there (permission denied); nothing was written")


def discard_incomplete(outdir, study: str | None = None) -> None:
    """After a failed run: if ``outdir`` holds an incomplete version of the study's results
    (files of its record missing, or without a record its comparison.csv or provenance.json),
    remove the rest of that version and the empty folders, so that the folder is absent rather
    than a mix. Files the study did not write stay (and are named in the log)."""
    outdir = Path(outdir)
    study = study or _CURRENT_STUDY.get() or outdir.name
    if not outdir.is_dir():
        return
    owned = _owned_files(outdir, study)
    if owned is None:
        return  # not the study's folder: nothing of it is ours to remove
    own, other = owned
    rec = _record_of(outdir)
    expected = rec["files"] if rec is not None else ["comparison.csv", "provenance.json"]
    if all((outdir / f).exists() for f in expected):
        return  # the previous version is complete: keep it
    for f in sorted(own - {RECORD}):
        (outdir / f).unlink(missing_ok=True)
    for d in sorted((p for p in outdir.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    (outdir / RECORD).unlink(missing_ok=True)
    if not any(outdir.iterdir()):
        outdir.rmdir()
        if own:
            log.warning("%s: removed the rest of its incomplete earlier version (its declared "
                        "outputs had been removed before this failed run)", outdir)
    else:  # the folder stays the study's: its next run keeps these files
        (outdir / RECORD).write_text(json.dumps({"study": study, "files": []}, indent=1))
        log.warning("%s: removed the rest of its incomplete earlier version; kept files %s did "
                    "not write: %s", outdir, study, ", ".join(sorted(other)))


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _output_error(exc: OSError, where: Path) -> OutputError:
    return OutputError(f"{exc.filename or where}: cannot write ({exc.strerror or exc}); the "
                       "previous results are unchanged")


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
        self.study = _CURRENT_STUDY.get() or self.outdir.name
        self.params = params
        self.seed = seed
        self.declared = None if claims is None else check_declaration(self.outdir.name, claims)
        self.claims: list[Claim] = []
        self.tmp: Path | None = None
        self._t0 = None

    # -- context management -------------------------------------------------------------
    def __enter__(self):
        check_destination(self.outdir, self.study)
        self.tmp = self.outdir.parent / f".{self.outdir.name}.tmp-{os.getpid()}"
        try:
            self.outdir.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(self.outdir.parent)
            if self.tmp.exists():
                shutil.rmtree(self.tmp)
            (self.tmp / "figures").mkdir(parents=True)
            (self.tmp / "tables").mkdir()
            (self.tmp / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n")
        except OSError as exc:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise _output_error(exc, self.outdir.parent) from exc
        self._t0 = time.perf_counter()
        log.info("writing %s", self.outdir)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            discard_incomplete(self.outdir, self.study)
            if isinstance(exc, OSError) and exc.errno in _FULL:
                raise _output_error(exc, self.tmp) from exc
            return False
        try:
            self._finish()
        except OSError as err:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if err.errno in _FULL:
                raise _output_error(err, self.tmp) from err
            raise
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return False

    def _finish(self):
        ids = [c.claim_id for c in self.claims]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate claim_id(s) in {self.outdir.name}: {sorted(dup)}")
        unkinded = [c.claim_id for c in self.claims if not c.kind]
        if unkinded:
            raise ValueError(f"{self.outdir.name}: claim(s) without a kind (declare them, see "
                             f"neurobench.report.claims): {unkinded}")
        if self.declared is not None:
            missing = [i for i in self.declared if i not in ids]
            if missing:
                raise ValueError(f"{self.outdir.name}: declared claim(s) never written (write them "
                                 f"as NOT_RUN with the reason if they cannot be evaluated): {missing}")
        df = pd.DataFrame([c.row() for c in self.claims], columns=COMPARISON_COLUMNS)
        df.to_csv(self.tmp / "comparison.csv", index=False)
        wall = time.perf_counter() - self._t0
        with open(self.tmp / "provenance.json", "w") as fh:
            json.dump(provenance(self.params, self.seed, wall), fh, indent=2, default=str)
        self._publish()
        counts = ", ".join(f"{sum(c.status == s for c in self.claims)} {s}" for s in STATUSES)
        log.info("%s: %d claims (%s) in %.1f s", self.outdir.name, len(self.claims), counts, wall)

    def _publish(self):
        """Replace the old folder by the new version; files the study did not write move over."""
        (self.tmp / _OWNER).unlink()
        own = [f for f in _files_under(self.tmp) if f != RECORD]
        foreign: set[str] = set()
        if self.outdir.exists():
            owned = _owned_files(self.outdir, self.study)
            if owned is None:  # appeared while the study ran
                raise OutputError(f"{self.outdir}: files appeared there that {self.study} did not "
                                  "write; the new results were not published")
            foreign = owned[1] - set(own)
        for f in sorted(foreign):
            (self.tmp / f).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.outdir / f, self.tmp / f)
            except OSError:  # no hard links on this file system
                shutil.copy2(self.outdir / f, self.tmp / f)
        (self.tmp / RECORD).write_text(json.dumps({"study": self.study, "files": own}, indent=1))
        old = None
        if self.outdir.exists():
            old = self.outdir.parent / f".{self.outdir.name}.old-{os.getpid()}"
            os.rename(self.outdir, old)
        try:
            os.rename(self.tmp, self.outdir)
        except OSError:
            if old is not None:
                os.rename(old, self.outdir)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        if foreign:
            log.warning("%s: kept %d file(s) %s did not write: %s", self.outdir, len(foreign),
                        self.study, ", ".join(sorted(foreign)[:5]))

    # -- outputs --------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The temporary directory to write extra files into (published with the rest)."""
        if self.tmp is None:
            raise RuntimeError("StudyWriter used outside its `with` block")
        return self.tmp

    def figure(self, fig, name: str, dpi: int = 150):
        """Save a matplotlib figure as figures/<name>.png and .pdf, cropped to its drawn content
        (the box that ``bbox_inches="tight"`` finds, measured once at the PNG's resolution rather
        than by a trial rendering per format), then close it."""
        import matplotlib.pyplot as plt

        shown_dpi, fig.dpi = fig.dpi, dpi
        try:
            box = fig.get_tightbbox(fig.canvas.get_renderer())
        finally:
            fig.dpi = shown_dpi
        box = box.padded(plt.rcParams["savefig.pad_inches"])
        for fmt in FIGURE_FORMATS:
            fig.savefig(self.path / "figures" / f"{name}.{fmt}", dpi=dpi, bbox_inches=box)
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
