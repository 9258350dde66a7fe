"""Reproducibility records of a results tree: the manifest and the comparison of two trees.

``results/MANIFEST.tsv`` lists every file a study published (``results/<study>/**``) and the
scorecard, each with its size and SHA-256, the study's config hash (from its provenance.json)
and, in a first ``<config>`` row, the hash of the whole configuration the run used.

:func:`compare_trees` reads every CSV table and JSON result of two results trees and returns
one row per number (or string) that differs beyond a tolerance: the tool to catch drift between
versions of the suite or between machines. Wall-clock timings differ from run to run by nature;
columns and JSON keys whose name says they are timings (see :data:`TIMING_NAMES`) are left out
by default.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import pandas as pd

from neurobench.errors import DatasetError
from neurobench.report.provenance import config_hash

MANIFEST_COLUMNS = ["path", "kind", "study", "bytes", "sha256", "config_hash"]

#: Column / key names that hold wall-clock measurements (not reproducible bit for bit).
TIMING_NAMES = r"(^|_)(wall|walltime|elapsed|runtime|cpu_time|speedup|throughput|per_s|time_s|max_rss)(_|$)|^s$|^h:m:s$"

#: Files that are records of the run itself, not results.
_NOT_RESULTS = {"provenance.json", "MANIFEST.tsv"}
#: Top-level folders of a results tree that hold no study: logs, the report's copies and the
#: intermediate files of studies that fan out (``_work/``: tuning jobs, per-chip jobs, Brian2's
#: compiled projects). (``timings/`` holds Snakemake's per-rule benchmark files; they are listed,
#: as rule_timing.)
_SKIP_DIRS = {"logs", "report", "_work"}


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _kind(rel: Path) -> str:
    """What a file is, from its path relative to the results directory."""
    if rel.name == "comparison.csv":
        return "claims"
    if rel.name == "provenance.json":
        return "provenance"
    if rel.name.startswith("scorecard."):
        return "scorecard"
    if len(rel.parts) > 2 and rel.parts[1] in ("figures", "tables"):
        return rel.parts[1][:-1]  # figure / table
    if rel.parts[0] == "timings":
        return "rule_timing"      # Snakemake's benchmark: file of a rule
    return "data"


def study_dirs(results: Path) -> list[Path]:
    """The study directories of a results tree (those holding a comparison.csv)."""
    results = Path(results)
    return sorted(d for d in results.iterdir()
                  if d.is_dir() and not d.name.startswith(".") and d.name not in _SKIP_DIRS
                  and (d / "comparison.csv").exists())


def manifest_rows(results, config: dict | None = None) -> list[dict]:
    """Rows of the manifest of ``results`` (paths relative to its parent, e.g. results/x)."""
    results = Path(results)
    if not results.is_dir():
        raise ValueError(f"results directory not found: {results}")
    rows = []
    if config is not None:
        rows.append({"path": "<config>", "kind": "config", "study": "", "bytes": "",
                     "sha256": "", "config_hash": config_hash(config)})
    files = [f for d in study_dirs(results) for f in sorted(d.rglob("*")) if f.is_file()]
    files += sorted(results.glob("scorecard.*"))
    files += sorted((results / "timings").glob("*.tsv"))
    for f in files:
        rel = f.relative_to(results)
        study = rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] != "timings" else ""
        rows.append({"path": f.relative_to(results.parent).as_posix(), "kind": _kind(rel),
                     "study": study, "bytes": f.stat().st_size, "sha256": sha256_of(f),
                     "config_hash": _study_config_hash(results / study) if study else ""})
    return rows


def _study_config_hash(study_dir: Path) -> str:
    try:
        return json.loads((study_dir / "provenance.json").read_text()).get("config_hash", "")
    except (OSError, ValueError):
        return ""


def write_manifest(results, out, config: dict | None = None) -> pd.DataFrame:
    """Write ``MANIFEST.tsv`` (tab-separated, one header line) atomically; return it."""
    df = pd.DataFrame(manifest_rows(results, config), columns=MANIFEST_COLUMNS)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    df.to_csv(tmp, sep="\t", index=False)
    tmp.replace(out)
    return df


# -- comparing two results trees ----------------------------------------------------------------
DIFF_COLUMNS = ["file", "row", "column", "a", "b", "abs_diff", "rel_diff", "what"]


def _result_files(root: Path) -> set[str]:
    out = set()
    for f in root.rglob("*"):
        rel = f.relative_to(root)
        if (f.is_file() and f.suffix in (".csv", ".json") and f.name not in _NOT_RESULTS
                and not any(p.startswith(".") for p in rel.parts)
                and not (rel.parts[0] in _SKIP_DIRS)):
            out.add(rel.as_posix())
    return out


def _number(x):
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (int, float)):
        return float(x)
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _cell_diff(a, b, rtol: float, atol: float):
    """None when a and b agree; else (abs_diff, rel_diff) (NaN for strings)."""
    fa, fb = _number(a), _number(b)
    if fa is not None and fb is not None:
        if math.isnan(fa) and math.isnan(fb):
            return None
        if fa == fb or abs(fa - fb) <= atol + rtol * max(abs(fa), abs(fb)):
            return None
        d = abs(fa - fb)
        scale = max(abs(fa), abs(fb))
        return d, (d / scale if scale > 0 else math.inf)
    na = a is None or (isinstance(a, float) and math.isnan(a))
    nb = b is None or (isinstance(b, float) and math.isnan(b))
    if (na and nb) or (not na and not nb and str(a) == str(b)):
        return None
    return math.nan, math.nan


def _row_keys(df: pd.DataFrame) -> list[str]:
    if "claim_id" in df.columns:
        keys = [str(k) for k in df["claim_id"]]
        if "study" in df.columns:
            keys = [f"{s}/{k}" for s, k in zip(df["study"], keys)]
        if len(set(keys)) == len(keys):
            return keys
    return [str(i) for i in range(len(df))]


def _compare_csv(rel, fa: Path, fb: Path, rtol, atol, ignore) -> list[dict]:
    a, b = pd.read_csv(fa), pd.read_csv(fb)
    rows = []
    cols_a, cols_b = list(a.columns), list(b.columns)
    for c in cols_a:
        if c not in cols_b and not ignore.search(str(c)):
            rows.append(dict(file=rel, row="", column=c, a="present", b="absent", what="column"))
    for c in cols_b:
        if c not in cols_a and not ignore.search(str(c)):
            rows.append(dict(file=rel, row="", column=c, a="absent", b="present", what="column"))
    ka, kb = _row_keys(a), _row_keys(b)
    ia, ib = dict(zip(ka, range(len(a)))), dict(zip(kb, range(len(b))))
    for k in ka:
        if k not in ib:
            rows.append(dict(file=rel, row=k, column="", a="present", b="absent", what="row"))
    for k in kb:
        if k not in ia:
            rows.append(dict(file=rel, row=k, column="", a="absent", b="present", what="row"))
    shared_cols = [c for c in cols_a if c in cols_b and not ignore.search(str(c))]
    for k in ka:
        if k not in ib:
            continue
        ra, rb = a.iloc[ia[k]], b.iloc[ib[k]]
        for c in shared_cols:
            d = _cell_diff(ra[c], rb[c], rtol, atol)
            if d is not None:
                rows.append(dict(file=rel, row=k, column=c, a=ra[c], b=rb[c], abs_diff=d[0],
                                 rel_diff=d[1], what="value"))
    return rows


def _flatten(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def _compare_json(rel, fa: Path, fb: Path, rtol, atol, ignore) -> list[dict]:
    a = dict(_flatten(json.loads(fa.read_text())))
    b = dict(_flatten(json.loads(fb.read_text())))
    rows = []
    for k in sorted(set(a) | set(b)):
        if any(ignore.search(part) for part in re.split(r"[.\[\]]", k) if part):
            continue
        if k not in a or k not in b:
            rows.append(dict(file=rel, row=k, column="", a="present" if k in a else "absent",
                             b="present" if k in b else "absent", what="key"))
            continue
        d = _cell_diff(a[k], b[k], rtol, atol)
        if d is not None:
            rows.append(dict(file=rel, row=k, column="", a=a[k], b=b[k], abs_diff=d[0],
                             rel_diff=d[1], what="value"))
    return rows


def _readable(fn, rel, a: Path, b: Path, *args) -> list[dict]:
    """``fn`` on the two copies of ``rel``; a file that cannot be parsed is a DatasetError
    naming it (whichever tree it is in)."""
    for root in (a, b):
        f = root / rel
        try:
            if rel.endswith(".csv"):
                pd.read_csv(f)
            else:
                json.loads(f.read_text(encoding="utf-8"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
                json.JSONDecodeError) as exc:
            raise DatasetError(f, None, f"not a readable {'CSV table' if rel.endswith('.csv') else 'JSON file'} "
                               f"({str(exc).splitlines()[0]})") from None
        except OSError as exc:
            raise DatasetError(f, None, f"cannot read ({exc.strerror})") from None
    return fn(rel, a / rel, b / rel, *args)


def compare_trees(a, b, rtol: float = 1e-9, atol: float = 0.0,
                  ignore_columns: str | None = TIMING_NAMES) -> pd.DataFrame:
    """Every number or string that differs between results trees ``a`` and ``b``.

    Two numbers agree when |a − b| ≤ atol + rtol·max(|a|, |b|) (NaN equals NaN). Files present
    in only one tree are reported too (``what`` = file). Columns/keys matching the regular
    expression ``ignore_columns`` (default: wall-clock timings) are skipped.
    """
    a, b = Path(a), Path(b)
    for name, p in (("RESULTS_A", a), ("RESULTS_B", b)):
        if not p.is_dir():
            raise ValueError(f"{name}: results directory not found: {p}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"tolerances must be ≥ 0 (rtol={rtol}, atol={atol})")
    try:
        ignore = re.compile(ignore_columns or r"(?!x)x")
    except re.error as exc:
        raise ValueError(f"ignore_columns: invalid regular expression {ignore_columns!r}: {exc}") from exc
    files_a, files_b = _result_files(a), _result_files(b)
    rows = []
    for rel in sorted(files_a ^ files_b):
        rows.append(dict(file=rel, row="", column="", a="present" if rel in files_a else "absent",
                         b="present" if rel in files_b else "absent", what="file"))
    for rel in sorted(files_a & files_b):
        fn = _compare_csv if rel.endswith(".csv") else _compare_json
        rows += _readable(fn, rel, a, b, rtol, atol, ignore)
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)
