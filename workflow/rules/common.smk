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


# Scheduling on a few cores: when a core frees up, Snakemake starts the waiting job of highest
# priority. A single-thread rule's priority is its rough duration in the full config (s), plus
# that of the jobs waiting for it: the longest work starts first, so no long job is left running
# alone on one core at the end. The 2-thread timing and training rules (benchmarks, kws,
# dynapse_benchmark) keep 0: they start once the single-thread work is done and then use both
# cores, alone (nothing runs beside a timed case); the gathering jobs at the end are short.
# benchmarks_build compiles Brian2's code for the benchmarks, which nothing times, so it runs
# here rather than inside the exclusive rule. kws_corpus needs two cores and nothing else: it
# can start only while both are free, i.e. first; Snakemake picks the jobs whose priorities sum
# highest, so its value exceeds any two single-thread priorities together.
PRIORITY = {
    "kws_corpus": 400, "benchmarks_build": 180,
    "detection_dataset": 150, "detection_seed": 75,
    "triplet_selectivity_tuning": 25, "triplet_selectivity_chip": 15,
    "pair_selectivity_tuning": 12, "pair_selectivity_chip": 4,
    "cricket_tuning": 8, "cricket_chip": 3,
    "energy": 30, "stdp": 25, "event_sampling": 20, "dynapse": 18, "discrete_lif": 14,
    "membrane": 13, "disynaptic": 8, "spike_codes": 8, "lif_fi": 6, "synapses": 4,
    "hebbian": 3, "lif_coincidence": 2,
    "detection": 10, "triplet_selectivity": 3, "pair_selectivity": 3, "cricket": 3,
}


def priority_of(rule):
    return PRIORITY.get(rule, 0)
