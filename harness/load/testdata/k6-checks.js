// brownout: recorded k6 output of a load script's own metrics (harness/load/testdata/k6-checks.jsonl).
import { check, group } from 'k6';
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const searchMs = new Trend('search_ms', true);
const items = new Trend('items');
const orders = new Counter('orders');
const queue = new Gauge('queue');
const okBody = new Rate('ok_body');

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 4 } } };

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/`, { tags: { name: 'ok' } });
  check(res, { 'status 200': (r) => r.status === 200, 'has items': (r) => __ITER % 2 === 0 });
  group('checkout', () => {
    check(null, { 'in a group': () => true });
  });
  searchMs.add(10 + __ITER);
  items.add(__ITER * 3);
  orders.add(2);
  queue.add(5 - __ITER);
  okBody.add(__ITER !== 3);
}
