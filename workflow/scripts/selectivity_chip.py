# One held-out emulated chip (mismatch seed) of a DYNAP-SE selectivity study: a job of its sweep
# over chips, run with the tuning chip's configuration.
from neurobench import studies
from neurobench.chunks import read_chunks, write_chunk
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    study = studies.get(snakemake.params.name)
    (tuned,) = read_chunks([snakemake.input.tuning])
    result = study.run_chip(dict(snakemake.params.study), int(snakemake.wildcards.chip), tuned)
    write_chunk(result, snakemake.output[0])
