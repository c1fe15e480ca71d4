// Reads of the catalog: each one touches the database and the vendor API.
import { check } from 'k6';
import http from 'k6/http';

export default function (): void {
  const id = 1 + Math.floor(Math.random() * 100);
  const res = http.get(`${__ENV.BASE_URL}/items/${id}`, { tags: { name: 'item' }, timeout: __ENV.REQUEST_TIMEOUT });
  // What the client got back: a 200 must carry the item's price (a 503 or 504 is an honest failure,
  // judged by the status figures). Judged per phase: rate(checks){check:a 200 has its price}.
  check(res, { 'a 200 has its price': (r) => r.status !== 200 || priceOf(r.body) > 0 });
}

function priceOf(body: unknown): number {
  try {
    return Number((JSON.parse(String(body)) as { price?: unknown }).price) || 0;
  } catch {
    return 0;
  }
}
