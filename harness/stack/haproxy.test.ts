import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CleanupList } from '../core/cleanup.ts';
import { adminSocketPath, haproxyConfig, MAX_SOCKET_PATH, parseDroppedLogs, parseShowStat } from './haproxy.ts';

describe('haproxy stats', () => {
  it('reads DroppedLogs from a recorded `show info` (HAProxy 2.6; the count edited to 3)', () => {
    const info = readFileSync(path.join(import.meta.dirname, 'testdata', 'haproxy-2.6-show-info.txt'), 'utf8');
    expect(parseDroppedLogs(info)).toBe(3);
    expect(parseDroppedLogs('Name: HAProxy\n')).toBeUndefined();
  });

  it('reads server states from a recorded `show stat` (HAProxy 2.6: one server up, others down)', () => {
    const csv = readFileSync(path.join(import.meta.dirname, 'testdata', 'haproxy-2.6-show-stat.csv'), 'utf8');
    expect(parseShowStat(csv)).toEqual([
      { backend: 'app', server: 'app1', status: 'UP', check: 'L7OK' },
      { backend: 'app', server: 'app2', status: 'DOWN', check: 'L4CON' },
      { backend: 'leader', server: 'app1', status: 'DOWN', check: 'L7STS' },
      { backend: 'leader', server: 'app2', status: 'DOWN', check: 'L4CON' },
    ]);
  });

  it('reads nothing from an answer without a header', () => {
    expect(parseShowStat('Unknown command\n')).toEqual([]);
  });
});

describe('haproxy config', () => {
  const servers = [
    { name: 'app1', port: 4001 },
    { name: 'app2', port: 4002 },
  ];

  it('one server, no checks: every request goes to it', () => {
    const cfg = haproxyConfig({ port: 8080, servers: servers.slice(0, 1), timeoutMs: 3000 });
    expect(cfg).toContain('  server app1 127.0.0.1:4001\n');
    expect(cfg).not.toContain('httpchk');
    expect(cfg).not.toContain('backend leader');
  });

  it('checks every server with the scenario interval, fall and rise', () => {
    const cfg = haproxyConfig({ port: 8080, servers, timeoutMs: 3000, check: { path: '/health', intervalMs: 250, fall: 2, rise: 3 } });
    expect(cfg).toContain('option httpchk GET /health');
    expect(cfg).toContain('server app1 127.0.0.1:4001 check inter 250ms fall 2 rise 3');
    expect(cfg).toContain('server app2 127.0.0.1:4002 check inter 250ms fall 2 rise 3');
  });

  it('leader paths go to the leader backend while it has a server up, else to all', () => {
    const cfg = haproxyConfig({
      port: 8080,
      servers,
      timeoutMs: 3000,
      check: { path: '/health', intervalMs: 1000, fall: 3, rise: 2 },
      leader: { paths: ['/jobs', '/admin'], check: '/leader' },
    });
    expect(cfg).toContain('acl leader_path path_beg /jobs /admin');
    expect(cfg).toContain('use_backend leader if leader_path { nbsrv(leader) gt 0 }');
    expect(cfg).toMatch(/backend leader\n {2}option httpchk GET \/leader\n {2}server app1 /);
  });

  it("a stats socket path is at most HAProxy's 97 bytes: inside the part's dir when it fits, else a short temp dir removed at teardown", async () => {
    const cleanup = new CleanupList();
    const res = { runId: 'r', dir: '/tmp', cleanup };
    // 'stats.sock' and the '/' before it: 11 bytes after the dir.
    const dirOf = (n: number) => `/tmp/${'x'.repeat(n - 11 - 5)}`;
    expect(adminSocketPath(dirOf(MAX_SOCKET_PATH), res)).toHaveLength(MAX_SOCKET_PATH);
    const short = adminSocketPath(dirOf(MAX_SOCKET_PATH + 1), res);
    expect(Buffer.byteLength(short)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
    expect(existsSync(path.dirname(short))).toBe(true);
    expect(await cleanup.releaseAll()).toEqual([]);
    expect(existsSync(path.dirname(short))).toBe(false);
  });
});
