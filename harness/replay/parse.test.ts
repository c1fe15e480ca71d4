import { describe, expect, it } from 'vitest';
import { parseHaproxy, parseJsonLine, parseNginx, resolveJsonMap, type JsonFieldMap } from './parse.ts';

describe('parseHaproxy', () => {
  // Recorded from the gateway of a slow-transaction run (HAProxy 2.6, option httplog).
  it('reads a request: accept date (ms), method, path, status, total time', () => {
    const r = parseHaproxy('127.0.0.1:44370 [24/Nov/2026:07:06:48.534] edge app/app 0/0/0/52/52 201 155 - - ---- 3/3/2/2/0 0/0 "POST /photos HTTP/1.1"');
    expect(r).toEqual({
      ok: true,
      request: { arrivalMs: Date.UTC(2026, 10, 24, 7, 6, 48, 534), method: 'POST', path: '/photos', status: 201, durationMs: 52 },
    });
  });
  it('reads a gateway timeout answered without a server, and a syslog prefix', () => {
    const r = parseHaproxy(
      'Nov 24 07:07:01 box haproxy[4242]: 127.0.0.1:45000 [24/Nov/2026:07:06:58.001] edge app/app 0/0/0/-1/3001 503 217 - - sH-- 40/40/39/39/0 0/0 "GET /photos/7?size=s HTTP/1.1"',
    );
    expect(r.ok && r.request).toMatchObject({ method: 'GET', path: '/photos/7?size=s', status: 503, durationMs: 3001 });
  });
  it('an aborted request has no status and no duration', () => {
    const r = parseHaproxy('127.0.0.1:45001 [24/Nov/2026:07:06:58.100] edge app/app 0/0/0/-1/-1 -1 0 - - CD-- 1/1/0/0/0 0/0 "GET /photos/1 HTTP/1.1"');
    expect(r.ok && r.request).toMatchObject({ status: 0, durationMs: undefined });
  });
  it('an absolute URI loses scheme and host', () => {
    const r = parseHaproxy(
      '10.0.0.1:1234 [24/Nov/2026:07:06:58.100] fe be/s1 0/0/0/5/5 200 10 - - ---- 1/1/0/0/0 0/0 "GET https://shop.example/cart?x=1 HTTP/2.0"',
    );
    expect(r.ok && r.request.path).toBe('/cart?x=1');
  });
  it('says why a line is not a request', () => {
    expect(parseHaproxy('127.0.0.1:44356 [24/Nov/2026:07:06:48.469] edge edge/<NOSRV> -1/-1/-1/-1/0 400 0 - - CR-- 1/1/0/0/0 0/0 "<BADREQ>"')).toEqual({
      ok: false,
      why: 'no request in it ("<BADREQ>")',
    });
    expect(parseHaproxy('[WARNING]  (1) : Server app/app is DOWN, reason: Layer4 connection problem')).toMatchObject({ ok: false });
  });
});

// Recorded from nginx 1.22.1 (Debian 12) proxying with a 1 s read timeout, its log formats:
//   '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'
//   escape=json '{"time":"$time_iso8601","method":"$request_method","uri":"$request_uri","status":$status,"request_time":$request_time}'
const NGINX_LINES = [
  '127.0.0.1 - - [24/Nov/2026:10:10:49 +0000] "GET /slow/3 HTTP/1.1" 504 167 "-" "curl/7.88.1" 1.001',
  '127.0.0.1 - - [24/Nov/2026:10:10:49 +0000] "GET /photos/7 HTTP/1.1" 200 3 "-" "k6/2.2.0 (https://k6.io/)" 0.000',
];
const NGINX_JSON = [
  '{"time":"2026-11-24T10:10:49+00:00","method":"GET","uri":"/slow/3","status":504,"request_time":1.001}',
  '{"time":"2026-11-24T10:10:49+00:00","method":"GET","uri":"/photos/7","status":200,"request_time":0.000}',
];

