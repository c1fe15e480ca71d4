import { describe, expect, it } from 'vitest';
import { gatewayKind } from './gateway.ts';
import { planIn, resolvePart } from './testkit.ts';

const stack = { lb: 'gateway', app1: 'service', app2: 'service', db: 'mariadb' } as const;

describe('gateway part', () => {
  it('one link per server, its timeout in ms and the status it answers on timeout (504 unless told)', () => {
    const { part, problems, links } = resolvePart(
      gatewayKind,
      'lb',
      { kind: 'gateway', to: ['app1', 'app2'], timeout: '5s', check: { interval: '1s', fall: 3, rise: 2 } },
      stack,
    );
    expect(problems).toEqual([]);
    expect(links).toEqual(['app1', 'app2']);
    expect(part).toMatchObject({ to: ['app1', 'app2'], timeoutMs: 5000, timeoutStatus: 504, check: { path: '/health', intervalMs: 1000, fall: 3, rise: 2 } });
    expect(part && gatewayKind.after(part)).toEqual(['app1', 'app2']);
    expect(part && gatewayKind.waits(part)).toEqual({ kind: 'gateway', name: 'lb', to: ['app1', 'app2'], timeoutMs: 5000, timeoutStatus: 504 });
  });
  it('refuses a server that is not a service, one named twice, and leader routing without health checks', () => {
    const { problems } = resolvePart(
      gatewayKind,
      'lb',
      { kind: 'gateway', to: ['db', 'app1', 'app1'], timeout: '5s', leader: { paths: ['/jobs'], check: '/leader' } },
      stack,
    );
    expect(problems).toEqual([
      "stack.lb.to: 'db' is not a service of the stack",
      "stack.lb.to: 'app1' is named twice",
      'stack.lb.leader: leader routing needs health checks',
    ]);
  });
  it('on containers: HAProxy with each server behind its link’s proxy, the timeout page for a status other than 504', () => {
    const { part } = resolvePart(gatewayKind, 'lb', { kind: 'gateway', to: ['app1', 'app2'], timeout: '2s', timeoutStatus: 503 }, stack);
    if (!part) throw new Error('not resolved');
    const plan = planIn(gatewayKind, part, ['app1', 'app2']);
    expect(plan.config.content).toMatch(/server app1 toxiproxy:8000\b/);
    expect(plan.config.content).toMatch(/server app2 toxiproxy:8001\b/);
    expect(plan.timeoutBody?.content).toMatch(/^HTTP\/1\.[01] 503/);
  });
});
