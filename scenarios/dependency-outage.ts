import { at, down, gateway, httpError, latency, mariadb, resetPeer, scenario, service, timeout } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: a service (an API + a database + an HTTP client to a vendor API) froze and crashed:
 * pool connections went stale, HTTP clients had no timeouts, nothing bounded a request, so every
 * request hung while a dependency was slow or gone.
 * Fix: pool acquire timeout, pre-ping, statement and client timeouts, and answers that say what
 * failed: "DB unreachable" → 503 with Retry-After, "upstream failed" → 504, within a request deadline.
 *
 * Scaled down: the vendor client gives up after 2 s (the write-up's 30 s read timeout), the load
 * tool after 5 s (so a hang shows as "no response").
 *
 * Its correctness half: when the vendor answers errors, the broken service prices the item 0 and
 * answers 200 (fast, no 5xx): only the load script's check on the body fails.
 */
export default scenario({
  name: 'dependency-outage',
  incident: 'Requests hang when the database or the vendor API is slow or gone: no timeouts anywhere',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    db: mariadb({ schema: '../fixtures/catalog/schema.sql' }),
    vendor: service({ command: ['node', '--import', 'tsx', '../fixtures/catalog/vendor.ts'], ...sampleImage(import.meta.url) }),
    api: service({
      command: ['node', '--import', 'tsx', '../fixtures/catalog/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      dependsOn: ['db', 'vendor'],
    }),
    edge: gateway({ to: 'api', timeout: '30s' }),
  }),

  // Hanging requests each hold a VU for up to 5 s: enough VUs up front, so the load stays open-model.
  // The first second is the stack's cold start (p95 90–180 ms there, 15–30 ms after): not judged.
  load: { script: 'load/catalog.k6.ts', target: 'edge', rate: 20, duration: '46s', requestTimeout: '5s', preAllocatedVUs: 150, maxVUs: 250, warmUp: '2s' },

  timeline: [
    // The database stops answering: packets vanish (a blackhole), connections stay open.
    at('6s', timeout({ link: 'api→db' }), { for: '7s' }),
    // The vendor API becomes very slow.
    at('15s', latency({ link: 'api→vendor', latency: '10s' }), { for: '5s' }),
    // The database is gone: connections refused, open ones dropped.
    at('23s', down({ link: 'api→db' }), { for: '4s' }),
    // Connections to the database are reset.
    at('30s', resetPeer({ link: 'api→db' }), { for: '3s' }),
    // The vendor answers 503 to every price lookup.
    at('36s', httpError({ link: 'api→vendor', status: 503 }), { for: '3s', name: 'vendor-errors' }),
  ],

  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0', 'rate(no_response) == 0'],
    fault: [
      // Bounded: nothing hangs until the client gives up, every request gets an answer.
      'rate(no_response) == 0',
      'p99 < 3500ms',
      // No unclassified failures: a dependency problem is a 503 (database) or a 504 (vendor).
      'rate(500) == 0',
      'rate(502) == 0',
    ],
    // What the client got back: an honest 504, never an item priced 0.
    'vendor-errors': ['rate(checks){check:a 200 has its price} == 100%', 'rate(no_response) == 0'],
    between: ['rate(no_response) == 0', 'rate(500) == 0'],
    recovery: ['recovery < 2s', 'rate(5xx) < 1%', 'rate(no_response) == 0'],
    stableFor: '2s',
  },
});
