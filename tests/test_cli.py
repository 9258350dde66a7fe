"""The reproducibility tools without a workflow run: CLI parsing and config overrides, the
manifest, the comparison of results trees, report captions and the front page."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from neurobench import cli
from neurobench.config import ConfigError
from neurobench.report.captions import (SCORECARD_MARK, captions_of, fallback_caption, table_columns,
                                        front_page, rst_escape, study_summary)
from neurobench.report.manifest import (compare_trees, manifest_rows, sha256_of,
                                        write_manifest)

REPO = Path(__file__).resolve().parent.parent


def _tree(root: Path, rates, status="PASS", wall=1.0, extra=None) -> Path:
    """A results tree with one study 'toy': a table, claims, provenance, a figure."""
    d = root / "toy"
    (d / "tables").mkdir(parents=True)
    (d / "figures").mkdir()
    pd.DataFrame({"neuron": range(len(rates)), "rate_hz": rates, "wall_s": wall}).to_csv(
        d / "tables" / "rates.csv", index=False)
    pd.DataFrame([{"claim_id": "c1", "claim": "x", "quantity": "q", "reference": 1.0,
                   "reproduced": rates[0], "tolerance": "≤ 1", "unit": "Hz", "status": status,
                   "kind": "closed_form", "source": "formula"}]).to_csv(d / "comparison.csv", index=False)
    (d / "provenance.json").write_text(json.dumps({"config_hash": "abc123", "wall_time_s": wall}))
    (d / "figures" / "f.png").write_bytes(b"\x89PNG fake")
    if extra:
        (d / "summary.json").write_text(json.dumps(extra))
    return root


# -- run: config files and --set ----------------------------------------------------------------
def test_parse_set_reads_yaml_values():
    assert cli.parse_set(["duration_s=0.5", "trace_neurons=[1, 2]", "a.b=text"]) == [
        (["duration_s"], 0.5), (["trace_neurons"], [1, 2]), (["a", "b"], "text")]


@pytest.mark.parametrize("bad", ["duration_s", "=1", "a..b=1", "x=[1,"])
def test_parse_set_rejects_malformed(bad):
    with pytest.raises(ValueError, match="--set"):
        cli.parse_set([bad])


def test_study_config_merges_files_then_sets(tmp_path):
    over = tmp_path / "over.yaml"
    over.write_text("lif_fi:\n  duration_s: 0.25\n  n_neurons: 20\n")
    p = cli.study_config("lif_fi", [str(over)], ["n_neurons=30", "seed=7"])
    assert p["duration_s"] == 0.25 and p["n_neurons"] == 30 and p["seed"] == 7
    quick = cli.study_config("lif_fi", [str(REPO / "config" / "quick.yaml")])
    assert quick["duration_s"] == 1.0  # config/quick.yaml's override


def test_study_config_errors_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match="lif_fi.duration_s"):
        cli.study_config("lif_fi", [], ["duration_s=fast"])
    with pytest.raises(ConfigError, match="no_such_key"):
        cli.study_config("lif_fi", [], ["no_such_key=1"])
    with pytest.raises(ConfigError, match="not found"):
        cli.study_config("lif_fi", [str(tmp_path / "missing.yaml")])
    with pytest.raises(ConfigError, match="no section 'nope'"):
        cli.study_config("nope")


def test_main_reports_bad_input_with_status_2(capsys):
    assert cli.main(["run", "lif_fi", "--set", "duration_s=-1"]) == 2
    assert "lif_fi.duration_s" in capsys.readouterr().err
    assert cli.main(["run", "no_such_study"]) == 2
    assert "unknown study" in capsys.readouterr().err


# -- list and info ------------------------------------------------------------------------------
def test_declared_outputs_is_the_workflow_registry():
    reg = cli.declared_outputs()
    assert reg["lif_fi"] == ["results/lif_fi/comparison.csv", "results/lif_fi/provenance.json",
                             "results/lif_fi/figures/fi_curve.png"]
    smk = {p.stem for p in (REPO / "workflow" / "rules").glob("*.smk")}
    assert set(reg) <= smk  # every registered study has its rule file


def test_list_json_names_every_study(capsys, tmp_path):
    assert cli.main(["list", "--json", "--results", str(_tree(tmp_path, [1.0]))]) == 0
    rows = {r["study"]: r for r in json.loads(capsys.readouterr().out)}
    from neurobench import studies

    assert set(studies.available()) <= set(rows)
    assert rows["lif_fi"]["workflow_rule"] and rows["lif_fi"]["module"]


def test_info_reports_versions_gpu_and_build_flags(capsys):
    assert cli.main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["versions"]["numpy"] and info["versions"]["snakemake"]
    assert isinstance(info["gpu"]["cuda_available"], bool)
    ext = {e["module"]: e for e in info["build"]["extensions"]}
    assert ext["neurobench.core._engine"]["import"] == "ok"
    assert "-O3" in ext["neurobench.core._engine"]["extra_compile_args"]


def test_console_script_is_declared():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["neurobench"] == "neurobench.cli:main"


# -- manifest -----------------------------------------------------------------------------------
def test_manifest_checksums_every_output(tmp_path):
    results = _tree(tmp_path / "results", [1.0, 2.0])
    (results / "scorecard.csv").write_text("study\ntoy\n")
    (results / "logs").mkdir()
    (results / "logs" / "toy.log").write_text("not an output")
    # a study named 'benchmarks'; Snakemake's per-rule timings under timings/
    (results / "benchmarks").mkdir()
    (results / "timings").mkdir()
    (results / "benchmarks" / "comparison.csv").write_text("claim_id\n")
    (results / "timings" / "toy.tsv").write_text("s\n1.0\n")
    df = write_manifest(results, results / "MANIFEST.tsv", {"seed": 1, "toy": {"a": 2}})
    back = pd.read_csv(results / "MANIFEST.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(back.columns) == ["path", "kind", "study", "bytes", "sha256", "config_hash"]
    rows = {r["path"]: r for _, r in back.iterrows()}
    assert set(rows) == {"<config>", "results/toy/comparison.csv", "results/toy/provenance.json",
                         "results/toy/figures/f.png", "results/toy/tables/rates.csv",
                         "results/scorecard.csv", "results/benchmarks/comparison.csv",
                         "results/timings/toy.tsv"}
    f = results / "toy" / "tables" / "rates.csv"
    assert rows["results/toy/tables/rates.csv"]["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert rows["results/toy/tables/rates.csv"]["kind"] == "table"
    assert rows["results/toy/figures/f.png"]["config_hash"] == "abc123"
    assert rows["results/timings/toy.tsv"]["kind"] == "rule_timing"
    # the config hash changes with any value of the config
    other = manifest_rows(results, {"seed": 2, "toy": {"a": 2}})[0]["config_hash"]
    assert other != rows["<config>"]["config_hash"] and len(df) == 8


def test_manifest_of_missing_dir_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        manifest_rows(tmp_path / "nope")
    assert sha256_of(Path(__file__)) == hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


# -- compare ------------------------------------------------------------------------------------
def test_identical_trees_have_no_difference(tmp_path):
    a = _tree(tmp_path / "a", [1.0, 2.0, math.nan], extra={"k": [1, 2]})
    b = _tree(tmp_path / "b", [1.0, 2.0, math.nan], wall=9.0, extra={"k": [1, 2]})
    assert compare_trees(a, b).empty  # wall_s and wall_time_s differ: timings, ignored
    timing = compare_trees(a, b, ignore_columns="")
    assert set(timing["column"]) == {"wall_s"} and len(timing) == 3


def test_compare_finds_each_number_beyond_tolerance(tmp_path):
    a = _tree(tmp_path / "a", [1.0, 2.0, 3.0], extra={"k": {"x": 1.0}})
    b = _tree(tmp_path / "b", [1.0, 2.0 + 1e-12, 3.5], status="FAIL", extra={"k": {"x": 1.1}})
    (b / "toy" / "tables" / "new.csv").write_text("a\n1\n")
    d = compare_trees(a, b, rtol=1e-9)
    values = d[d["what"] == "value"].set_index(["file", "row", "column"])
    assert ("toy/tables/rates.csv", "2", "rate_hz") in values.index
    assert ("toy/tables/rates.csv", "1", "rate_hz") not in values.index  # within rtol
    assert values.loc[("toy/tables/rates.csv", "2", "rate_hz"), "abs_diff"] == pytest.approx(0.5)
    assert values.loc[("toy/comparison.csv", "c1", "status"), "b"] == "FAIL"
    assert ("toy/summary.json", "k.x", "") in values.index
    assert d[d["what"] == "file"]["file"].tolist() == ["toy/tables/new.csv"]
    # a looser tolerance hides the small difference only
    loose = compare_trees(a, b, atol=0.2)
    assert ("toy/summary.json", "k.x", "") not in loose.set_index(["file", "row", "column"]).index


def test_compare_skips_intermediate_work_files(tmp_path):
    """Work files of fanned-out jobs (results/_work/: per-chip runs, compiled Brian2 projects)
    are not results: only the studies' files are compared."""
    a = _tree(tmp_path / "a", [1.0])
    b = _tree(tmp_path / "b", [1.0])
    for root, v in ((a, 1), (b, 2)):
        (root / "_work" / "benchmarks").mkdir(parents=True)
        (root / "_work" / "benchmarks" / "build.json").write_text(f'{{"ahead_s": {v}}}')
    assert compare_trees(a, b).empty
    (b / "toy" / "tables" / "rates.csv").write_text("rate_hz\n9\n")
    assert not compare_trees(a, b).empty


