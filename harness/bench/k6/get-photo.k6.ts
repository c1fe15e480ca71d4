// The bench's load: one cheap read, the same URL every time, so that k6, the harness and an
// independent tool (autocannon) measure the same thing.
import http from 'k6/http';

export default function (): void {
  http.get(`${__ENV.BASE_URL}/photos/1`, { tags: { name: 'read' }, timeout: __ENV.REQUEST_TIMEOUT });
}
