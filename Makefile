# One entry point for people and CI. Every target sets itself up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# pabot starts its workers as `robot` from PATH: the venv must come first.
export PATH := $(BIN):$(PATH)
RESULTS := results

.PHONY: install e2e test unit robot-e2e robot-e2e-serial robot-live lanes lint libdoc bench wheel clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## The main job: the no-model e2e suite in parallel, each worker with its own mock server.
e2e: install
	pabot --processes 4 --pabotlibport 0 --outputdir $(RESULTS)/e2e robot/e2e

## Everything CI checks: lint, unit/contract tests, robot suites (pabot and plain), libdoc.
## Every stage runs even when an earlier one fails; the summary names the failed ones.
STAGES := lint lanes unit robot-e2e robot-e2e-serial robot-live libdoc
test: install
	MAKE="$(MAKE)" .ci/stages $(STAGES)

unit: install
	python -m pytest

robot-e2e: e2e

robot-e2e-serial: install
	robot --outputdir $(RESULTS)/e2e-serial robot/e2e

## The nightly lane: skips (rc 0) without RUN_LIVE_TESTS and credentials.
robot-live: install
	robot --include live --outputdir $(RESULTS)/live robot/live

lanes: install
	agenttest lanes check robot
	agenttest cassette check robot/e2e/cassettes --tests robot/e2e

lint: install
	ruff check src tests benchmarks robot
	ruff format --check src tests benchmarks robot
	mypy
	robocop check robot src/AgentTestLibrary/resources
	robocop format --check robot src/AgentTestLibrary/resources

## A wheel for other projects: dist/robotframework_agenttestlibrary-VERSION-py3-none-any.whl
wheel: install
	python -m pip wheel --quiet --no-deps --wheel-dir dist .

libdoc: install
	python -m robot.libdoc AgentTestLibrary $(RESULTS)/docs/AgentTestLibrary.html

bench: install
	python benchmarks/peers.py
	python benchmarks/fault_latency.py
	python benchmarks/harness.py
	python benchmarks/e2e_time.py

clean:
	rm -rf $(VENV) $(RESULTS) .pabotsuitenames .bench-cache
