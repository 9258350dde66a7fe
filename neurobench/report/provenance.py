"""Provenance of a study run: versions, git commit, config hash, seed, wall time, machine."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from importlib import metadata

_PACKAGES = ("numpy", "scipy", "pandas", "matplotlib", "brian2", "torch", "snakemake",
             "Cython", "seaborn", "nest-simulator", "neurobench")


def config_hash(params) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of a study's parameters."""
    blob = json.dumps(params, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _git_commit() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10)
        commit = out.stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu() -> str:
    try:
        import torch  # noqa: PLC0415 - optional
        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except Exception:  # torch missing or broken: no GPU info
        pass
    return "none"


def provenance(params, seed, wall_time_s: float) -> dict:
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cpu_count": os.cpu_count(),
        "gpu": _gpu() if "torch" in sys.modules else "not used",
        "versions": versions,
        "git_commit": _git_commit(),
        "config_hash": config_hash(params),
        "seed": seed,
        "wall_time_s": round(float(wall_time_s), 3),
        "params": params,
    }
