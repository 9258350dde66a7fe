# One emulated chip (mismatch seed) of a DYNAP-SE selectivity study: a job of its sweep over chips.
from neurobench import studies
from neurobench.runlog import log_to
from neurobench.studies import _selectivity as sel

with log_to(snakemake.log[0]):
    study = studies.get(snakemake.params.name)
    result = study.run_chip(dict(snakemake.params.study), int(snakemake.wildcards.chip))
    sel.write_chunk(result, snakemake.output[0])
