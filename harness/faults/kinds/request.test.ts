import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { StartedPart } from '../../stack/index.ts';
import { requestKind } from './request.ts';
import { recordingStack, resolved, resolveWith } from './testkit.ts';

describe('request', () => {
  const got: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${body}`);
      res.end('ok');
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("sends one request straight to the service's own port, its body as JSON", async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { fault, label } = resolved(requestKind, { type: 'request', part: 'app', method: 'POST', path: '/admin/leak', body: '{"n":1}' }, 0);
    expect(label).toBe('request POST /admin/leak to app');
    const rec = recordingStack();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    (rec.stack.parts as Map<string, StartedPart>).set('app', { kind: 'service', name: 'app', url, restart: async () => undefined });
    const applied = await requestKind.apply(fault, rec.stack, 'f0', label);
    expect(got).toEqual(['POST /admin/leak application/json {"n":1}']);
    await applied.heal();
  });
  it('GET by default; refuses a path without its leading slash and a part that is not a service', () => {
    expect(resolved(requestKind, { type: 'request', part: 'app', path: '/' }, 0).fault.method).toBe('GET');
    expect(resolveWith(requestKind, { type: 'request', part: 'app', path: 'admin' }).problems[0]).toMatch(/^timeline\[0\]\.fault\.path: /);
    expect(resolveWith(requestKind, { type: 'request', part: 'db', path: '/' }).problems).toEqual([
      "timeline[0].fault.part: 'db' is not a service part of the stack",
    ]);
  });
});
