"""The scorecard: every study's comparison.csv gathered into one table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neurobench.report.claims import COMPARISON_COLUMNS


def _fmt(x) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if x != x:  # NaN
        return "–"
    return f"{x:.4g}"


def _cell(x) -> str:
    s = "" if x is None or (isinstance(x, float) and x != x) else str(x)
    return s.replace("|", "\\|").replace("\n", " ")


def build_scorecard(comparison_files, out_csv, out_md) -> pd.DataFrame:
    """Concatenate ``results/<study>/comparison.csv`` files into the scorecard (CSV + Markdown).

    The study name is the name of the directory holding each comparison.csv.
    """
    frames = []
    for f in comparison_files:
        f = Path(f)
        df = pd.read_csv(f)
        missing = [c for c in COMPARISON_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"{f}: comparison.csv lacks column(s) {missing}")
        df.insert(0, "study", f.parent.name)
        frames.append(df)
    card = (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=["study", *COMPARISON_COLUMNS]))
    out_csv, out_md = Path(out_csv), Path(out_md)
    tmp_csv = out_csv.with_suffix(".csv.tmp")
    card.to_csv(tmp_csv, index=False)
    n = {s: int((card["status"] == s).sum()) for s in ("PASS", "FAIL", "INFO")}
    lines = ["# Scorecard", "",
             f"**{n['PASS']} PASS, {n['FAIL']} FAIL, {n['INFO']} INFO** "
             f"over {len(card)} claims in {card['study'].nunique()} studies.", ""]
    for study, rows in card.groupby("study", sort=False):
        lines += [f"## {study}", "",
                  "| claim | reference | reproduced | tolerance | unit | status | source |",
                  "|---|---|---|---|---|---|---|"]
        for _, r in rows.iterrows():
            status = f"**{r['status']}**" if r["status"] == "FAIL" else r["status"]
            lines.append(f"| {_cell(r['claim'])} ({_cell(r['quantity'])}) | {_fmt(r['reference'])} | "
                         f"{_fmt(r['reproduced'])} | {_cell(r['tolerance'])} | {_cell(r['unit'])} | "
                         f"{status} | {_cell(r['source'])} |")
        lines.append("")
    tmp_md = out_md.with_suffix(".md.tmp")
    tmp_md.write_text("\n".join(lines))
    tmp_csv.replace(out_csv)
    tmp_md.replace(out_md)
    return card
