import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../core/errors.ts';
import { readCompose } from '../compose.ts';
import { memcachedCommand, memcachedKind } from './memcached.ts';
import { planIn, resolvePart } from './testkit.ts';

describe('memcached part', () => {
  it('takes no option; a dependent is told its host, port and SERVERS (host:port, as memcached clients take it)', () => {
    const { part, problems } = resolvePart(memcachedKind, 'sessions', { kind: 'memcached' }, { sessions: 'memcached', app: 'service' });
    expect(problems).toEqual([]);
    expect(part).toEqual({ kind: 'memcached', name: 'sessions' });
    expect(memcachedKind.dependencyEnv({ kind: 'memcached', name: 'sessions' }, { host: '127.0.0.1', port: 4300 })).toEqual({
      SESSIONS_HOST: '127.0.0.1',
      SESSIONS_PORT: '4300',
      SESSIONS_SERVERS: '127.0.0.1:4300',
    });
    expect(resolvePart(memcachedKind, 'sessions', { kind: 'memcached', memory: 64 } as never, {}).problems[0]).toMatch(/memory/);
  });
  it('on containers: brownout’s image, the local settings (TCP only, 64 MB) on 11211', () => {
    const plan = planIn(memcachedKind, { kind: 'memcached', name: 'sessions' });
    expect(plan).toMatchObject({ kind: 'memcached', part: 'sessions', port: 11211, image: 'brownout/memcached:1.6', requires: ['brownout/memcached:1.6'] });
    expect(plan.command).toEqual(['memcached', '-l', '0.0.0.0', '-p', '11211', '-U', '0', '-m', '64']);
  });

  describe('its text protocol, one line each way', () => {
    // A server that answers as memcached does (recorded: 'VERSION 1.6.18', 'OK' to flush_all), and one that never answers.
    const servers: Server[] = [];
    const serve = (answer: (line: string) => string | undefined) =>
      new Promise<number>((resolve) => {
        const s = createServer((c) =>
          c.on('data', (b) => {
            const a = answer(b.toString().trim());
            if (a !== undefined) c.write(`${a}\r\n`);
          }),
        );
        servers.push(s);
        s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
      });
    afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));
    it('sends the line and reads the first line back; a server that never answers is an error within 1 s', async () => {
      const port = await serve((l) => (l === 'version' ? 'VERSION 1.6.18' : l === 'flush_all' ? 'OK' : 'ERROR'));
      expect(await memcachedCommand('127.0.0.1', port, 'version')).toBe('VERSION 1.6.18');
      expect(await memcachedCommand('127.0.0.1', port, 'flush_all')).toBe('OK');
      const silent = await serve(() => undefined);
      await expect(memcachedCommand('127.0.0.1', silent, 'version')).rejects.toThrow(/no answer to 'version' within 1 s/);
    });
  });
});

describe('a compose file’s memcached service', () => {
  it('becomes brownout’s memcached; a command of its own is a problem naming it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-mc-compose-'));
    try {
      const file = path.join(dir, 'docker-compose.yml');
      writeFileSync(file, 'services:\n  sessions:\n    image: memcached:1.6-alpine\n');
      expect(readCompose(file, 'docker-compose.yml', {}, {})).toMatchObject({ sessions: { kind: 'memcached' } });
      writeFileSync(file, "services:\n  sessions:\n    image: memcached:1.6\n    command: ['memcached', '-m', '512']\n");
      try {
        readCompose(file, 'docker-compose.yml', {}, {});
        expect.unreachable('a command of its own is refused');
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        expect((e as ScenarioError).problems.map((p) => p.message)).toEqual(['brownout runs its own memcached (fresh, 64 MB); it cannot honour -m 512']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
