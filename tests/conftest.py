"""Shared fixtures. ``quick_results`` runs the whole workflow once (config/quick.yaml) in a
temporary copy of the repository; every workflow test of every study reads from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "results", ".snakemake", "resources",
                                     "__pycache__", ".pytest_cache", "*.egg-info", "build")


@pytest.fixture(scope="session")
def repo_copy(tmp_path_factory) -> Path:
    """A fresh copy of the repository's tracked sources (no results, no venv)."""
    dst = tmp_path_factory.mktemp("repo") / "neurobench"
    shutil.copytree(REPO, dst, ignore=COPY_IGNORE, symlinks=True)
    return dst


@pytest.fixture(scope="session")
def quick_results(repo_copy) -> Path:
    """Run ``snakemake --configfile config/quick.yaml`` once; return the copy's results/."""
    snakemake = Path(sys.executable).with_name("snakemake")
    env = dict(os.environ, PYTHONPATH=str(repo_copy))
    proc = subprocess.run(
        [str(snakemake), "--cores", "2", "--configfile", "config/quick.yaml", "--quiet", "rules"],
        cwd=repo_copy, env=env, capture_output=True, text=True, timeout=1500)
    if proc.returncode != 0:
        pytest.fail(f"quick workflow failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return repo_copy / "results"


def claims_of(results: Path, study: str) -> pd.DataFrame:
    """The comparison.csv of a study as a DataFrame."""
    return pd.read_csv(results / study / "comparison.csv")
