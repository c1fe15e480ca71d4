// Reads of the catalog: each one touches the database and the vendor API.
import http from 'k6/http';

export default function (): void {
  const id = 1 + Math.floor(Math.random() * 100);
  http.get(`${__ENV.BASE_URL}/items/${id}`, { tags: { name: 'item' }, timeout: __ENV.REQUEST_TIMEOUT });
}
