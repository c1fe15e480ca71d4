// Jobs API: mostly reads (any instance), some jobs (the leader only; each accepted job is checked
// in the database after the run).
import http from 'k6/http';
import { acknowledge } from 'brownout/k6';

const JSON_HEADERS = { 'content-type': 'application/json' };

export default function (): void {
  const base = __ENV.BASE_URL;
  const timeout = __ENV.REQUEST_TIMEOUT;
  if (Math.random() < 0.7) {
    http.get(`${base}/items/${1 + Math.floor(Math.random() * 100)}`, { tags: { name: 'read' }, timeout });
  } else {
    const res = http.post(`${base}/jobs`, JSON.stringify({ payload: `job ${__VU}-${__ITER}` }), { headers: JSON_HEADERS, tags: { name: 'job' }, timeout });
    if (res.status === 201) acknowledge(Number((res.json() as { id?: number } | null)?.id));
  }
}
