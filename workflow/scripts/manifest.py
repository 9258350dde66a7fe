# Writes results/MANIFEST.tsv: checksums of every study output and the config hashes.
from pathlib import Path

from neurobench.report.manifest import write_manifest
from neurobench.runlog import log_to

with log_to(snakemake.log[0]) as log:
    df = write_manifest(Path(snakemake.output[0]).parent, snakemake.output[0],
                        dict(snakemake.params.config))
    log.info("manifest: %d files", len(df) - 1)
