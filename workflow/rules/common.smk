# Shared by every .smk file: config validation (before any job) and the study registry.
import os
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)

from neurobench.config import ConfigError, key_origins, study_params, validate  # noqa: E402

# Every message names the key and the config file that set it (--config KEY=VALUE: "--config").
# Precedence as Snakemake merges: the Snakefile's configfile, each --configfile, then --config.
_cli_files = [Path(f).absolute() for f in workflow.config_settings.configfiles]
_files = [Path(f) for f in workflow.configfiles if Path(f).absolute() not in _cli_files]
_files = [Path(os.path.relpath(f)) if f.absolute().is_relative_to(Path.cwd()) else f
          for f in _files + _cli_files]
try:
    validate(config, origins=key_origins(_files, [("--config", workflow.config_settings.config)]),
             files=_files)
except ConfigError as _err:
    raise WorkflowError(str(_err))

# Each study's .smk file calls register_study(name, [outputs]); the scorecard gathers them.
STUDIES = {}


def register_study(name, outputs):
    STUDIES[name] = [str(o) for o in outputs]
    return STUDIES[name]


def study_outputs():
    return [o for outs in STUDIES.values() for o in outs]


def comparison_files():
    return [f"results/{s}/comparison.csv" for s in STUDIES]


def params_of(study):
    return study_params(config, study)
