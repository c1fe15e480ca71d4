import { gateway, scenario, service } from '../../index.ts';

// The bench's memory run: 2 000 requests/s for 120 s through HAProxy and Toxiproxy, no fault.
export default scenario({
  name: 'rss-120s',
  incident: 'bench: the harness peak RSS over a 120 s run at 2 000/s',
  stack: () => ({
    svc: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'] }),
    edge: gateway({ to: 'svc', timeout: '5s' }),
  }),
  load: {
    script: '../../../tests/integration/scenarios/health.k6.ts',
    target: 'edge',
    rate: 2000,
    duration: '120s',
    requestTimeout: '5s',
    preAllocatedVUs: 200,
    maxVUs: 1000,
  },
  timeline: [],
  expect: { baseline: ['rate(5xx) == 0'] },
});
