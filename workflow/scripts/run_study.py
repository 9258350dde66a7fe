# Adapts a Snakemake job to a study's run(params, outdir); the study is the rule's name.
# Snakemake removes a job's declared outputs before it runs: if the study then fails, the rest
# of that earlier version is removed too, so the folder is absent rather than a mix of versions.
from pathlib import Path

from neurobench import studies
from neurobench.report.writer import publishing
from neurobench.runlog import log_to

outdir = Path(snakemake.output[0]).parent
with log_to(snakemake.log[0]), publishing(outdir, snakemake.rule):
    studies.get(snakemake.rule).run(dict(snakemake.params.study), outdir)
