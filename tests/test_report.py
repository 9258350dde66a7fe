"""The HTML report in a browser, the manifest, and determinism (CLI run vs the workflow run),
on the quick workflow run shared by every workflow test (``quick_results``)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurobench.config import load_config
from neurobench.report.manifest import sha256_of
from neurobench.report.provenance import config_hash

BIN = Path(sys.executable).parent


def _run(exe: str, repo: Path, *args, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / exe), *args], cwd=repo, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(repo)), timeout=timeout)
    return proc


@pytest.fixture(scope="module")
def report_html(quick_results) -> Path:
    """`make report` on the quick run: report_assets, then snakemake --report."""
    repo = quick_results.parent
    for args in (["--cores", "2", "report_assets"],
                 ["--report", "results/report.html", "report_assets"]):
        proc = _run("snakemake", repo, *args, "--configfile", "config/quick.yaml")
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-6000:]
        # docutils reports bad caption markup as "(ERROR/3)" and renders it as an error box
        assert "(ERROR/" not in out and "(SEVERE/" not in out, out[-6000:]
    return quick_results / "report.html"


def _studies(results: Path) -> list[str]:
    return sorted(p.parent.name for p in results.glob("*/comparison.csv"))


def test_manifest_lists_every_output_with_its_checksum(report_html, quick_results):
    man = pd.read_csv(quick_results / "MANIFEST.tsv", sep="\t", dtype=str, keep_default_na=False)
    repo = quick_results.parent
    files = {p.relative_to(repo).as_posix() for s in _studies(quick_results)
             for p in (quick_results / s).rglob("*") if p.is_file()}
    assert files <= set(man["path"]), sorted(files - set(man["path"]))[:5]
    for _, row in man[man["kind"] != "config"].iterrows():
        assert sha256_of(repo / row["path"]) == row["sha256"], row["path"]
    cfg = load_config(repo / "config" / "config.yaml", repo / "config" / "quick.yaml")
    assert man.loc[man["path"] == "<config>", "config_hash"].item() == config_hash(cfg)


def test_cli_run_reproduces_the_workflow_tables(quick_results, tmp_path):
    """Determinism: lif_fi run again (by the CLI, outside Snakemake) with the same quick config
    gives the same tables and claims as the workflow run, number for number."""
    repo = quick_results.parent
    assert (BIN / "neurobench").exists(), "console script missing: `make env` installs it"
    run = _run("neurobench", repo, "run", "lif_fi", "--config", "config/quick.yaml",
               "--outdir", str(tmp_path / "lif_fi"))
    assert run.returncode == 0, run.stderr[-4000:]
    assert "lif_fi:" in run.stdout and "PASS" in run.stdout
    cmp = _run("neurobench", repo, "compare", str(quick_results / "lif_fi"),
               str(tmp_path / "lif_fi"), "--rtol", "0", "--csv", str(tmp_path / "diff.csv"))
    assert cmp.returncode == 0, cmp.stdout[-4000:] + cmp.stderr[-2000:]
    # and compare does see a change: perturb one number of one table
    rates = pd.read_csv(tmp_path / "lif_fi" / "tables" / "rates.csv")
    rates.loc[50, "rate_core_hz"] += 1e-6
    rates.to_csv(tmp_path / "lif_fi" / "tables" / "rates.csv", index=False)
    cmp = _run("neurobench", repo, "compare", str(quick_results / "lif_fi"),
               str(tmp_path / "lif_fi"), "--rtol", "0")
    assert cmp.returncode == 1 and "rate_core_hz" in cmp.stdout


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (`make env` installs it when run as root)")
    return exe


def test_report_opens_in_chromium(report_html, quick_results, tmp_path):
    from PIL import Image
    from playwright.sync_api import sync_playwright

    studies = _studies(quick_results)
    card = pd.read_csv(quick_results / "scorecard.csv")
    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.goto(report_html.as_uri())
            page.wait_for_load_state("networkidle")

            # front page: the scorecard
            body = page.inner_text("body")
            assert "Scorecard" in body and "Reproduced:" in body
            assert page.locator("table.neurobench-scorecard tbody tr").count() == len(card)
            # every study is listed in the menu
            menu = page.locator("nav")
            for study in studies:
                assert menu.get_by_text(study, exact=True).is_visible(), study

            # a figure renders: lif_fi → figures → fi_curve.png
            menu.get_by_text("lif_fi", exact=True).click()
            menu.get_by_text("figures", exact=True).click()
            menu.locator("tr", has_text="fi_curve.png").locator("a[iconname='eye']").click()
            img = page.locator("img[src^='data:image/png']").first
            img.wait_for(state="visible", timeout=10_000)
            shot = img.screenshot(path=str(tmp_path / "fi_curve.png"))
        finally:
            browser.close()
    assert not problems, problems
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("L"), dtype=float)
    assert min(pixels.shape) > 200, pixels.shape
    # not blank: lines and text on white
    assert pixels.std() > 10 and (pixels < 128).mean() > 0.005, (pixels.std(), (pixels < 128).mean())


def test_figures_are_cropped_as_savefig_tight_crops_them(tmp_path):
    """The writer measures the tight box once for both formats: the PNG is the one
    ``savefig(bbox_inches="tight")`` writes, byte for byte, and the PDF page has its size."""
    import re

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neurobench.report import StudyWriter

    def drawn():
        fig, axes = plt.subplots(1, 2, figsize=(7, 3))
        for k, ax in enumerate(axes):
            ax.plot(np.sin(np.linspace(0, 9, 300) + k), label=f"phase {k}")
            ax.set(xlabel="time (ms)", ylabel="current (pA)", title=f"panel {k}")
            ax.legend()
        return fig

    with StudyWriter(tmp_path / "toy", {}, seed=0) as out:
        out.figure(drawn(), "toy")
    for fmt in ("png", "pdf"):
        fig = drawn()
        fig.savefig(tmp_path / f"tight.{fmt}", dpi=150, bbox_inches="tight")
        plt.close(fig)
    written = tmp_path / "toy" / "figures"
    assert (written / "toy.png").read_bytes() == (tmp_path / "tight.png").read_bytes()
    boxes = [np.array(re.search(rb"/MediaBox \[([^\]]*)\]", f.read_bytes()).group(1).split(), float)
             for f in (written / "toy.pdf", tmp_path / "tight.pdf")]
    np.testing.assert_allclose(boxes[0], boxes[1], atol=1.0)      # points; text metrics differ slightly
