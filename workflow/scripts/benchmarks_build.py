# Brian2's code of the benchmark cases, compiled ahead into the study's work folder (one thread).
from pathlib import Path

from neurobench.runlog import log_to
from neurobench.studies import benchmarks

with log_to(snakemake.log[0]):
    benchmarks.build(dict(snakemake.params.study), Path(snakemake.output[0]).parent)
