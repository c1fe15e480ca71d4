export * from './types.ts';
export * from './dsl.ts';
export { resolveScenario, loadScenario, normaliseLink, DEFAULTS, type ResolvedScenario, type ResolvedPart, type ResolvedLink, type ResolvedFault, type ResolvedTimelineEntry } from './validate.ts';
