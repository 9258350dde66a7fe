"""The scorecard: every study's comparison.csv gathered into one table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neurobench.report.claims import COMPARISON_COLUMNS, INDEPENDENT_KINDS, KINDS, STATUSES


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


def kind_status_table(card: pd.DataFrame) -> pd.DataFrame:
    """Claims counted per reference kind (rows) × status (columns), with totals."""
    unknown_kind = sorted(set(card["kind"].fillna("(none)")) - set(KINDS))
    unknown_status = sorted(set(card["status"].fillna("")) - set(STATUSES))
    if unknown_kind or unknown_status:
        raise ValueError(f"scorecard: unknown kind(s) {unknown_kind} or status(es) {unknown_status}")
    t = (pd.crosstab(pd.Categorical(card["kind"], categories=KINDS),
                     pd.Categorical(card["status"], categories=STATUSES), dropna=False)
         .reindex(index=list(KINDS), columns=list(STATUSES), fill_value=0))
    t["total"] = t.sum(axis=1)
    t.loc["total"] = t.sum(axis=0)
    t.index.name = "kind"
    t.columns.name = None
    return t.astype(int)


def headline(card: pd.DataFrame) -> str:
    """One line: what was reproduced against independent references, then the rest."""
    ind = card[card["kind"].isin(INDEPENDENT_KINDS)]
    rest = card[~card["kind"].isin(INDEPENDENT_KINDS)]

    def counts(df):
        return ", ".join(f"{int((df['status'] == s).sum())} {s}" for s in STATUSES)

    n_pass = int((ind["status"] == "PASS").sum())
    n_checked = int(ind["status"].isin(["PASS", "FAIL"]).sum())
    return (f"**Reproduced: {n_pass} of {n_checked}** claims checked against references "
            f"independent of the code under test (literature, closed form, independent "
            f"simulator; {counts(ind)}). Verification and design targets: {counts(rest)}. "
            f"{len(card)} claims in {card['study'].nunique()} studies.")


def kind_status_markdown(card: pd.DataFrame) -> str:
    return kind_status_table(card).reset_index().to_markdown(index=False)


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
    lines = ["# Scorecard", "", headline(card), "", kind_status_markdown(card), ""]
    for study, rows in card.groupby("study", sort=False):
        lines += [f"## {study}", "",
                  "| claim | reference | reproduced | tolerance | unit | status | kind | source |",
                  "|---|---|---|---|---|---|---|---|"]
        for _, r in rows.iterrows():
            status = f"**{r['status']}**" if r["status"] in ("FAIL", "NOT_RUN") else r["status"]
            lines.append(f"| {_cell(r['claim'])} ({_cell(r['quantity'])}) | {_fmt(r['reference'])} | "
                         f"{_fmt(r['reproduced'])} | {_cell(r['tolerance'])} | {_cell(r['unit'])} | "
                         f"{status} | {_cell(r['kind'])} | {_cell(r['source'])} |")
        lines.append("")
    tmp_md = out_md.with_suffix(".md.tmp")
    tmp_md.write_text("\n".join(lines))
    tmp_csv.replace(out_csv)
    tmp_md.replace(out_md)
    return card
