# Assembles a DYNAP-SE selectivity study from its tuning job and its held-out chip jobs; the
# study is the rule's name.
from pathlib import Path

from neurobench import studies
from neurobench.chunks import read_chunks
from neurobench.report.writer import publishing
from neurobench.runlog import log_to

outdir = Path(snakemake.output[0]).parent
with log_to(snakemake.log[0]), publishing(outdir, snakemake.rule):
    (tuned,) = read_chunks([snakemake.input.tuning])
    studies.get(snakemake.rule).run(dict(snakemake.params.study), outdir, tuned=tuned,
                                    chunks=list(snakemake.input.chips))
