import { mariadb, scenario, service } from '../../../harness/index.ts';

// A service that dies during start-up, after MariaDB and Toxiproxy are already up.
export default scenario({
  name: 'bad-start',
  incident: 'test: a part that fails to start',
  stack: () => ({
    db: mariadb({ schema: '../../../fixtures/photo/schema.sql' }),
    app: service({
      command: ['node', '-e', "console.error('FATAL cannot reach ' + process.env.DB_HOST + ':' + process.env.DB_PORT); process.exit(3)"],
      dependsOn: ['db'],
    }),
  }),
  load: { script: 'health.k6.ts', target: 'app', rate: 5, duration: '5s' },
  timeline: [],
  expect: { baseline: ['rate(5xx) == 0'] },
});
