// Checkouts: each one a charge at the payment provider and a row in the database.
import http from 'k6/http';

const JSON_HEADERS = { 'content-type': 'application/json' };

export default function (): void {
  http.post(`${__ENV.BASE_URL}/checkout`, JSON.stringify({ amount: 500 + (__ITER % 100) }), {
    headers: JSON_HEADERS,
    tags: { name: 'checkout' },
    timeout: __ENV.REQUEST_TIMEOUT,
  });
}
