// Notifications: each user polls for what is new.
import http from 'k6/http';

export default function (): void {
  http.get(`${__ENV.BASE_URL}/notifications?user=u${__ITER % 500}`, { tags: { name: 'poll' }, timeout: __ENV.REQUEST_TIMEOUT });
}
