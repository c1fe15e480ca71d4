import { at, gateway, latency, scenario, service } from '../../../harness/index.ts';
import { sampleImage } from '../../../fixtures/image.ts';

// A latency fault whose limit is known: the health answer takes ~2 ms, so the fault phase's p50 stays
// under 250 ms until the latency itself reaches about 248 ms. The scenario uses 100 ms: margin ~2.5×.
export default scenario({
  name: 'margin-probe',
  incident: 'test: the margin search finds the latency at which p50 crosses its limit',
  stack: () => ({
    svc: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'], ...sampleImage(import.meta.url) }),
    edge: gateway({ to: 'svc', timeout: '5s' }),
  }),
  load: { script: 'health.k6.ts', target: 'edge', rate: 20, duration: '6s' },
  timeline: [at('2s', latency({ link: 'edge→svc', latency: '100ms' }), { for: '3s', name: 'slow-link' })],
  expect: {
    'slow-link': ['p50 < 250ms'],
    stableFor: '1s',
  },
});
