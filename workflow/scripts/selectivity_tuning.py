# The tuning search of a DYNAP-SE selectivity study on its tuning chip (one job before the chips).
from neurobench import studies
from neurobench.chunks import write_chunk
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    study = studies.get(snakemake.params.name)
    write_chunk(study.tune_chip(dict(snakemake.params.study)), snakemake.output[0])
