import { at, latency, lockWait, scenario } from 'brownout';
import base from './slow-transaction.ts';

/**
 * Replayed from fixtures/logs/slow-transaction-broken.haproxy.log (haproxy), 2026-11-24 10:01:24.323 – 10:02:09.323 UTC
 * (45.0s of log) at 1× speed: 45 s of load. 1802 lines: 1801 requests, 1 line not parsed.
 *
 * The log per endpoint (requests; statuses; latency p50 / p95 / p99):
 *   POST /photos        910   201 71.4%, 504 28.6%;  21ms / 3.00s / 3.00s
 *   GET /photos/:id     891   200 100%;  1.00ms / 3.00ms / 9.00ms
 *
 * Incident: the slow-transaction outage, reproduced from its gateway's access log instead of a guessed
 * load: the same arrivals per second per endpoint, the same mix of photo ids. The log shows uploads
 * answered 504 after 3 s from 10 s to 23 s (HAProxy logs its timeout as 504 even where its error file
 * answers 503, as this gateway's does: the clients saw 503), while reads stayed fast.
 * Cause: thumbnails made inside the upload's transaction; the image processor became slow (4 s), and
 * a foreign transaction held an album row.
 * Fix: commit first, make the thumbnails after it (the photo service's fixed mode).
 *
 * Written by `brownout replay`, then filled in: the upload body, the faults, the expectations.
 */
export default scenario({
  name: 'slow-transaction-replay',
  incident: 'Uploads 503 while thumbnails are made inside the DB transaction, replayed from the access log of the outage',
  // The stack of the incident as './slow-transaction.ts' builds it: the same parts, links and modes.
  modes: base.modes,
  stack: base.stack,

  load: {
    script: 'load/slow-transaction-replay.k6.ts',
    target: 'edge',
    requestTimeout: '10s',
    // As in './slow-transaction.ts': the service's first 3 s (compiling, connecting) are not judged.
    warmUp: '3s',
    // The log's arrivals, second by second (open model, 1× speed): one k6 scenario per endpoint.
    arrivals: {
      post_photos:   [18, 20, 25, 21, 23, 18, 17, 19, 17, 20, 18, 16, 24, 26, 20, 27, 19, 17, 22, 24, 16, 15, 21, 24, 25, 20, 20, 20, 18, 19, 20, 14, 24, 17, 24, 20, 17, 22, 16, 20, 22, 17, 23, 23, 22],
      get_photos_id: [23, 20, 15, 19, 16, 22, 24, 21, 23, 20, 22, 24, 16, 13, 20, 14, 21, 23, 18, 16, 24, 24, 20, 16, 14, 21, 20, 19, 23, 21, 19, 26, 16, 23, 17, 20, 23, 17, 25, 20, 18, 23, 17, 16, 19],
    },
  },

  // Where the log shows 5xx (replay seconds; the log's time, UTC, in brackets):
  //   10 s – 23 s [10:01:34.323 – 10:01:47.323]: 257 of 520 requests failed (49.4%): 504 ×257; POST /photos ×257
  // The write-up: the image processor answered in 4 s instead of 0.2 s for 15 s; then a report's
  // transaction held the first album's row for 5 s (the log's small burst at 28 s).
  timeline: [
    at('10s', latency({ link: 'app→imager', latency: '4s' }), { for: '15s' }),
    at('28s', lockWait({ db: 'db', rows: 'SELECT * FROM albums WHERE id = 1' }), { for: '5s' }),
  ],

  // What the fix promises (as in slow-transaction), per endpoint of the log.
  expect: {
    baseline: ['p95{name:POST /photos} < 250ms', 'p95{name:GET /photos/:id} < 100ms', 'rate(5xx) < 0.1%', 'rate(no_response) == 0'],
    // Where the log shows half the uploads failing: uploads stay fast; only those to the locked album fail, fast.
    fault: ['p95{name:POST /photos} < 500ms', 'rate(503){name:POST /photos} < 5%', 'p99{name:POST /photos} < 1500ms', 'rate(5xx){name:GET /photos/:id} < 0.1%'],
    between: ['rate(5xx) < 0.1%'],
    recovery: ['recovery < 2s', 'rate(5xx) < 0.1%', 'p95{name:POST /photos} < 250ms'],
    overall: ['lost_writes == 0'],
    stableFor: '2s',
  },
  // Every upload answered 201 must be in the database afterwards.
  writes: { db: 'db', table: 'photos' },

  // What the log showed, per replay second: the HTML report draws it over the run's own curves.
  replayOf: {
    log: 'fixtures/logs/slow-transaction-broken.haproxy.log',
    format: 'haproxy',
    from: '2026-11-24T10:01:24.323Z',
    to: '2026-11-24T10:02:09.323Z',
    speed: 1,
    requests: [41, 40, 40, 40, 39, 40, 41, 40, 40, 40, 40, 40, 40, 39, 40, 41, 40, 40, 40, 40, 40, 39, 41, 40, 39, 41, 40, 39, 41, 40, 39, 40, 40, 40, 41, 40, 40, 39, 41, 40, 40, 40, 40, 39, 41],
    statuses: {
      '504': [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 18, 16, 24, 26, 20, 27, 19, 17, 22, 24, 16, 15, 13, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
  },
});
