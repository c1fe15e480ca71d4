export { bundleLoadScript } from './bundle.ts';
export {
  startK6,
  k6Config,
  arrivalStages,
  k6Version,
  segmentArgs,
  K6_BIN,
  K6_STOPPED,
  type K6Run,
  type K6Options,
  type LoadArrivals,
  type LoadShedStep,
} from './k6.ts';
export { ResultReader, readResultsFile, mergeResults, saturation, saturationFix, type LoadResults, type RunnerLoad } from './results.ts';
export { ResultTail, type ProgressFigures } from './tail.ts';
export { k8sManifests, runnerArguments, RUNNER_OUT, SCRIPT_FILE, CONFIG_FILE, type K8sExportOptions } from './k8s.ts';
export { unseenTags } from './tags.ts';
