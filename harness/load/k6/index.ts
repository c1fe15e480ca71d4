// What a k6 load script imports: `import { acknowledge, writeKey, attempted } from 'brownout/k6'` (k6 types only here).
export { acknowledge, ACK_METRIC } from './acknowledge.ts';
export { attempted, writeKey, ATTEMPT_METRIC, WRITE_METRIC } from './attempt.ts';
