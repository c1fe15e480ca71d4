// The mobile app's search: a failed search is retried twice, after the Retry-After the API asked
// for (at most 1 s) or else 100 ms, as the app's HTTP client does.
import { sleep } from 'k6';
import http from 'k6/http';

const WORDS = ['retry', 'load', 'deadline', 'queue', 'pool', 'timeout'];

export default function (): void {
  const q = WORDS[__ITER % WORDS.length] ?? 'retry';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = http.get(`${__ENV.BASE_URL}/search?q=${q}`, { tags: { name: 'search', attempt: String(attempt) }, timeout: __ENV.REQUEST_TIMEOUT });
    if (r.status > 0 && r.status < 500) return;
    if (attempt < 3) sleep(Math.min(1, Number(r.headers['Retry-After'] ?? '') || 0.1));
  }
}
