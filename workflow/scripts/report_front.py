# Writes the report's front page (the scorecard) from workflow/report/workflow.rst.
from pathlib import Path

from neurobench.report.captions import front_page
from neurobench.runlog import log_to

with log_to(snakemake.log[0]):
    Path(snakemake.output[0]).write_text(
        front_page(snakemake.input.scorecard, snakemake.input.template))
