# Copies a study's figures (PNG) and tables (CSV) to results/report/<study>/ for the report.
import shutil
from pathlib import Path

from neurobench.runlog import log_to

with log_to(snakemake.log[0]) as log:
    study_dir = Path(snakemake.input.comparison).parent
    for kind, pattern in (("figures", "*.png"), ("tables", "*.csv")):
        dst = Path(snakemake.output[kind])
        dst.mkdir(parents=True, exist_ok=True)
        files = sorted((study_dir / kind).glob(pattern))
        for f in files:
            shutil.copy2(f, dst / f.name)
        log.info("%s: %d %s for the report", study_dir.name, len(files), kind)
    shutil.copy2(snakemake.input.comparison, snakemake.output.claims)
