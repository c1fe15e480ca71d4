/**
 * The measures (one file each, registered in registry.ts), how an expectation is read
 * (expectation.ts) and how a run is judged through them (judge.ts).
 */
export { MEASURE_KINDS, measureOf, type MetricKind, type MetricRef } from './registry.ts';
export * from './expectation.ts';
export * from './judge.ts';
export type { Expectation as ExpectationOf, ExpectationResult, Failed, MeasureKind, Op, PhaseContext, RunFacts, ScenarioFacts, Unit } from './kind.ts';
export { compare, verdict } from './kind.ts';
export { noMatchNote, type RequestFigure } from './over-requests.ts';
export { holds, measure } from './requests.ts';
export { abortHit, describeAbort, parseAbortCondition, type AbortCondition, type AbortHit } from './abort.ts';
export { matchesStatus, parseStatus, type StatusSelector } from './rate.ts';
export { describeShed, recoveryTime, sharePercent, shedVerdict, type RecoveryResult, type ShedVerdict } from './recovery.ts';
export { ejectionMs } from './ejection.ts';
export { partsByPhase, slopePerMinute, type PartFigures, type PartSample } from './rss.ts';
export type { WriteMetric } from './writes.ts';
export type { CounterMetric } from './counters.ts';
