import { mariadb, scenario, service } from '../../../harness/index.ts';

// A service whose env holds secrets, printed by its setup step and by the service before it dies:
// none may reach a report, a kept log or the terminal.
export const API_TOKEN = 'tok-5e3cr3t-api-value';
export const PASSWORD_IN_URL = 'p4ss-in-the-url';
export default scenario({
  name: 'leaky-env',
  incident: 'test: the scenario’s secrets stay out of reports',
  stack: () => ({
    db: mariadb(),
    app: service({
      env: { API_TOKEN, UPSTREAM_URL: `https://svc:${PASSWORD_IN_URL}@upstream.invalid/`, MODE: 'broken' },
      setup: ['node', '-e', "console.log('setup: token ' + process.env.API_TOKEN + ' db ' + process.env.DB_PASSWORD)"],
      command: [
        'node',
        '-e',
        "console.log('config: ' + process.env.API_TOKEN + ' ' + process.env.UPSTREAM_URL + ' mode ' + process.env.MODE); process.exit(1)",
      ],
      dependsOn: ['db'],
    }),
  }),
  load: { script: 'health.k6.ts', target: 'app', rate: 5, duration: '5s', env: { SESSION_SECRET: 'sess-5e3cr3t-value' } },
  timeline: [],
  expect: { baseline: ['rate(5xx) == 0'] },
});
