import { scenario, service } from '../../../harness/index.ts';

// A service that leaves a daemon holding its port: the run must say so and exit 2.
export default scenario({
  name: 'daemonizing-service',
  incident: 'test: a process that outlives teardown is a cleanup failure',
  stack: () => ({
    app: service({ command: ['node', 'daemonizing-service.cjs'] }),
  }),
  load: { script: 'health.k6.ts', target: 'app', rate: 10, duration: '3s' },
  timeline: [],
  expect: { baseline: ['rate(5xx) == 0'] },
});
