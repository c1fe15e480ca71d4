import { at, diskFull, gateway, mariadb, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident: the database's disk filled up. The event API retried every failed insert until it went
 * through ("a hiccup"), so each write hung until the gateway's 3 s timeout (504): clients saw
 * timeouts, not an answer they could act on, and retried into the same wall.
 * Fix: a write the database refuses for a full disk is answered 503 with Retry-After at once; the
 * reads go on; once space is freed the writes go through again.
 */
export default scenario({
  name: 'disk-full',
  incident: 'A full database disk turned every write into a hang until the gateway timed out',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    db: mariadb({ schema: '../fixtures/events/schema.sql' }),
    app: service({
      command: ['node', '--import', 'tsx', '../fixtures/events/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      dependsOn: ['db'],
    }),
    edge: gateway({ to: 'app', timeout: '3s' }),
  }),

  load: { script: 'load/events.k6.ts', target: 'edge', rate: 30, duration: '34s', requestTimeout: '5s' },

  timeline: [at('10s', diskFull({ part: 'db' }), { for: '12s', name: 'disk-full' })],

  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0'],
    'disk-full': [
      // A refused write is answered at once and honestly: 503, never a gateway timeout.
      'p95{name:write} < 500ms',
      'rate(504) == 0',
      // The reads do not notice.
      'rate(2xx){name:read} == 100%',
    ],
    recovery: ['recovery < 2s'],
    steadyState: ['rate(5xx) == 0'],
    stableFor: '2s',
  },
});
