import http from 'k6/http';

export default function (): void {
  http.get(`${__ENV.BASE_URL}/health`, { tags: { name: 'health' }, timeout: __ENV.REQUEST_TIMEOUT });
}
