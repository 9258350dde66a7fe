# The HTML report and the manifest, generic over the study registry (STUDIES): a new study's
# figures and tables appear in the report without changes here.
#   make report    = snakemake report_assets, then snakemake --report results/report.html
# Captions: workflow/report/<study>/{figures,tables}/<name>.rst (a generic caption otherwise).
import os

from neurobench.report.captions import captions_of, fallback_caption, table_columns

# The front page: the scorecard, once report_front has written it; the bare template before.
_FRONT = os.path.abspath("results/report/front.rst")


report: _FRONT if os.path.exists(_FRONT) else "../report/workflow.rst"


# Cheap gather steps run on the submitting node under a cluster executor (scorecard included).
localrules:
    scorecard,
    report_study,
    report_front,
    report_assets,
    manifest,


rule report_study:
    """Copy a study's figures and tables into results/report/<study>/, marked for the report."""
    input:
        comparison="results/{study}/comparison.csv",
        provenance="results/{study}/provenance.json",
    output:
        figures=report(
            directory("results/report/{study}/figures"),
            patterns=["{name}.png"],
            caption="../report/figure.rst",
            category="{study}",
            subcategory="figures",
        ),
        tables=report(
            directory("results/report/{study}/tables"),
            patterns=["{name}.csv"],
            caption="../report/table.rst",
            category="{study}",
            subcategory="tables",
        ),
        claims=report(
            "results/report/{study}/comparison.csv",
            caption="../report/claims.rst",
            category="{study}",
            subcategory="claims",
        ),
    params:
        figure_captions=lambda w: captions_of(w.study, "figures"),
        table_captions=lambda w: captions_of(w.study, "tables"),
        figure_caption=lambda w: fallback_caption(w.study, "figure"),
        table_caption=lambda w: fallback_caption(w.study, "table"),
        table_columns=lambda w: table_columns(w.study),
    wildcard_constraints:
        study=r"[A-Za-z0-9_]+",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/report/{study}.log",
    script:
        "../scripts/report_study.py"


rule report_front:
    """The report's front page: the scorecard (also a report item of its own)."""
    input:
        scorecard=report(
            "results/scorecard.csv",
            caption="../report/scorecard.rst",
            category="scorecard",
        ),
        template="workflow/report/workflow.rst",
    output:
        "results/report/front.rst",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/report/front.log",
    script:
        "../scripts/report_front.py"


rule manifest:
    """results/MANIFEST.tsv: size and SHA-256 of every study output, and the config hashes."""
    input:
        lambda w: study_outputs(),
        "results/scorecard.csv",
        "results/scorecard.md",
    output:
        "results/MANIFEST.tsv",
    params:
        config=lambda w: {k: v for k, v in config.items()},
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/manifest.log",
    script:
        "../scripts/manifest.py"


rule report_assets:
    """Everything `snakemake --report` shows: per-study assets, front page, manifest."""
    input:
        lambda w: expand(
            "results/report/{study}/comparison.csv", study=sorted(STUDIES)
        ),
        "results/report/front.rst",
        report(
            "results/MANIFEST.tsv",
            caption="../report/manifest.rst",
            category="scorecard",
        ),