describe('recorded nginx lines, in both formats, give the same requests', () => {
  const at = Date.UTC(2026, 10, 24, 10, 10, 49);
  const want = [
    { arrivalMs: at - 1001, method: 'GET', path: '/slow/3', status: 504, durationMs: 1001 },
    { arrivalMs: at, method: 'GET', path: '/photos/7', status: 200, durationMs: 0 },
  ];
  it('combined + $request_time', () => {
    expect(NGINX_LINES.map((l) => parseNginx(l))).toEqual(want.map((request) => ({ ok: true, request })));
  });
  it('JSON lines, the time written at the response (--time-at end), request_time in seconds', () => {
    const m = resolveJsonMap(JSON.parse(NGINX_JSON[0] ?? ''), {}, undefined, true);
    expect(m).toEqual({ map: { time: 'time', method: 'method', path: 'uri', status: 'status', duration: 'request_time', durationUnit: 's', timeIsEnd: true } });
    const map = (m as { map: JsonFieldMap }).map;
    expect(NGINX_JSON.map((l) => parseJsonLine(l, map))).toEqual(want.map((request) => ({ ok: true, request })));
  });
});

describe('parseNginx', () => {
  it('combined plus $request_time: arrival is the log time minus the request time', () => {
    const r = parseNginx('127.0.0.1 - - [24/Nov/2026:08:06:48 +0100] "GET /photos/3 HTTP/1.1" 200 207 "-" "k6/2.2.0 (https://k6.io/)" 0.250');
    expect(r).toEqual({
      ok: true,
      request: { arrivalMs: Date.UTC(2026, 10, 24, 7, 6, 48) - 250, method: 'GET', path: '/photos/3', status: 200, durationMs: 250 },
    });
  });
  it('plain combined: no duration', () => {
    const r = parseNginx('10.1.2.3 - alice [24/Nov/2026:07:06:48 +0000] "POST /photos HTTP/1.1" 503 0 "https://a.example/x" "curl/8.0 \\"quoted\\""');
    expect(r.ok && r.request).toMatchObject({ method: 'POST', status: 503, durationMs: undefined, arrivalMs: Date.UTC(2026, 10, 24, 7, 6, 48) });
  });
  it('rejects a HAProxy line', () => {
    expect(parseNginx('127.0.0.1:44370 [24/Nov/2026:07:06:48.534] edge app/app 0/0/0/52/52 201 155 - - ---- 3/3/2/2/0 0/0 "POST /photos HTTP/1.1"').ok).toBe(
      false,
    );
  });
});

describe('JSON lines', () => {
  const first = { ts: '2026-11-24T07:06:48.534Z', method: 'get', path: '/photos/9', status: 200, duration_ms: 12 };
  it('finds the usual field names', () => {
    const m = resolveJsonMap(first, {}, undefined, false);
    expect(m).toEqual({ map: { time: 'ts', method: 'method', path: 'path', status: 'status', duration: 'duration_ms', durationUnit: 'ms', timeIsEnd: false } });
    const map = (m as { map: JsonFieldMap }).map;
    expect(parseJsonLine(JSON.stringify(first), map)).toEqual({
      ok: true,
      request: { arrivalMs: Date.UTC(2026, 10, 24, 7, 6, 48, 534), method: 'GET', path: '/photos/9', status: 200, durationMs: 12 },
    });
  });
  it('dotted fields, a whole request line, seconds, epoch time, time at the response', () => {
    const line = { '@timestamp': 1795503408.5, req: { line: 'DELETE /jobs/42 HTTP/1.1' }, res: { code: 504 }, request_time: 3.0 };
    const m = resolveJsonMap(line, { path: 'req.line', status: 'res.code' }, undefined, true);
    expect('map' in m && m.map).toMatchObject({ method: 'req.line', durationUnit: 's', timeIsEnd: true });
    const r = parseJsonLine(JSON.stringify(line), (m as { map: JsonFieldMap }).map);
    expect(r).toEqual({ ok: true, request: { arrivalMs: 1795503408500 - 3000, method: 'DELETE', path: '/jobs/42', status: 504, durationMs: 3000 } });
  });
  it('names the fields it cannot find', () => {
    expect(resolveJsonMap({ when: 'x', url: '/a' }, {}, undefined, false)).toEqual({ missing: ['time', 'method', 'status'] });
  });
  it('says why a line is not a request', () => {
    const map = (resolveJsonMap(first, {}, undefined, false) as { map: JsonFieldMap }).map;
    expect(parseJsonLine('{"ts":"2026-11-24T07:06:48Z","method":"GET","path":"/x"}', map)).toEqual({ ok: false, why: "no status in field 'status'" });
    expect(parseJsonLine('not json', map)).toEqual({ ok: false, why: 'not JSON' });
  });
});
