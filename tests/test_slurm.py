"""The SLURM path: a one-machine SLURM cluster runs the quick workflow (or a subset) through
``--workflow-profile workflow/profiles/slurm`` (snakemake-executor-plugin-slurm).

Run by ``make test-slurm`` (which sets NEUROBENCH_SLURM_TEST=1 and installs the Debian
packages as root); skipped in ``make test``. Targets: NEUROBENCH_SLURM_TARGETS (default
``lif_fi``; ``all`` runs the whole quick workflow).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent

needs_cluster = pytest.mark.skipif(
    os.environ.get("NEUROBENCH_SLURM_TEST") != "1",
    reason="SLURM test: run `make test-slurm` (starts a local SLURM cluster; needs root)")

CLUSTER = REPO / "tests" / "slurm" / "local_cluster.sh"


def _cluster(*args, user=None):
    if user is None:
        return subprocess.run(["bash", str(CLUSTER), *args], capture_output=True, text=True,
                              timeout=60)
    # as another user: the script comes on stdin (the checkout may not be readable to them)
    cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "bash", "-s", *args]
    return subprocess.run(cmd, input=CLUSTER.read_text(), capture_output=True, text=True,
                          timeout=60, cwd="/")


def test_cluster_script_explains_bad_use(tmp_path):
    """Set-up failures say what is wrong (cheap: runs in `make test`)."""
    r = _cluster()
    assert r.returncode != 0 and "usage" in r.stderr
    r = _cluster("restart", str(tmp_path))
    assert r.returncode != 0 and "unknown command 'restart'" in r.stderr
    if os.geteuid() == 0 and shutil.which("setpriv"):
        r = _cluster("start", str(tmp_path / "state"), user=65534)
        assert r.returncode != 0 and "must run as root" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    """Start munged, MariaDB, slurmdbd, slurmctld and slurmd; yield the environment to use."""
    state = tmp_path_factory.mktemp("slurm")
    proc = subprocess.run(["bash", str(CLUSTER), "start", str(state)], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        subprocess.run(["bash", str(CLUSTER), "stop", str(state)], timeout=60)
        pytest.fail("could not start the local SLURM cluster (this test needs root and the "
                    "packages of requirements/apt-slurm.txt; no systemd is needed):\n"
                    + proc.stderr[-4000:])
    env = dict(os.environ, SLURM_CONF=proc.stdout.strip().splitlines()[-1],
               USER=os.environ.get("USER", "root"))
    try:
        yield env
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(state)], timeout=120)


@needs_cluster
def test_quick_workflow_runs_through_slurm(slurm_env, repo_copy):
    targets = os.environ.get("NEUROBENCH_SLURM_TARGETS", "lif_fi").split()
    snakemake = Path(sys.executable).with_name("snakemake")
    env = dict(slurm_env, PYTHONPATH=str(repo_copy))
    cmd = [str(snakemake), *targets, "--workflow-profile", "workflow/profiles/slurm",
           "--configfile", "config/quick.yaml",
           "--default-resources", "slurm_account=neurobench", "slurm_partition=local",
           "mem_mb=1500", "runtime=30",
           "--slurm-init-seconds-before-status-checks", "2",
           "--seconds-between-status-checks", "3", "--latency-wait", "5"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=repo_copy, env=env, capture_output=True, text=True,
                          timeout=1500)
    wall = time.perf_counter() - t0
    log = proc.stdout[-3000:] + proc.stderr[-6000:]
    assert proc.returncode == 0, f"snakemake through SLURM failed:\n{log}"
    assert "has been submitted with SLURM jobid" in proc.stderr + proc.stdout, log

    # The outputs are there and the claims as in the local quick run.
    studies = [t for t in targets if (repo_copy / "workflow" / "rules" / f"{t}.smk").exists()]
    if targets == ["all"]:
        studies = sorted(p.parent.name for p in (repo_copy / "results").glob("*/comparison.csv"))
        assert (repo_copy / "results" / "scorecard.csv").exists()
    assert studies, f"no study among the targets {targets}"
    for study in studies:
        comp = pd.read_csv(repo_copy / "results" / study / "comparison.csv")
        assert len(comp) > 0 and (repo_copy / "results" / study / "provenance.json").exists()

    # sacct: every study job went through SLURM and completed.
    out = subprocess.run(["sacct", "-X", "--parsable2", "--noheader", "--allusers",
                          "--starttime", "now-1days", "--format=JobIdRaw,State,Comment,Account"],
                         env=slurm_env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    jobs = [line.split("|") for line in out.stdout.strip().splitlines()]
    rules = {c for _, state, c, _ in jobs if state == "COMPLETED"}
    for study in studies:
        assert f"rule_{study}" in rules, f"sacct shows no completed job of rule {study}: {jobs}"
    assert all(state == "COMPLETED" for _, state, _, _ in jobs), jobs
    print(f"\nSLURM: {len(jobs)} job(s) in sacct, all COMPLETED; targets {targets}; "
          f"wall {wall:.1f} s")
