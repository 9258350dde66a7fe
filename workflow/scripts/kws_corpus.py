# Adapts the kws_corpus rule to neurobench.data.speech.build_corpus.
from pathlib import Path

from neurobench.data.speech import build_corpus
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    build_corpus(dict(snakemake.params.corpus), snakemake.params.seed,
                 Path(snakemake.output.audio).parent, threads=snakemake.threads)
