import { at, gateway, kill, mariadb, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: a Node service ran as several instances behind a load balancer. One instance held a
 * leader lock and took the jobs; the others answered 503 "not leader". When the leader crashed, the
 * load balancer kept answering 502 until its health check (every 30 s, 3 failures) ejected the dead
 * instance, and jobs failed with 503 for good: the lock was a row naming its holder, and nothing
 * ever released it. The team had to tell 502 (the load balancer: instance gone) from 503 (the app:
 * not leader).
 * Fix: a lock that follows its holder's connection (MariaDB GET_LOCK), followers that retry it,
 * and health checks fast enough to eject a dead instance within a second.
 *
 * Scaled down: checks every 3 s with 3 failures in the broken mode (the write-up's 30 s / 3 / 2,
 * divided by 10); failover within 5 s in the fixed mode.
 */
export default scenario({
  name: 'lb-failover',
  incident: 'The leader instance crashes: 502s until the load balancer notices, then 503 "not leader" for good',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => {
    // Started in this order: app1 takes the lock first and is the leader when the load begins.
    const instance = (name: string) =>
      service({
        command: ['node', '--import', 'tsx', '../fixtures/jobs/server.ts'],
        ...sampleImage(import.meta.url),
        env: { MODE: mode, INSTANCE: name },
        dependsOn: ['db'],
      });
    return {
      db: mariadb({ schema: '../fixtures/jobs/schema.sql' }),
      app1: instance('app1'),
      app2: instance('app2'),
      edge: gateway({
        to: ['app1', 'app2'],
        timeout: '3s',
        // Jobs go to the instance whose /leader answers 200.
        leader: { paths: ['/jobs'], check: '/leader' },
        check: mode === 'fixed' ? { interval: '250ms', fall: 2, rise: 2 } : { interval: '3s', fall: 3, rise: 2 },
      }),
    };
  },

  // 80 VUs, not the default 160: k6 holds one keep-alive connection per VU, and HAProxy answers a
  // request whose server is gone with a 502 on a fresh connection but closes a used one unanswered,
  // for the client to retry (k6 does not retry a POST). The more connections, the later each VU's
  // first request after the kill, and the more of the 5 s after it show closed connections instead
  // of the incident's 502s (measured: 0% 502 with 240 VUs, 12.5% with 80). The target answers in
  // ~5 ms: 80 VUs never run short.
  load: { script: 'load/jobs.k6.ts', target: 'edge', rate: 40, duration: '40s', requestTimeout: '5s', preAllocatedVUs: 80 },

  timeline: [
    // The leader dies (the OOM killer, a node drained): no goodbye, its connections just close.
    at('15s', kill({ part: 'app1' })),
  ],

  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0'],
    recovery: [
      // Failover: jobs, which only a leader takes, are accepted again.
      'recovery{name:job} < 5s',
      // The load balancer's 502s (instance gone) in the 5 s after the crash...
      'rate(502){first:5s} < 1%',
    ],
    overall: [
      // ...and the app's 503s (not leader), told apart.
      'rate(503) < 1%',
      // How long the load balancer sent traffic to the dead instance.
      'ejection{part:app1} < 2s',
      // Every job answered 201 is in the database.
      'lost_writes == 0',
    ],
    steadyState: ['rate(5xx) == 0', 'rate(no_response) == 0'],
    stableFor: '2s',
  },
  writes: { db: 'db', table: 'jobs' },
});
