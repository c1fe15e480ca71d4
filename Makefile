# brownout: `make chaos` runs the gate (0 pass, 1 expectation failed, 2 harness error).
MODE ?= fixed
SCENARIO ?= scenarios/slow-transaction.ts
BROWNOUT = node --import tsx harness/cli/main.ts

.PHONY: setup chaos test typecheck unit integration clean

setup:
	@bash harness/setup/setup.sh

chaos: setup
	@$(BROWNOUT) run $(SCENARIO) --mode $(MODE)

test: setup typecheck
	@npx vitest run

typecheck:
	@npx tsc -p tsconfig.json
	@npx tsc -p scenarios/load/tsconfig.json

unit:
	@npx vitest run harness

integration: setup
	@npx vitest run tests/integration

clean:
	rm -rf reports/*/
