import { at, gateway, latency, mariadb, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: the search database slowed down for three seconds (a compaction). Search stayed down
 * for forty minutes after the database was fine again, until the on-call engineer drained most of
 * the traffic at the load balancer; then it came back within seconds, and stayed up when the
 * traffic returned. The API queued every search for a pool connection without a deadline and
 * worked through the queue even for searches whose clients had given up at the gateway's 1 s
 * timeout; the app retried every failed search twice. Once the queue was longer than the timeout,
 * every answer came too late, and the retries (three requests per search) kept it that long.
 * Fix: a deadline on the wait for a connection (300 ms): past it the API answers 503 with
 * Retry-After at once and does no work for it, so the queue never outgrows the timeout.
 *
 * Scaled down: 25 searches/s against a capacity of 50/s (5 connections, 100 ms per scan).
 */
export default scenario({
  name: 'search-backlog',
  incident: 'A 3 s database slowdown left search down at full load until traffic was drained: a backlog of retried work for clients who had left',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    db: mariadb({ schema: '../fixtures/search/schema.sql' }),
    app: service({
      command: ['node', '--import', 'tsx', '../fixtures/search/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      dependsOn: ['db'],
    }),
    edge: gateway({ to: 'app', timeout: '1s' }),
  }),

  load: {
    script: 'load/search.k6.ts',
    target: 'edge',
    rate: 25,
    duration: '44s',
    requestTimeout: '5s',
    // What the on-call engineer did: 6 s after the database is back, drain the traffic to 10% for
    // 14 s, then let it all back in.
    shed: { after: '6s', to: '10%', for: '14s' },
  },

  timeline: [
    // The compaction: every query answers 400 ms later (a scan holds its connection 500 ms: 10 searches/s).
    at('10s', latency({ link: 'app→db', latency: '400ms' }), { for: '3s', name: 'db-slow' }),
  ],

  expect: {
    baseline: ['p95 < 300ms', 'rate(5xx) == 0'],
    // Back at the offered load, before anyone drains traffic: a queue that outgrew the timeout
    // would keep itself long with the retries, and recover only once the load is shed.
    recovery: ['recovery < 3s'],
  },
});
