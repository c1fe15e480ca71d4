import { at, gateway, latency, scenario, service } from '../../../harness/index.ts';

// A 300 ms latency toxic on the gateway's link must show in the measured p50.
export default scenario({
  name: 'latency-probe',
  incident: 'test: a latency toxic shows in the measured figures',
  stack: () => ({
    svc: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'] }),
    edge: gateway({ to: 'svc', timeout: '5s' }),
  }),
  load: { script: 'health.k6.ts', target: 'edge', rate: 20, duration: '10s' },
  timeline: [at('3s', latency({ link: 'edge→svc', latency: '300ms' }), { for: '4s' })],
  expect: {
    baseline: ['p50 < 50ms', 'rate(5xx) == 0'],
    fault: ['p50 >= 300ms', 'p50 < 400ms'],
    recovery: ['recovery < 1s', 'p50 < 50ms'],
    stableFor: '1s',
  },
});
