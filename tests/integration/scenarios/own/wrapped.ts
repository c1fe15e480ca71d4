import { at, kill, mariadb, scenario, service } from '../../../../harness/index.ts';

/**
 * A team's service the way teams start theirs: through a shell that does not exec, its port as a
 * flag, migrations first, a database with its own settings. The kill must hit the server itself.
 */
export default scenario({
  name: 'own-wrapped',
  incident: 'the server behind a wrapper shell is killed; nothing may keep serving',
  stack: () => ({
    db: mariadb({ variables: { innodb_lock_wait_timeout: 7, max_connections: 123 } }),
    app: service({ command: ['sh', '-c', 'node server.cjs --port ${PORT}'], setup: ['node', 'migrate.cjs'], dependsOn: ['db'] }),
  }),
  load: { script: 'own.k6.ts', target: 'app', rate: 20, duration: '8s', requestTimeout: '1s', env: { WHICH: 'expected' } },
  timeline: [at('4s', kill({ part: 'app' }))],
  expect: {
    // load.env reached the script: every request before the kill went to /expected.
    baseline: ['rate(2xx) == 100%'],
    // The server itself died (a shell killed alone would leave it serving).
    recovery: ['rate(no_response) > 90%'],
  },
});
