# The timed benchmarks (neurobench.studies.benchmarks.run) on the code compiled ahead by benchmarks_build.
from pathlib import Path

from neurobench.report.writer import publishing
from neurobench.runlog import log_to
from neurobench.studies import benchmarks

outdir = Path(snakemake.output.comparison).parent
with log_to(snakemake.log[0]), publishing(outdir, "benchmarks"):
    benchmarks.run(dict(snakemake.params.study), outdir, workdir=Path(snakemake.input.build).parent)
