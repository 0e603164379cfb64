# dgforecast: `make report` sets everything up and runs the main job; `make test` runs the tests.
# VENV can point elsewhere (CI uses a fresh temporary one): make VENV=/tmp/venv test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dgforecast-installed

.PHONY: report data test install lab clean

report: $(STAMP)
	$(BIN)/dgforecast data
	$(BIN)/dgforecast report

data: $(STAMP)
	$(BIN)/dgforecast data

test: $(STAMP)
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test,dask]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV)
