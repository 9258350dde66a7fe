# Adapts the detection_dataset rule to neurobench.data.event_camera.write_dataset_from_config.
from pathlib import Path

from neurobench.data.event_camera import write_dataset_from_config
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    write_dataset_from_config(dict(snakemake.params.dataset), Path(snakemake.output.manifest).parent,
                              snakemake.params.seed)
