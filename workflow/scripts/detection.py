# Assembles detection from its per-seed jobs (neurobench.studies.detection.run with the dataset folder).
from pathlib import Path

from neurobench.report.writer import publishing
from neurobench.runlog import log_to
from neurobench.studies import detection

outdir = Path(snakemake.output.comparison).parent
with log_to(snakemake.log[0]), publishing(outdir, "detection"):
    data = Path(snakemake.input.manifest).parent if snakemake.input.get("manifest") else None
    detection.run(dict(snakemake.params.study), outdir, data_dir=data,
                  chunks=list(snakemake.input.seeds))
