// The public API of brownout: what scenario files import.
// Every part kind and every fault kind: its helper and its documented type.
export * from './stack/public.ts';
export * from './faults/public.ts';
export {
  scenario,
  at,
} from './scenario/index.ts';
export type {
  ScenarioDefinition,
  TimelineEntry,
  LoadProfile,
  Expectations,
  StackContext,
  WriteCheck,
  ReplaySource,
} from './scenario/index.ts';
export { runScenario, type RunOptions, type RunOutcome } from './run/index.ts';
export { HarnessError, ScenarioError, StackStartError, StackError, FaultError, LoadError } from './core/errors.ts';
