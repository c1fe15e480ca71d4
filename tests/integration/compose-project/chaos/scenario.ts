import { at, flushCache, fromCompose, latency, scenario } from '../../../../harness/index.ts';

/**
 * The cold-cache incident on the team's own compose stack (../docker-compose.yml, read unchanged):
 * after a Redis flush the broken app answers 503 "no available channel" until its next sync; the
 * fixed one falls back to the database. A latency toxic on every link on the way, each reached by
 * the name the compose file dials (lb → app:3000, app → db:3306 and cache:6379).
 */
export default scenario({
  name: 'compose-cold-cache',
  incident: 'test: a compose stack behind Toxiproxy; after a cache flush the first requests get 503',
  modes: ['fixed', 'broken'],
  // The compose file's ${APP_MODE} from the mode, as `APP_MODE=broken docker compose up` would.
  stack: ({ mode }) => fromCompose('../docker-compose.yml', { env: { APP_MODE: mode } })({ mode }),
  load: { script: 'router.k6.ts', target: 'lb', rate: 20, duration: '18s', requestTimeout: '5s' },
  timeline: [
    at('3s', latency({ link: 'lb→app', latency: '100ms' }), { for: '3s', name: 'slow-app' }),
    at('7s', latency({ link: 'app→db', latency: '20ms' }), { for: '2s', name: 'slow-db' }),
    at('10s', flushCache({ part: 'cache' })),
    at('13s', latency({ link: 'app→cache', latency: '20ms' }), { for: '2s', name: 'slow-cache' }),
  ],
  expect: {
    baseline: ['rate(5xx) == 0'],
    'slow-app': ['p50 > 90ms', 'rate(5xx) == 0'],
    overall: ['rate(503) < 0.1%'],
  },
});
