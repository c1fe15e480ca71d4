// Replayed from fixtures/logs/slow-transaction-broken.haproxy.log: one function per endpoint of the log, each run by its own k6
// scenario at the log's arrivals per second (load.arrivals in the scenario). Requests are tagged
// with their endpoint, which expectations filter on: p95{name:POST /photos}.
// A k6 script: only k6 modules and relative files here.
import http from 'k6/http';
import exec from 'k6/execution';
import { acknowledge } from 'brownout/k6';

const BASE_URL = __ENV.BASE_URL;
const TIMEOUT = __ENV.REQUEST_TIMEOUT || '10s';

/** The scenario's n-th arrival sends the n-th path, in turn: the log's spread of ids, not one hot row. */
function nth(paths: readonly string[]): string {
  return paths[exec.scenario.iterationInTest % paths.length] ?? '/';
}

// POST /photos: 910 requests in the log.
const POST_PHOTOS_PATHS = ['/photos'];
export function post_photos(): void {
  // The log has no bodies: an upload into one of the ten seeded albums, as the clients sent them.
  const albumId = 1 + (exec.scenario.iterationInTest % 10);
  const res = http.request('POST', `${BASE_URL}${nth(POST_PHOTOS_PATHS)}`, JSON.stringify({ albumId, title: `replayed ${exec.scenario.iterationInTest}` }), {
    headers: { 'content-type': 'application/json' },
    tags: { name: 'POST /photos' },
    timeout: TIMEOUT,
  });
  // A 201 acknowledges the upload: the harness checks afterwards that each one is in the database.
  if (res.status === 201) acknowledge(Number((res.json() as { id?: number } | null)?.id));
}

// GET /photos/:id: 891 requests in the log; its 100 most requested paths.
const GET_PHOTOS_ID_PATHS = ['/photos/55', '/photos/6', '/photos/3', '/photos/93', '/photos/95', '/photos/1', '/photos/15', '/photos/49', '/photos/96', '/photos/11', '/photos/13', '/photos/29', '/photos/38', '/photos/43', '/photos/7', '/photos/18', '/photos/20', '/photos/31', '/photos/41', '/photos/46', '/photos/47', '/photos/48', '/photos/51', '/photos/56', '/photos/59', '/photos/82', '/photos/83', '/photos/99', '/photos/100', '/photos/17', '/photos/2', '/photos/21', '/photos/22', '/photos/36', '/photos/42', '/photos/5', '/photos/70', '/photos/72', '/photos/74', '/photos/77', '/photos/85', '/photos/88', '/photos/97', '/photos/10', '/photos/19', '/photos/23', '/photos/25', '/photos/54', '/photos/58', '/photos/63', '/photos/68', '/photos/71', '/photos/73', '/photos/8', '/photos/84', '/photos/91', '/photos/24', '/photos/33', '/photos/44', '/photos/50', '/photos/53', '/photos/76', '/photos/80', '/photos/87', '/photos/89', '/photos/9', '/photos/90', '/photos/94', '/photos/12', '/photos/28', '/photos/34', '/photos/4', '/photos/40', '/photos/45', '/photos/86', '/photos/26', '/photos/30', '/photos/37', '/photos/39', '/photos/52', '/photos/57', '/photos/61', '/photos/62', '/photos/65', '/photos/66', '/photos/67', '/photos/69', '/photos/75', '/photos/78', '/photos/16', '/photos/32', '/photos/92', '/photos/98', '/photos/14', '/photos/27', '/photos/64', '/photos/35', '/photos/79', '/photos/81', '/photos/60'];
export function get_photos_id(): void {
  http.request('GET', `${BASE_URL}${nth(GET_PHOTOS_ID_PATHS)}`, null, {
    tags: { name: 'GET /photos/:id' },
    timeout: TIMEOUT,
  });
}
