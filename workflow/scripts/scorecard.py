from neurobench.report.scorecard import build_scorecard
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    build_scorecard(snakemake.input, snakemake.output.csv, snakemake.output.md)
