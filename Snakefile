# Reproduces every study of F. Sandin's talk "Temporal Dynamics in Neuromorphic Computing".
#   snakemake --cores all                              full reproduction (config/config.yaml)
#   snakemake --cores all --configfile config/quick.yaml   small and fast
#   snakemake --cores 2 lif_fi                         one study by its target name
from pathlib import Path


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


for _rules in sorted(Path(workflow.basedir, "workflow", "rules").glob("*.smk")):
    if _rules.name not in ("common.smk", "scorecard.smk"):

        include: str(_rules.relative_to(workflow.basedir))


include: "workflow/rules/scorecard.smk"


rule all:
    default_target: True
    input:
        study_outputs(),
        "results/scorecard.csv",
        "results/scorecard.md",
        "results/MANIFEST.tsv",
