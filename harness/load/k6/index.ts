// What a k6 load script imports: `import { acknowledge } from 'brownout/k6'` (k6 types only here).
export { acknowledge, ACK_METRIC } from './acknowledge.ts';
