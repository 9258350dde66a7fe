# One training seed of detection (both models): a job of the study's sweep over seeds.
from pathlib import Path

from neurobench.chunks import write_chunk
from neurobench.runlog import log_to
from neurobench.studies import detection

with log_to(snakemake.log[0]):
    data = Path(snakemake.input.manifest).parent if snakemake.input.get("manifest") else None
    result = detection.train_seed(dict(snakemake.params.study), int(snakemake.wildcards.seed), data)
    write_chunk(result, snakemake.output[0])
