# Assembles a DYNAP-SE selectivity study from its tuning job and its held-out chip jobs; the
# study is the rule's name.
from pathlib import Path

from neurobench import studies
from neurobench.dynapse import selectivity as sel
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    outdir = Path(snakemake.output[0]).parent
    (tuned,) = sel.read_chunks([snakemake.input.tuning])
    studies.get(snakemake.rule).run(dict(snakemake.params.study), outdir, tuned=tuned,
                                    chunks=list(snakemake.input.chips))
