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

.PHONY: chaos setup setup-test setup-containers test typecheck unit integration soak teardown-soak flake-hunt bench clean

setup:
	@bash harness/setup/setup.sh

# A Docker engine (started when none answers) and the containers backend's images, built here from
# a debootstrapped Debian 12: no registry needed. Idempotent: seconds once done.
setup-containers: setup
	@bash harness/setup/containers.sh

# The tests also need Debian's chromium (the HTML report is checked in a real browser).
setup-test:
	@bash harness/setup/setup.sh --with-browser

# The gate: setup (idempotent), then brownout run. brownout exits 0 pass, 1 expectation failed, 2
# harness error; make passes 0 on, and ends any other status with its own 2 and a last line naming
# brownout's ("make: *** [Makefile:NN: chaos] Error 1"). The 0/1/2 contract is brownout's (and
# junit.xml's and summary.md's); CI needs only make's zero or not.
chaos: setup $(if $(filter containers,$(STACK)),setup-containers)
	@$(BROWNOUT) run $(SCENARIO) --mode $(MODE) $(GATE_ARGS)

# Unit tests (pure logic) and integration tests (the real stack: MariaDB, Toxiproxy, HAProxy, k6;
# on both backends, so the engine and the images are set up too). Two lanes side by side, then the
# files that need the machine alone (vitest.config.ts, tests/suite.ts); it ends with the time by file.
test: setup-test setup-containers typecheck
	@node --import tsx tests/suite.ts

# Types, then the formatter and the linter (Biome, biome.jsonc): `npx biome check --write .` fixes what it can.
typecheck:
	@npx biome ci --colors=off .
	@npx tsc -p tsconfig.json
	@npx tsc -p scenarios/load/tsconfig.json
	@npx tsc -p harness/report/browser/tsconfig.json

unit:
	@npx vitest run harness

integration: setup-test setup-containers
	@npx vitest run tests/integration

# The gate suite RUNS times in each mode: fixed must pass every time, broken must fail every time.
# CONTINUE=1 adds RUNS more to the soak already in reports/soak (a long soak split over jobs).
soak: setup
	@$(BROWNOUT) soak $(SOAK_SCENARIOS) --runs $(RUNS) --modes fixed,broken $(if $(CONTINUE),--continue)

# The teardown paths (pass, SIGINT) RUNS times each with every core kept busy by a CPU burner:
# zero processes may survive (reports/teardown-soak.md). About 30 s a run.
teardown-soak: setup
	@RUNS=$(RUNS) node --import tsx tests/soak/teardown-soak.ts

# Integration test files RUNS times each (default 5) with one core kept busy: reports/flake-hunt.md.
# FILES="tests/integration/x.test.ts ..." picks them (default: those that start processes, but the longest).
flake-hunt: setup-test setup-containers
	@node --import tsx tests/soak/flake-hunt.ts

# The harness's own speed and the agreement of its numbers, written to reports/bench.json and bench.md
# (about 30 minutes; it reports, it never fails on a timing). One part: make bench PART=stack (or cold, suite, memory, containers).
bench: setup setup-containers
	@node --import tsx harness/bench/main.ts $(PART)

clean:
	rm -rf reports/*/
