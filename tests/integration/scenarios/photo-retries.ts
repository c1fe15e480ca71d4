import { at, gateway, latency, mariadb, scenario, service } from '../../../harness/index.ts';

/**
 * The thumbnails incident with clients that retry: every upload answered 5xx is sent again 1 s
 * later with the same Idempotency-Key. In broken mode the first try commits after the gateway's 503
 * and the retry inserts a second row: a duplicate. In fixed mode nothing fails, nothing doubles. In
 * ack-early mode the upload is answered 201 before its commit, which the slow thumbnails then roll back: lost.
 */
export default scenario({
  name: 'photo-retries',
  incident: 'test: retried uploads after a 503 that committed anyway make duplicates',
  modes: ['fixed', 'broken', 'ack-early'],
  stack: ({ mode }) => ({
    db: mariadb({ schema: '../../../fixtures/photo/schema.sql', seed: '../../../fixtures/photo/seed.sql' }),
    imager: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'] }),
    app: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/server.ts'], env: { MODE: mode }, dependsOn: ['db', 'imager'] }),
    edge: gateway({ to: 'app', timeout: '3s', timeoutStatus: 503 }),
  }),
  load: {
    script: '../../../scenarios/load/photos.k6.ts',
    target: 'edge',
    rate: 10,
    duration: '20s',
    requestTimeout: '10s',
    // A retried upload takes up to 3 s + 1 s + 3 s: VUs for 10/s of those, ready before the start.
    preAllocatedVUs: 100,
    maxVUs: 150,
    env: { UPLOAD_SHARE: '1', UPLOAD_RETRIES: '1' },
  },
  timeline: [at('4s', latency({ link: 'app→imager', latency: '4s' }), { for: '6s', name: 'slow-thumbnails' })],
  expect: {
    baseline: ['rate(5xx) < 1%'],
    overall: ['lost_writes == 0', 'committed_after_failure == 0', 'duplicate_writes == 0'],
  },
  writes: { db: 'db', table: 'photos', attemptKey: 'idempotency_key' },
});
