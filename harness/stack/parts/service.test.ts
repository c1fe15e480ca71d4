import { describe, expect, it } from 'vitest';
import { serviceKind } from './service.ts';
import { planIn, resolvePart } from './testkit.ts';

const stack = { app: 'service', api: 'service', db: 'mariadb', lb: 'gateway' } as const;

describe('service part', () => {
  it('a link per dependency; a per-dependency timeout told as <DEP>_TIMEOUT_MS unless the env says otherwise', () => {
    const { part, problems, links } = resolvePart(
      serviceKind,
      'app',
      { kind: 'service', command: ['node', 'server.js'], dependsOn: ['db', 'api'], timeouts: { db: '2s', api: '500ms' }, env: { API_TIMEOUT_MS: '900' } },
      stack,
    );
    expect(problems).toEqual([]);
    expect(links).toEqual(['db', 'api']);
    expect(part).toMatchObject({ dependsOn: ['db', 'api'], timeoutsMs: { db: 2000, api: 500 }, env: { DB_TIMEOUT_MS: '2000', API_TIMEOUT_MS: '900' } });
    if (!part) throw new Error('not resolved');
    expect(serviceKind.after(part)).toEqual(['db', 'api']);
    expect(serviceKind.dependencyEnv(part, { host: '127.0.0.1', port: 4200 })).toEqual({
      APP_HOST: '127.0.0.1',
      APP_PORT: '4200',
      APP_URL: 'http://127.0.0.1:4200',
    });
  });
  it('refuses a dependency the stack lacks, itself, a gateway, and a timeout for what it does not depend on', () => {
    const { problems } = resolvePart(
      serviceKind,
      'app',
      { kind: 'service', command: ['node', 'server.js'], dependsOn: ['cache', 'app', 'lb'], timeouts: { db: '1s' } },
      stack,
    );
    expect(problems).toEqual([
      "stack.app.dependsOn: 'cache' is not a part of the stack",
      "stack.app.dependsOn: 'app' depends on itself",
      "stack.app.dependsOn: 'lb' is a gateway; services cannot depend on one",
      "stack.app.timeouts.db: 'db' is not one of app's dependencies",
    ]);
  });
  it('says which backend it cannot run on before anything starts: a container option, locally', () => {
    const { part } = resolvePart(
      serviceKind,
      'app',
      { kind: 'service', command: ['node', 'server.js'], tmpfs: ['/tmp:size=64m'], build: { context: '.' } },
      stack,
    );
    if (!part) throw new Error('not resolved');
    expect(serviceKind.cannotRunOn?.(part, 'local')?.message).toBe('app has tmpfs: options of its container, on --stack containers only');
    expect(serviceKind.cannotRunOn?.(part, 'containers')).toBeUndefined();
  });
  it('on containers: its env with the dependencies’ proxies, ${NAME} expanded in the env and the command', () => {
    const { part } = resolvePart(
      serviceKind,
      'app',
      {
        kind: 'service',
        image: 'team/app:1',
        command: ['node', 'server.js', '--port', '${PORT}'],
        env: { DSN: 'mysql://${DB_HOST}:${DB_PORT}/app' },
        dependsOn: ['db'],
      },
      stack,
    );
    if (!part) throw new Error('not resolved');
    const plan = planIn(serviceKind, part, ['db'], { DB_HOST: 'toxiproxy', DB_PORT: '8000' });
    expect(plan.run).toEqual({ image: 'team/app:1' });
    expect(plan.command).toEqual(['node', 'server.js', '--port', String(plan.port)]);
    expect(plan.env).toMatchObject({ HOST: '0.0.0.0', DB_HOST: 'toxiproxy', DSN: 'mysql://toxiproxy:8000/app' });
  });
});

describe('service under PM2 with a memory ceiling', () => {
  it("maxMemoryRestart is PM2's max_memory_restart in bytes, in the ecosystem PM2 runs, its worker checking every second", () => {
    const { part, problems } = resolvePart(
      serviceKind,
      'app',
      { kind: 'service', image: 'team/app:1', command: ['node', 'server.js'], supervisor: 'pm2', maxMemoryRestart: '150MB' },
      stack,
    );
    expect(problems).toEqual([]);
    if (!part) throw new Error('not resolved');
    expect(part.maxMemoryRestartBytes).toBe(150e6);
    const plan = planIn(serviceKind, part);
    expect(JSON.parse(plan.files[0]?.content ?? '{}').apps[0]).toMatchObject({ max_memory_restart: 150e6, autorestart: true });
    expect(plan.env['PM2_WORKER_INTERVAL']).toBe('1000');
  });
  it('refuses it without PM2, and a size it cannot read', () => {
    expect(resolvePart(serviceKind, 'app', { kind: 'service', command: ['node', 'server.js'], maxMemoryRestart: '150MB' }, stack).problems).toEqual([
      'stack.app.maxMemoryRestart: maxMemoryRestart is a setting of PM2, and the service does not run under it',
    ]);
    expect(
      resolvePart(serviceKind, 'app', { kind: 'service', command: ['node', 'server.js'], supervisor: 'pm2', maxMemoryRestart: 'lots' }, stack).problems,
    ).toEqual(["stack.app.maxMemoryRestart: 'lots' is not a memory size"]);
  });
});
