import { at, flushCache, gateway, mariadb, redis, restart, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: an API gateway (new-api) kept its channel table in a memory cache synced from the
 * database (through Redis). After a refresh the first request found no channel and answered 503
 * "no available channel": first-request success was 50%, the 503 rate 5-10%.
 * Fix: on a miss, refresh the cache and retry once, then fall back to the database: first-request
 * success 99.9%+.
 */
export default scenario({
  name: 'cold-cache',
  incident: 'After a cache flush or a restart the first requests find no channel and get 503',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    db: mariadb({ schema: '../fixtures/router/schema.sql' }),
    cache: redis(),
    app: service({
      command: ['node', '--import', 'tsx', '../fixtures/router/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      dependsOn: ['db', 'cache'],
    }),
    edge: gateway({ to: 'app', timeout: '3s' }),
  }),

  load: { script: 'load/router.k6.ts', target: 'edge', rate: 20, duration: '40s', requestTimeout: '5s' },

  timeline: [
    // Someone (a deploy script, an operator) flushes Redis.
    at('10s', flushCache({ part: 'cache' })),
    // The gateway is restarted: its in-process cache starts empty.
    at('24s', restart({ part: 'app' })),
  ],

  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0'],
    overall: [
      // The requests in the first second after each flush or restart all find their channel.
      'rate(2xx){first:1s} >= 99.9%',
      // "No available channel" is never the answer (a restart's own connection gap shows as 502, not 503).
      'rate(503) < 0.1%',
    ],
    recovery: ['rate(5xx) < 0.1%'],
  },
});