def test_compare_cli_exit_status(tmp_path, capsys):
    a = _tree(tmp_path / "a", [1.0])
    b = _tree(tmp_path / "b", [1.5])
    assert cli.main(["compare", str(a), str(a)]) == 0
    assert cli.main(["compare", str(a), str(b), "--csv", str(tmp_path / "d.csv")]) == 1
    assert "rate_hz" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "d.csv")) == 2  # the rate and the claim's reproduced value
    assert cli.main(["compare", str(a), str(tmp_path / "nope")]) == 2
    assert cli.main(["compare", str(a), str(b), "--ignore-columns", "("]) == 2


# -- captions and the front page ----------------------------------------------------------------
def test_every_lif_fi_output_has_a_caption():
    figs, tabs = captions_of("lif_fi", "figures"), captions_of("lif_fi", "tables")
    assert {"fi_curve", "relu_fit", "dt_convergence"} <= set(figs)
    assert {"rates", "relu_fit", "dt_convergence", "timing"} <= set(tabs)
    with pytest.raises(ValueError, match="kind"):
        captions_of("lif_fi", "plots")


def test_captions_are_valid_rst():
    from docutils.core import publish_parts

    for f in sorted((REPO / "workflow" / "report").rglob("*.rst")):
        if f.parent.name in ("figures", "tables"):
            parts = publish_parts(f.read_text(), writer="html",
                                  settings_overrides={"report_level": 2, "halt_level": 2})
            assert parts["body"], f


