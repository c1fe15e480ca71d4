import { at, freeze, gateway, kill, mariadb, request, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: a Node + MySQL service died on uncaught exceptions and leaked pool connections. It was
 * started with a bare `node app.js`, so nothing restarted it: availability was 85-90%.
 * Fix: error handlers, a bounded pool that always releases, a process manager that restarts the
 * service (PM2), a /health endpoint: recovery "within 30 s", availability 99%+.
 *
 * Scaled down: recovery within 3 s. The order API's `rejected` requests (qty 0) are answered 400 by
 * design and are left out of availability.
 */
export default scenario({
  name: 'crash-recovery',
  incident: 'A service that dies on an uncaught exception or a kill stays down: nothing restarts it',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    db: mariadb({ schema: '../fixtures/orders/schema.sql' }),
    app: service({
      command: ['node', '--import', 'tsx', '../fixtures/orders/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      dependsOn: ['db'],
      ...(mode === 'fixed' ? { supervisor: 'pm2' as const } : {}),
    }),
    edge: gateway({ to: 'app', timeout: '3s' }),
  }),

  load: { script: 'load/orders.k6.ts', target: 'edge', rate: 20, duration: '58s', requestTimeout: '5s' },

  timeline: [
    // The process stops answering for a moment (a long GC pause, a stuck event loop).
    at('8s', freeze({ part: 'app' }), { for: '1s' }),
    // A customer sends a malformed coupon: the handler throws.
    at('16s', request({ part: 'app', method: 'POST', path: '/orders', body: '{"item":"x","qty":1,"coupon":"SAVE%%"}' })),
    // The process is killed (the OOM killer, a node drained).
    at('30s', kill({ part: 'app' })),
  ],

  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0'],
    recovery: ['recovery < 3s'],
    overall: [
      // Availability over the whole run: requests answered without a 5xx or a timeout (a rejected
      // order's 400 is a correct answer). The fixed service fails 0.5–1.0% of them (10 runs here,
      // both backends, 2026-12-02), every one in the ~0.4 s PM2 takes to restart the killed
      // process: HAProxy closes requests it had sent on its connections to the dead process
      // unanswered (for the client to retry) and answers 502 to those that come meanwhile. The
      // limit is twice the worst of those runs; broken fails ~72%.
      'rate(failed) < 2%',
      // No leak: after the run the service holds no more connections than its pool allows.
      'connections{db:db} <= 10',
      // Every order answered 201 is in the database, across the freeze, the crash and the kill.
      'lost_writes == 0',
    ],
    steadyState: ['rate(5xx) == 0', 'rate(no_response) == 0'],
    stableFor: '2s',
  },
  writes: { db: 'db', table: 'orders' },
});
