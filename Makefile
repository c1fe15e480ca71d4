# brownout: `make chaos` runs the gate (0 pass, 1 expectation failed, 2 harness error).
MODE ?= fixed
# Every scenario, or one: make chaos SCENARIO=scenarios/slow-transaction.ts
SCENARIO ?= $(wildcard scenarios/*.ts)
BROWNOUT = node --import tsx harness/cli/main.ts
# The regression gate: compared with reports/baseline.json when it exists (or BASELINE=file);
# SAVE_BASELINE=reports/baseline.json stores this run as the baseline; MAX_REGRESSION= the margins.
BASELINE ?= $(wildcard reports/baseline.json)
# RUNNERS=3 splits the load across three k6 processes (k6 execution segments); STACK=containers
# runs the stack in containers (make setup-containers first: an engine and the images, built here);
# IMAGES=upstream takes the official images from their registries instead.
GATE_ARGS = $(if $(STACK),--stack $(STACK)) $(if $(IMAGES),--images $(IMAGES)) $(if $(RUNNERS),--runners $(RUNNERS)) $(if $(BASELINE),--baseline $(BASELINE)) $(if $(SAVE_BASELINE),--save-baseline $(SAVE_BASELINE)) $(if $(MAX_REGRESSION),--max-regression $(MAX_REGRESSION))

RUNS ?= 10
SOAK_SCENARIOS ?= $(wildcard scenarios/*.ts)

.PHONY: setup setup-test setup-containers test typecheck unit integration soak teardown-soak bench clean

setup:
	@bash harness/setup/setup.sh

# A Docker engine (started when none answers) and the containers backend's images, built here from
# a debootstrapped Debian 12: no registry needed. Idempotent: seconds once done.
setup-containers: setup
	@bash harness/setup/containers.sh

# The tests also need Debian's chromium (the HTML report is checked in a real browser).
setup-test:
	@bash harness/setup/setup.sh --with-browser

# `make chaos` must exit exactly as brownout does: 0 pass, 1 expectation failed, 2 harness error.
# GNU make turns any failing recipe into status 2, and exits 1 only in question mode (-q), where a
# target that is not up to date gives 1. So for this goal the run happens while the Makefile is
# read (its output on stderr), and its status decides: 0 → the goal is up to date (make exits 0),
# 1 → it is not (make exits 1), 2 → $(error) (make exits 2).
ifeq ($(MAKECMDGOALS),chaos)
MAKEFLAGS += -q
CHAOS_STATUS := $(shell { bash harness/setup/setup.sh && $(if $(filter containers,$(STACK)),IMAGES=$(IMAGES) bash harness/setup/containers.sh &&) $(BROWNOUT) run $(SCENARIO) --mode $(MODE) $(GATE_ARGS); } >&2; echo $$?)
ifeq ($(CHAOS_STATUS),0)
chaos: ;
else ifeq ($(CHAOS_STATUS),1)
chaos:
	@true
else
$(error brownout: harness error (exit $(CHAOS_STATUS)); see the message above)
endif
endif

# Unit tests (pure logic) and integration tests (the real stack: MariaDB, Toxiproxy, HAProxy, k6;
# on both backends, so the engine and the images are set up too).
test: setup-test setup-containers typecheck
	@mkdir -p reports
	@npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json; rc=$$?; \
	  node harness/cli/test-summary.mjs reports/vitest.json || true; exit $$rc

typecheck:
	@npx tsc -p tsconfig.json
	@npx tsc -p scenarios/load/tsconfig.json
	@npx tsc -p harness/report/browser/tsconfig.json

unit:
	@npx vitest run harness

integration: setup-test setup-containers
	@npx vitest run tests/integration

# The gate suite RUNS times in each mode: fixed must pass every time, broken must fail every time.
soak: setup
	@$(BROWNOUT) soak $(SOAK_SCENARIOS) --runs $(RUNS) --modes fixed,broken

# The teardown paths (pass, SIGINT) RUNS times each with every core kept busy by a CPU burner:
# zero processes may survive (reports/teardown-soak.md). About 30 s a run.
teardown-soak: setup
	@RUNS=$(RUNS) node --import tsx tests/soak/teardown-soak.ts

# The harness's own speed and the agreement of its numbers, written to reports/bench.json and bench.md
# (about 30 minutes; it reports, it never fails on a timing). One part: make bench PART=stack (or cold, suite, memory, containers).
bench: setup setup-containers
	@node --import tsx harness/bench/main.ts $(PART)

clean:
	rm -rf reports/*/
