# The suite's two commands: `make reproduce` (every study, full config) and `make test`.
# Each sets up what it needs first (.venv, compiled kernels, Debian packages) and is idempotent.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= all
SNAKEMAKE := $(BIN)/snakemake
STAMP_DEPS := $(VENV)/.deps-stamp
STAMP_APT  := $(VENV)/.apt-stamp
PYX := $(shell find neurobench -name '*.pyx' -o -name '*.pxd' -o -name '*.h')
EXT_STAMP := $(VENV)/.ext-stamp

.PHONY: all env reproduce quick test lint clean-results help

help:
	@echo "make reproduce  - set up, then run every study (config/config.yaml) into results/"
	@echo "make test       - set up, then run the test suite"
	@echo "make quick      - set up, then run the workflow with config/quick.yaml"
	@echo "make env        - set up only (.venv, compiled kernels, Debian packages)"
	@echo "make lint       - snakemake --lint"

env: $(STAMP_DEPS) $(EXT_STAMP) $(STAMP_APT)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_DEPS): requirements/requirements.txt requirements/constraints.txt $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements/requirements.txt -c requirements/constraints.txt
	touch $@

$(EXT_STAMP): $(STAMP_DEPS) $(PYX) setup.py pyproject.toml
	$(BIN)/pip install --quiet --no-build-isolation --no-deps -e .
	$(BIN)/python -c "import neurobench.core"
	touch $@

$(STAMP_APT): requirements/apt.txt
	@pkgs=$$(grep -v '^#' requirements/apt.txt | xargs); \
	missing=$$(for p in $$pkgs; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done | xargs); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian packages: $$missing"; \
	  (apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)) || \
	  { echo "apt-get failed for: $$missing"; exit 1; }; \
	else echo "NOTE: please install the Debian packages: $$missing (studies that need them will say so)"; fi
	@mkdir -p $(VENV) && touch $@

reproduce: env
	$(SNAKEMAKE) --cores $(CORES)

quick: env
	$(SNAKEMAKE) --cores $(CORES) --configfile config/quick.yaml

lint: env
	$(SNAKEMAKE) --lint

test: env
	$(BIN)/python -m pytest -q

clean-results:
	rm -rf results/*/ results/scorecard.* results/.??*

# HTML report: every study's figures, tables and claims with captions, the scorecard
# on the front page, and results/MANIFEST.tsv. REPORT_CONFIG=config/quick.yaml for the quick run.
REPORT_CONFIG ?= config/config.yaml
.PHONY: report test-slurm
report: env
	$(SNAKEMAKE) --cores $(CORES) report_assets --configfile $(REPORT_CONFIG)
	$(SNAKEMAKE) --report results/report.html report_assets --configfile $(REPORT_CONFIG)
	@echo "report: results/report.html"

# The SLURM path on a one-machine cluster started here (root; Debian packages in
# requirements/apt-slurm.txt). NEUROBENCH_SLURM_TARGETS=all runs the whole quick workflow.
test-slurm: env
	bash tests/slurm/local_cluster.sh install
	NEUROBENCH_SLURM_TEST=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_slurm.py
