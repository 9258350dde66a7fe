# Adapts a Snakemake job to a study's run(params, outdir); the study is the rule's name.
from pathlib import Path

from neurobench import studies
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    outdir = Path(snakemake.output[0]).parent
    studies.get(snakemake.rule).run(dict(snakemake.params.study), outdir)
