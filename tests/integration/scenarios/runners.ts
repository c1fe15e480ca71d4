import { at, gateway, latency, scenario, service } from '../../../harness/index.ts';

// The same target and rate for one k6 runner or several: the merged figures must agree.
export default scenario({
  name: 'runners-probe',
  incident: 'test: load split across k6 runners is judged on the merged samples',
  stack: () => ({
    svc: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'] }),
    edge: gateway({ to: 'svc', timeout: '5s' }),
  }),
  load: { script: 'health.k6.ts', target: 'edge', rate: 60, duration: '12s' },
  timeline: [at('4s', latency({ link: 'edge→svc', latency: '200ms' }), { for: '4s' })],
  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0'],
    fault: ['p50 >= 200ms', 'p50 < 300ms'],
    recovery: ['p95 < 100ms'],
  },
});