def test_fallback_caption_quotes_the_study_docstring():
    assert study_summary("lif_fi").startswith("LIF f–I curve")
    cap = fallback_caption("lif_fi", "figure")
    assert "``@NAME@``" in cap and "LIF f–I curve" in cap
    assert rst_escape("|a_b*|") == "\\|a\\_b\\*\\|"


def test_front_page_holds_the_scorecard(tmp_path):
    card = tmp_path / "scorecard.csv"
    pd.DataFrame([{"study": "toy", "claim_id": "c", "claim": "<b>x</b> | y", "quantity": "q",
                   "reference": 1.0, "reproduced": 2.0, "tolerance": "t", "unit": "Hz",
                   "status": "FAIL", "kind": "literature", "source": "s"}]).to_csv(card, index=False)
    page = front_page(card, REPO / "workflow" / "report" / "workflow.rst")
    assert SCORECARD_MARK not in page
    assert "Reproduced: 0 of 1" in page and "0 PASS, 1 FAIL, 0 INFO, 0 NOT_RUN" in page and "&lt;b&gt;x&lt;/b&gt; | y" in page
    # a long scorecard still renders (Snakemake: Jinja, then docutils) without a markup error
    from docutils.core import publish_parts
    from jinja2 import Template

    rows = pd.concat([pd.read_csv(card)] * 300, ignore_index=True)
    rows.to_csv(card, index=False)
    page = Template(front_page(card, REPO / "workflow" / "report" / "workflow.rst")).render()
    html = publish_parts(page, writer="html", settings_overrides={"halt_level": 2})["body"]
    # 300 claims + header in the scorecard, 7 rows in the kind × status table (header, 5 kinds, total)
    assert html.count("<tr>") == 301 + 7 and "<style>" in html
    bad = tmp_path / "t.rst"
    bad.write_text("no marker")
    with pytest.raises(ValueError, match="marker"):
        front_page(card, bad)


def test_table_columns_for_generic_captions(tmp_path):
    d = tmp_path / "results" / "toy" / "tables"
    d.mkdir(parents=True)
    pd.DataFrame({"rate_hz": [1.0], "wall_s": [2.0]}).to_csv(d / "rates.csv", index=False)
    (d / "empty.csv").write_text("")
    assert table_columns("toy", tmp_path / "results") == {"rates": "``rate_hz``, ``wall_s``"}
    assert table_columns("nothing", tmp_path / "results") == {}
