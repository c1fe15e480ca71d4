export { bundleLoadScript } from './bundle.ts';
export { startK6, k6Config, k6Version, K6_BIN, type K6Run, type K6Options } from './k6.ts';
export { ResultReader, readResultsFile, type LoadResults } from './results.ts';
export { ResultTail, type LiveFigures } from './tail.ts';
