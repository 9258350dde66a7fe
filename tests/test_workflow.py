"""The Snakemake workflow: quick config end to end, config validation, per-study reruns, lint."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, claims_of
from neurobench.config import ConfigError, deep_update, load_config, validate

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def _smk(cwd, *args, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run([SNAKEMAKE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_lif_fi_outputs_and_claims(quick_results):
    d = quick_results / "lif_fi"
    for name in ("fi_curve", "relu_fit", "dt_convergence"):
        assert (d / "figures" / f"{name}.png").stat().st_size > 1000
        assert (d / "figures" / f"{name}.pdf").stat().st_size > 1000
    for name in ("rates", "dt_convergence", "relu_fit"):
        assert (d / "tables" / f"{name}.csv").exists() and (d / "tables" / f"{name}.md").exists()
    assert (d / "tables" / "relu_fit.tex").exists()
    prov = pd.read_json(d / "provenance.json", typ="series")
    assert prov["seed"] == yaml.safe_load((REPO / "config/config.yaml").read_text())["seed"]
    claims = claims_of(quick_results, "lif_fi")
    checked = claims[claims.status != "INFO"]
    assert len(checked) >= 7
    assert (checked.status == "PASS").all(), checked[checked.status != "PASS"].to_string()
    # the talk's reference numbers (counts over the quick run's 1 s) follow from the rates table
    rates = pd.read_csv(d / "tables" / "rates.csv")
    assert (rates.rate_core_hz[:15] == 0).all()


def test_scorecard_gathers_every_study(quick_results):
    card = pd.read_csv(quick_results / "scorecard.csv")
    studies = sorted(p.parent.name for p in quick_results.glob("*/comparison.csv"))
    assert sorted(card.study.unique()) == studies
    md = (quick_results / "scorecard.md").read_text()
    independent = card[card.kind.isin(["literature", "closed_form", "independent_simulator"])]
    n_pass = int((independent.status == "PASS").sum())
    n_checked = int(independent.status.isin(["PASS", "FAIL"]).sum())
    assert f"**Reproduced: {n_pass} of {n_checked}**" in md
    assert not list(quick_results.glob(".*tmp*")), "temporary study directories left behind"


def test_unchanged_config_is_up_to_date_and_param_change_reruns_one_study(quick_results):
    repo = quick_results.parent
    dry = _smk(repo, "-n", "--configfile", "config/quick.yaml")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to be done" in dry.stdout + dry.stderr
    dry = _smk(repo, "-n", "--configfile", "config/quick.yaml", "--config", "lif_fi={'n_neurons': 50}")
    # --config replaces the section, so it fails validation (missing keys) with the key named
    assert dry.returncode != 0 and "lif_fi" in dry.stdout + dry.stderr
    override = repo / "override.yaml"
    override.write_text("lif_fi:\n  trace_neurons: [15, 21]\n")
    dry = _smk(repo, "-n", "--configfile", "config/quick.yaml", str(override))
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0, out
    jobs = {line.split()[0] for line in out.splitlines() if line.strip().startswith(("lif_fi", "scorecard", "all"))}
    assert "lif_fi" in jobs and "scorecard" in jobs
    others = [s for s in (quick_results.glob("*/comparison.csv")) if s.parent.name != "lif_fi"]
    for study in others:
        assert f"rule {study.parent.name}:" not in out


def test_bad_config_stops_before_any_job(tmp_path, repo_copy):
    bad = tmp_path / "bad.yaml"
    bad.write_text("lif_fi:\n  tau_m_ms: -3\n  nonsense_key: 1\n")
    r = _smk(repo_copy, "-n", "--configfile", "config/quick.yaml", str(bad))
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "lif_fi.tau_m_ms" in out and "nonsense_key" in out


def test_validate_names_the_key():
    cfg = load_config(REPO / "config/config.yaml")
    with pytest.raises(ConfigError, match=r"lif_fi.n_neurons"):
        validate(deep_update(cfg, {"lif_fi": {"n_neurons": "many"}}))
    with pytest.raises(ConfigError, match=r"lif_fi.brian2_target"):
        validate(deep_update(cfg, {"lif_fi": {"brian2_target": "fortran"}}))
    with pytest.raises(ConfigError, match="not found"):
        load_config(REPO / "config/missing.yaml")


def test_quick_config_overrides_only_known_keys():
    full = yaml.safe_load((REPO / "config/config.yaml").read_text())
    quick = yaml.safe_load((REPO / "config/quick.yaml").read_text())
    for study, section in quick.items():
        assert study in full, f"quick.yaml section {study!r} is not in config.yaml"
        for key in section:
            assert key in full[study], f"quick.yaml key {study}.{key} is not in config.yaml"
    validate(deep_update(full, quick))


def test_every_config_key_is_documented():
    readme = (REPO / "config/README.md").read_text()
    full = yaml.safe_load((REPO / "config/config.yaml").read_text())
    # a nested section may be documented key by key (`corpus.words`) or as `tde.*`
    missing = [f"{s}.{k}" for s, sec in full.items() if isinstance(sec, dict)
               for k, v in sec.items()
               if f"`{k}`" not in readme and not (isinstance(v, dict) and f"`{k}." in readme)]
    assert not missing, f"undocumented config keys: {missing}"


def test_snakemake_lint_is_clean(repo_copy):
    r = _smk(repo_copy, "--lint", timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Lints for" not in out, out
