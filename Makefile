# brownout: `make chaos` runs the gate (0 pass, 1 expectation failed, 2 harness error).
MODE ?= fixed
# Every scenario, or one: make chaos SCENARIO=scenarios/slow-transaction.ts
SCENARIO ?= $(wildcard scenarios/*.ts)
BROWNOUT = node --import tsx harness/cli/main.ts

RUNS ?= 10
SOAK_SCENARIOS ?= $(wildcard scenarios/*.ts)

.PHONY: setup chaos test typecheck unit integration soak clean

setup:
	@bash harness/setup/setup.sh

chaos: setup
	@$(BROWNOUT) run $(SCENARIO) --mode $(MODE)

# Unit tests (pure logic) and integration tests (the real stack: MariaDB, Toxiproxy, HAProxy, k6).
test: setup typecheck
	@mkdir -p reports
	@npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json; rc=$$?; \
	  node harness/cli/test-summary.mjs reports/vitest.json || true; exit $$rc

typecheck:
	@npx tsc -p tsconfig.json
	@npx tsc -p scenarios/load/tsconfig.json

unit:
	@npx vitest run harness

integration: setup
	@npx vitest run tests/integration

# The gate suite RUNS times in each mode: fixed must pass every time, broken must fail every time.
soak: setup
	@$(BROWNOUT) soak $(SOAK_SCENARIOS) --runs $(RUNS) --modes fixed,broken

clean:
	rm -rf reports/*/
