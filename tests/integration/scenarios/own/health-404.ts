import { scenario, service } from '../../../../harness/index.ts';

export default scenario({
  name: 'own-health-404',
  incident: 'a service whose readiness path is not the one the scenario names',
  stack: () => ({ app: service({ command: ['node', 'server.cjs', '--port', '${PORT}'], health: '/ready', startupTimeout: '60s' }) }),
  load: { script: 'own.k6.ts', target: 'app', rate: 5, duration: '3s' },
  timeline: [],
  expect: { overall: ['rate(2xx) == 100%'] },
});
