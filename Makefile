# dgforecast: `make report` sets everything up and runs the main job; `make test` runs the tests.
# VENV can point elsewhere (CI uses a fresh temporary one): make VENV=/tmp/venv test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dgforecast-installed

.PHONY: report data test test-fast install kernel lab notebook-git mutation docs-figures clean

report: $(STAMP)
	$(BIN)/dgforecast data
	$(BIN)/dgforecast report

data: $(STAMP)
	$(BIN)/dgforecast data

# Every test (what CI runs), spread over every core by pytest-xdist; what several test modules or workers
# read (the session's report, a notebook run, a memo) is built once for all of them (tests/conftest.py: built_once).
test: $(STAMP)
	$(BIN)/python -m pytest -n auto

# The loop while editing: every test but the slow ones, those that run notebooks and the browser's
# (markers in pyproject.toml), spread over every core (pytest-xdist); make test (what CI runs) runs them all.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not slow and not notebooks and not browser"

install: $(STAMP) kernel notebook-git

# The figures of README.md and docs/*.md, copied from benchmarks/results/ and params.yaml into their
# <!-- figures: … --> blocks (standard library only: no venv needed); tests/test_docs.py fails until
# this is run after a results file changed. See docs/development.md, "Figure blocks".
docs-figures:
	$(PYTHON) benchmarks/readme_figures.py

# Mutation testing of the measurement model (benchmarks/mutation.py; 3-4 minutes on 2 cores):
# installs the mutmut version the script is written for into the venv, then runs it. Options go in
# MUTATION_ARGS, e.g. make mutation MUTATION_ARGS='--paths dgforecast/pins.py --tests tests/test_pins.py'
MUTMUT_VERSION = $(shell sed -n 's/^MUTMUT_VERSION = "\(.*\)"/\1/p' benchmarks/mutation.py)
mutation: $(STAMP)
	$(BIN)/python -m pip install -q 'mutmut==$(MUTMUT_VERSION)'
	$(BIN)/python benchmarks/mutation.py $(MUTATION_ARGS)

# The kernel the notebooks name ("dgforecast"), registered inside the venv only (as ipykernel install
# --sys-prefix would), so JupyterLab opens them on this interpreter; it leaves the Python version out of
# the notebook's metadata (dgforecast/run/kernel.py, docs/git.md). The report runner starts its own kernel.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test,dask]'
	$(BIN)/python -m dgforecast.run.kernel
	$(notebook_git)
	touch $(STAMP)

# Registered again by install and lab, so a venv made before the kernel changed gets it too.
kernel: $(STAMP)
	$(BIN)/python -m dgforecast.run.kernel

# Jupyter refuses to start as root unless told; CI and containers run as root.
lab: $(STAMP) kernel notebook-git
	$(BIN)/jupyter lab notebooks/ $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi)

# Notebooks in git (this clone only; docs/git.md): nbstripout strips outputs,
# execution counts and the front end's run-time metadata when a notebook of notebooks/ is staged (the
# fixtures of tests/notebooks/ are left as they are); nbdime shows `git diff` of a notebook cell by
# cell (sources and metadata: outputs never reach git) and merges notebooks. The filter and drivers
# are named by absolute path, so git finds them without an activated venv. Of the kernel's
# language_info only the interpreter's version is stripped (another kernel than the workbook's writes
# it): the rest is what JupyterLab writes on every save, and stripping it would leave every saved
# notebook marked modified in `git status` (git trusts a changed file size without running the filter).
NB_STRIP_KEYS := metadata.language_info.version
NB_ATTRIBUTES := '/notebooks/*.ipynb filter=nbstripout' '*.ipynb diff=jupyternotebook merge=jupyternotebook'
NB_BIN = $(abspath $(BIN))
define notebook_git
@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
  git config filter.nbstripout.clean '"$(NB_BIN)/python" -m nbstripout' && \
  git config filter.nbstripout.smudge cat && \
  git config filter.nbstripout.required true && \
  git config filter.nbstripout.extrakeys '$(NB_STRIP_KEYS)' && \
  git config diff.jupyternotebook.command '$(NB_BIN)/git-nbdiffdriver diff --ignore-outputs --ignore-id --ignore-details' && \
  git config merge.jupyternotebook.name 'jupyter notebook merge driver' && \
  git config merge.jupyternotebook.driver '$(NB_BIN)/git-nbmergedriver merge %O %A %B %L %P' && \
  attributes=$$(git rev-parse --git-path info/attributes) && mkdir -p "$$(dirname "$$attributes")" && \
  for line in $(NB_ATTRIBUTES); do \
    grep -qxF "$$line" "$$attributes" 2>/dev/null || echo "$$line" >> "$$attributes"; done && \
  echo "git: notebooks/ are stripped of outputs when staged (nbstripout) and diffed cell by cell (nbdime)"; \
else echo "not a git work tree: notebook filters not set up"; fi
endef

notebook-git: $(STAMP)
	$(notebook_git)

clean:
	rm -rf $(VENV)
