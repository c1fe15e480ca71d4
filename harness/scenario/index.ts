export * from './types.ts';
export * from './dsl.ts';
export * from './vary.ts';
export {
  resolveScenario,
  loadScenario,
  partHit,
  normaliseLink,
  isLoopback,
  DEFAULTS,
  type ResolveOptions,
  type ResolvedScenario,
  type ResolvedPart,
  type ResolvedLink,
  type ResolvedFault,
  type ResolvedTimelineEntry,
  type ResolvedLoad,
  type ResolvedArrivals,
} from './validate.ts';
export { importScenarioFile, SCENARIO_LOAD_TIMEOUT_MS, scenarioModes } from './import.ts';
