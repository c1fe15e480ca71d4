import http from 'k6/http';

// WHICH comes from the scenario's load.env.
export default function (): void {
  http.get(`${__ENV.BASE_URL}/${__ENV.WHICH ?? 'unset'}`, { tags: { name: 'page' }, timeout: __ENV.REQUEST_TIMEOUT });
}
