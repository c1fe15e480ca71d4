import { gateway, scenario, service } from '../../../harness/index.ts';

// Too few VUs for the rate: each 1 s request holds its VU, so the runners drop iterations.
export default scenario({
  name: 'runners-saturated',
  incident: 'test: a saturated k6 runner makes the run untrusted',
  stack: () => ({
    svc: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'], env: { THUMBNAIL_MS: '1000' } }),
    edge: gateway({ to: 'svc', timeout: '5s' }),
  }),
  load: { script: 'slow.k6.ts', target: 'edge', rate: 12, duration: '5s', preAllocatedVUs: 3, maxVUs: 3 },
  timeline: [],
  expect: { baseline: ['rate(5xx) == 0'] },
});
