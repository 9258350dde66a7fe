"""Captions and the front page of the HTML report (``snakemake --report``).

Every figure and table of a study gets a caption: the reStructuredText file
``workflow/report/<study>/figures/<name>.rst`` (or ``tables/<name>.rst``) when there is one, otherwise a generic caption made of
the file's name and the first paragraph of the study module's docstring (read from the source,
without importing the study). The front page shows the scorecard: every claim with its
reference, reproduced value and status.
"""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pandas as pd

from neurobench.config import REPO
from neurobench.report.scorecard import headline, kind_status_table

CAPTION_DIR = REPO / "workflow" / "report"
STUDY_DIR = REPO / "neurobench" / "studies"
SCORECARD_MARK = "{# scorecard #}"


def study_summary(study: str, studies_dir: Path = STUDY_DIR) -> str:
    """First paragraph of the study module's docstring ('' when there is none)."""
    src = Path(studies_dir) / f"{study}.py"
    if not src.exists():
        return ""
    doc = ast.get_docstring(ast.parse(src.read_text())) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def captions_of(study: str, kind: str, caption_dir: Path = CAPTION_DIR) -> dict[str, str]:
    """``{name: rst}`` for every ``<caption_dir>/<study>/<kind>/<name>.rst`` (kind: figures
    or tables)."""
    if kind not in ("figures", "tables"):
        raise ValueError(f"caption kind must be 'figures' or 'tables', got {kind!r}")
    d = Path(caption_dir) / study / kind
    return {f.stem: f.read_text().strip() for f in sorted(d.glob("*.rst"))}


def table_columns(study: str, results="results") -> dict[str, str]:
    """``{name: "col_a, col_b, ..."}`` for each ``<results>/<study>/tables/<name>.csv`` that
    exists (column names carry the units), for the captions of tables without an rst file."""
    out = {}
    for f in sorted((Path(results) / study / "tables").glob("*.csv")):
        try:
            cols = pd.read_csv(f, nrows=0).columns
        except (OSError, ValueError, pd.errors.EmptyDataError):
            continue
        out[f.stem] = ", ".join(f"``{c}``" for c in cols)
    return out


def rst_escape(text: str) -> str:
    """Text to be read literally inside reStructuredText."""
    out = str(text).replace("\\", "\\\\")
    for ch in "*`|_[]":
        out = out.replace(ch, "\\" + ch)
    return out


def fallback_caption(study: str, kind: str) -> str:
    """The caption of a figure/table that has no rst file; '@NAME@' stands for its name."""
    summary = study_summary(study)
    text = f"{kind.capitalize()} ``@NAME@`` of study ``{study}``."
    if summary:
        text += f" The study: {rst_escape(summary)}"
    return text


def _fmt(x) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "" if x is None else str(x)
    if v != v:
        return "–"
    return f"{v:.4g}"


def scorecard_html(card: pd.DataFrame) -> str:
    """The scorecard as an HTML table (embedded in the front page with ``.. raw:: html``)."""
    colours = {"PASS": "#1a7f37", "FAIL": "#cf222e", "INFO": "#57606a", "NOT_RUN": "#9a6700"}
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in
                   ("study", "claim", "reference", "reproduced", "tolerance", "unit", "status",
                    "kind", "source"))
    rows = []
    for _, r in card.iterrows():
        status = str(r["status"])
        cells = [r["study"], f"{r['claim']} ({r['quantity']})", _fmt(r["reference"]),
                 _fmt(r["reproduced"]), r["tolerance"], r["unit"], status, r["kind"],
                 r["source"]]
        tds = []
        for i, c in enumerate(cells):
            c = "" if c is None or (isinstance(c, float) and c != c) else str(c)
            style = "padding:2px 8px;vertical-align:top"
            if i == 6:
                style += f";font-weight:bold;color:{colours.get(status, '#000')}"
            tds.append(f"<td style='{style}'>{html.escape(c)}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    # one row per line: docutils refuses lines longer than 10 000 characters
    # the report's text column is narrow; the scorecard needs the page's width
    return "\n".join(["<style>div.prose { max-width: none !important; }</style>",
                      "<table class='neurobench-scorecard' style='border-collapse:collapse;"
                      "font-size:90%'>", f"<thead><tr>{head}</tr></thead><tbody>", *rows,
                      "</tbody></table>"])


def kind_status_rst(card: pd.DataFrame) -> str:
    """The kind × status counts as a reStructuredText simple table."""
    t = kind_status_table(card).reset_index()
    cells = [list(map(str, t.columns))] + [list(map(str, r)) for r in t.itertuples(index=False)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    rule = "  ".join("=" * w for w in widths)
    fmt = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths))  # noqa: E731
    return "\n".join([rule, fmt(cells[0]), rule, *map(fmt, cells[1:]), rule])


def front_page(scorecard_csv, template) -> str:
    """The report's front page: ``template`` with the scorecard in place of its marker."""
    card = pd.read_csv(scorecard_csv)
    studies = list(dict.fromkeys(card["study"]))
    summary = "\n".join([headline(card), "", kind_status_rst(card), "",
                         f"Studies: {', '.join(studies)}."])
    # {% raw %}: Snakemake renders the page with Jinja; claim texts must stay literal.
    table = "\n".join("   " + line for line in scorecard_html(card).splitlines())
    block = "\n".join([summary, "", "{% raw %}", ".. raw:: html", "", table, "{% endraw %}", ""])
    text = Path(template).read_text()
    if SCORECARD_MARK not in text:
        raise ValueError(f"{template}: no '{SCORECARD_MARK}' marker for the scorecard")
    return text.replace(SCORECARD_MARK, block)
