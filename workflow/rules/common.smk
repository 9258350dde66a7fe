# Shared by every .smk file: config validation (before any job) and the study registry.
import sys

sys.path.insert(0, workflow.basedir)

from neurobench.config import ConfigError, study_params, validate  # noqa: E402

try:
    validate(config)
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
