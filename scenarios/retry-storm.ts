import { at, gateway, httpError, mariadb, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: the payment provider started answering 503 to about 30% of calls. The checkout service
 * called it inside the checkout's database transaction and retried every failure three times, a
 * second apart. Each failing checkout held a pool connection for seconds; the pool ran dry, every
 * checkout queued behind it, and the API timed out for nearly everyone, the 70% whose charge
 * would have gone through included. The provider's partial outage became our full one.
 * Fix: call the provider before taking a connection, with a timeout; retry once, after a jittered
 * backoff, within a retry budget (retries at most 20% of calls); answer 503 with Retry-After when
 * the charge still fails. The provider's failures then show through to the share they hit, and no
 * further.
 *
 * Scaled down: 50 checkouts/s, a 10-connection pool, a 3 s gateway timeout, 12 s of provider errors.
 */
export default scenario({
  name: 'retry-storm',
  incident: "A dependency's 30% errors, retried inside a transaction, exhaust the pool and fail every request",
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    db: mariadb({ schema: '../fixtures/checkout/schema.sql' }),
    payments: service({ command: ['node', '--import', 'tsx', '../fixtures/checkout/payments.ts'], ...sampleImage(import.meta.url) }),
    app: service({
      command: ['node', '--import', 'tsx', '../fixtures/checkout/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      dependsOn: ['db', 'payments'],
    }),
    edge: gateway({ to: 'app', timeout: '3s', timeoutStatus: 503 }),
  }),

  // The stack's first second is its cold start (tsx compiling, the pool connecting): p95 150–370 ms
  // there against 30–60 ms after (soak, one core busy). The incident is not a cold start.
  load: { script: 'load/checkout.k6.ts', target: 'edge', rate: 50, duration: '36s', requestTimeout: '5s', warmUp: '3s' },

  timeline: [
    // The provider sheds load: 30% of charges answered 503 (through a real HTTP proxy on the link).
    at('10s', httpError({ link: 'app→payments', status: 503, share: 0.3 }), { for: '12s', name: 'payments-503' }),
  ],

  expect: {
    baseline: ['p95 < 150ms', 'rate(5xx) == 0'],
    // The provider's errors show through to the checkouts whose charge failed twice (or found the
    // budget spent), about 16%, and no further; nobody waits for the gateway's timeout. The budget
    // (retries at most 20% of calls) bounds the calls at 1.25 per checkout.
    'payments-503': ['rate(5xx) < 25%', 'p95 < 500ms', 'rate(no_response) == 0', 'upstream_calls_per_request{link:app→payments} < 1.3'],
    // Once the provider is back, one call per checkout: no backlog of retries still running.
    recovery: ['recovery < 2s', 'rate(5xx) < 1%', 'upstream_calls_per_request{link:app→payments} < 1.1'],
    stableFor: '2s',
  },
});
