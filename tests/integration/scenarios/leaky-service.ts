import { mariadb, scenario, service } from '../../../harness/index.ts';

// A service that prints its database password and dies: the password must not reach any report.
export default scenario({
  name: 'leaky-service',
  incident: 'test: secrets stay out of reports',
  stack: () => ({
    db: mariadb(),
    app: service({
      command: ['node', '-e', "console.log('config: DB_PASSWORD=' + process.env.DB_PASSWORD); process.exit(1)"],
      dependsOn: ['db'],
    }),
  }),
  load: { script: 'health.k6.ts', target: 'app', rate: 5, duration: '5s' },
  timeline: [],
  expect: { baseline: ['rate(5xx) == 0'] },
});
