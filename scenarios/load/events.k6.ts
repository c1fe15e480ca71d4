// Events: clients record events (~2 KB of data each) and read recent ones back.
import http from 'k6/http';

const JSON_HEADERS = { 'content-type': 'application/json' };
const DATA = { note: 'x'.repeat(2000) };

export default function (): void {
  const base = __ENV.BASE_URL;
  const timeout = __ENV.REQUEST_TIMEOUT;
  if (Math.random() < 0.5) {
    http.post(`${base}/events`, JSON.stringify({ kind: 'click', data: DATA }), { headers: JSON_HEADERS, tags: { name: 'write' }, timeout });
  } else {
    http.get(`${base}/events/${1 + Math.floor(Math.random() * 100)}`, { tags: { name: 'read' }, timeout });
  }
}
