# Adapts the detection_dataset rule to neurobench.data.event_camera.write_dataset.
from pathlib import Path

from neurobench.data.event_camera import from_config, write_dataset
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    cfg = dict(snakemake.params.dataset)
    scene, dvs = from_config(cfg)
    write_dataset(Path(snakemake.output.manifest).parent,
                  {"train": cfg["n_train"], "val": cfg["n_val"]}, scene, dvs,
                  cfg.get("seed", snakemake.params.seed))
