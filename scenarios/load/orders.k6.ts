// Orders: mostly new orders, some reads, a few rejected orders (qty 0: a 400 is the right answer).
import http from 'k6/http';
import { acknowledge } from 'brownout/k6';

const JSON_HEADERS = { 'content-type': 'application/json' };

export default function (): void {
  const r = Math.random();
  const base = __ENV.BASE_URL;
  const timeout = __ENV.REQUEST_TIMEOUT;
  if (r < 0.7) {
    const res = http.post(`${base}/orders`, JSON.stringify({ item: `item ${__ITER % 50}`, qty: 1 + (__ITER % 3) }), {
      headers: JSON_HEADERS,
      tags: { name: 'order' },
      timeout,
    });
    if (res.status === 201) acknowledge(Number((res.json() as { id?: number } | null)?.id));
  } else if (r < 0.95) {
    http.get(`${base}/orders/${1 + Math.floor(Math.random() * 100)}`, { tags: { name: 'read' }, timeout });
  } else {
    http.post(`${base}/orders`, JSON.stringify({ item: 'x', qty: 0 }), { headers: JSON_HEADERS, tags: { name: 'rejected' }, timeout });
  }
}
