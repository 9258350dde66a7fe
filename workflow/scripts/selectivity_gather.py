# Assembles a DYNAP-SE selectivity study from its per-chip jobs; the study is the rule's name.
from pathlib import Path

from neurobench import studies
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    outdir = Path(snakemake.output[0]).parent
    studies.get(snakemake.rule).run(dict(snakemake.params.study), outdir,
                                    chunks=list(snakemake.input.chips))
