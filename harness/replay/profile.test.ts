import { describe, expect, it } from 'vitest';
import type { LogRequest } from './parse.ts';
import { functionName, profileOf, routeOf } from './profile.ts';

describe('routeOf', () => {
  it.each([
    ['/photos/123', '/photos/:id'],
    ['/photos/123?size=s', '/photos/:id'],
    ['/albums/7/photos/9', '/albums/:id/photos/:id'],
    ['/orders/3f2b8c1e-9a4d-4f7e-8b2a-1c3d5e7f9a0b', '/orders/:id'],
    ['/blobs/deadbeef42', '/blobs/:id'],
    ['/s/AbC123xyz789QWE456', '/s/:id'],
    ['/blog/how-we-fixed-it', '/blog/how-we-fixed-it'],
    ['/v2/health', '/v2/health'],
    ['/', '/'],
  ])('%s → %s', (p, route) => expect(routeOf(p)).toBe(route));
});

describe('functionName', () => {
  it('a valid, unique export name per endpoint', () => {
    expect(functionName('GET', '/photos/:id', new Set())).toBe('get_photos_id');
    expect(functionName('GET', '/', new Set())).toBe('get_root');
    expect(functionName('GET', '/photos/:id', new Set(['get_photos_id']))).toBe('get_photos_id_2');
  });
});

const T0 = Date.UTC(2026, 10, 24, 7, 0, 0);
const req = (s: number, method: string, path: string, status = 200, durationMs: number | undefined = 10): LogRequest => ({
  arrivalMs: T0 + s * 1000,
  method,
  path,
  status,
  durationMs,
});

describe('profileOf', () => {
  // 6 s of log: reads every 0.5 s, uploads that fail with 503 from 2 s to 4 s.
  const log: LogRequest[] = [];
  for (let i = 0; i < 12; i++) log.push(req(i / 2, 'GET', `/photos/${(i % 3) + 1}`, 200, i + 1));
  for (let s = 0; s < 6; s++) log.push(req(s + 0.25, 'POST', '/photos', s >= 2 && s < 4 ? 503 : 201, 20));

  it('arrivals per endpoint per second, status mix, latency, paths by frequency', () => {
    const p = profileOf(log, { speed: 1 });
    expect(p.seconds).toBe(6);
    const get = p.endpoints.find((e) => e.key === 'GET /photos/:id');
    expect(get).toMatchObject({ fn: 'get_photos_id', perSecond: [2, 2, 2, 2, 2, 2], count: 12, statuses: { '200': 12 }, p50Ms: 6, p95Ms: 12, p99Ms: 12 });
    expect(get?.paths).toEqual(['/photos/1', '/photos/2', '/photos/3']);
    const post = p.endpoints.find((e) => e.key === 'POST /photos');
    expect(post).toMatchObject({ perSecond: [1, 1, 1, 1, 1, 1], statuses: { '201': 4, '503': 2 } });
    expect(p.requests).toEqual([3, 3, 3, 3, 3, 3]);
    expect(p.statuses).toEqual({ '503': [0, 0, 1, 1, 0, 0] });
  });

  it('marks the 5xx burst with its endpoints', () => {
    // One 503 in a second is below the burst threshold of two: two uploads a second here.
    const more = [...log, ...[2, 3].map((s) => req(s + 0.75, 'POST', '/photos', 503))];
    const p = profileOf(more, { speed: 1 });
    expect(p.bursts).toEqual([{ fromS: 2, toS: 4, requests: 8, errors: 4, byStatus: { '503': 4 }, byEndpoint: [['POST /photos', 4]] }]);
  });

  it('--speed folds log seconds into replay seconds; a window drops what is outside', () => {
    const p = profileOf(log, { speed: 2 });
    expect(p.seconds).toBe(3);
    expect(p.requests).toEqual([6, 6, 6]);
    const w = profileOf(log, { speed: 1, fromMs: T0 + 1000, toMs: T0 + 3000 });
    expect(w.seconds).toBe(2);
    expect(w.requests).toEqual([3, 3]);
    expect(w.outside).toBe(12);
  });
});
