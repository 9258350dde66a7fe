# Adapts the detection rule to neurobench.studies.detection.run (dataset folder).
from pathlib import Path

from neurobench.runlog import log_to
from neurobench.studies import detection

with log_to(snakemake.log[0]):
    data = Path(snakemake.input.manifest).parent if snakemake.input.get("manifest") else None
    detection.run(dict(snakemake.params.study), Path(snakemake.output.comparison).parent,
                  data_dir=data)
