// The load of the slow-transaction incident: uploads into ten albums and reads of existing photos.
// A k6 script: only k6 modules here (its tsconfig has no Node types).
import { sleep } from 'k6';
import http from 'k6/http';
import { attempted, writeKey } from 'brownout/k6';

const BASE_URL = __ENV.BASE_URL;
const TIMEOUT = __ENV.REQUEST_TIMEOUT || '10s';
/** Share of iterations that upload; the rest read. */
const UPLOAD_SHARE = Number(__ENV.UPLOAD_SHARE || '0.5');
/** How often a client tries an upload again after a 5xx or no answer (1 s later, the same key), as a retrying app would. */
const RETRIES = Number(__ENV.UPLOAD_RETRIES || '0');
const ALBUMS = 10;
const SEEDED_PHOTOS = 100;

export default function (): void {
  if (Math.random() < UPLOAD_SHARE) {
    const albumId = 1 + Math.floor(Math.random() * ALBUMS);
    // Each upload carries a key the service stores: afterwards the harness looks every one up and
    // classes it (in the database or not, against what the client heard).
    const key = writeKey();
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      if (attempt > 0) sleep(1);
      const res = http.post(`${BASE_URL}/photos`, JSON.stringify({ albumId, title: `upload ${__VU}-${__ITER}` }), {
        headers: { 'content-type': 'application/json', 'idempotency-key': String(key) },
        tags: { name: attempt === 0 ? 'upload' : 'upload-retry' },
        timeout: TIMEOUT,
      });
      attempted(key, res.status);
      if (res.status !== 0 && res.status < 500) break;
    }
  } else {
    const id = 1 + Math.floor(Math.random() * SEEDED_PHOTOS);
    http.get(`${BASE_URL}/photos/${id}`, { tags: { name: 'read' }, timeout: TIMEOUT });
  }
}
