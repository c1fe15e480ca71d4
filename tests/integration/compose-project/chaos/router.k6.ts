// Chat requests for five models, each needing its routing channel.
import http from 'k6/http';

export default function (): void {
  const model = `m${1 + Math.floor(Math.random() * 5)}`;
  http.get(`${__ENV.BASE_URL}/v1/chat?model=${model}`, { tags: { name: 'chat' }, timeout: __ENV.REQUEST_TIMEOUT });
}
