// Hostile input, through the installed command (harness/cli/bin.js): an access log never runs code,
// a scenario that does not load never lets the gate exit 0 nor hides another scenario's status.
// (Signals sent to the command alone: interrupt.test.ts. The generated files' syntax under any
// log text: harness/replay/write.test.ts. The import bound on its own: harness/scenario/import.test.ts.)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { ManagedProcess } from '../../harness/core/process.ts';
import { identify, stillAlive } from '../../harness/core/procfs.ts';
import { runScenario } from '../../harness/run/index.ts';
import { API_TOKEN, PASSWORD_IN_URL } from './scenarios/leaky-env.ts';
import { descendants, runProgram, runTempDirs, withPhotoDb } from './helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BIN = path.resolve('harness/cli/bin.js');
const HARNESS = path.resolve('harness/index.ts');
const brownout = (args: string[], cwd = dir) => runProgram(process.execPath, [BIN, ...args], {}, cwd);
const file = (name: string, text: string): string => {
  const f = path.join(dir, name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  return f;
};

describe('hostile input', () => {
  it('an access log whose path closes a comment: replay writes it, list loads it, nothing of the log runs', async () => {
    const payload = "/x*/process.getBuiltinModule('fs').writeFileSync('PWNED','1')/*";
    const lines = [0, 1, 2, 3].map(
      (s) => `127.0.0.1:4000 [24/Nov/2026:07:06:4${s}.000] edge app/app 0/0/0/5/5 ${s < 2 ? 503 : 200} 10 - - ---- 1/1/0/0/0 0/0 "GET ${payload} HTTP/1.1"`,
    );
    const log = file('access.log', `${lines.join('\n')}\n`);
    const made = await brownout([
      'replay',
      '--log',
      log,
      '--format',
      'haproxy',
      '--speed',
      '1',
      '--target-url',
      'http://127.0.0.1:9',
      '--out',
      'scenarios/pwn.ts',
    ]);
    expect(made.status, made.stderr).toBe(0);
    const listed = await brownout(['list', 'scenarios/pwn.ts']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^pwn /);
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    // The path is sent as it was logged.
    expect(readFileSync(path.join(dir, 'scenarios/load/pwn.k6.ts'), 'utf8')).toContain(`'/x*/process.getBuiltinModule(\\'fs\\')`);
  });

  it('a scenario whose import never settles, after an invalid one: exit 2, both named, junit.xml written', async () => {
    const invalid = file('gate/invalid.ts', `import { scenario } from ${JSON.stringify(HARNESS)};\nexport default scenario({ name: 'BAD' } as never);\n`);
    const never = file(
      'gate/never.ts',
      `import { scenario } from ${JSON.stringify(HARNESS)};\nawait new Promise(() => {});\nexport default scenario({} as never);\n`,
    );
    const reports = path.join(dir, 'gate-reports');
    const r = await brownout(['run', invalid, never, '--reports', reports]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('where: /');
    expect(r.stderr).toMatch(/never\.ts › \(root\): did not finish loading within 15 s/);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(path.join(reports, 'junit.xml'), 'utf8')) as {
      testsuites: { testsuite: { '@_name': string }[] | { '@_name': string } };
    };
    const suites = [junit.testsuites.testsuite].flat().map((s) => s['@_name']);
    expect(suites).toHaveLength(2);
  });

  it("an exception nothing catches (thrown by a scenario after its import) is exit 2, never Node's 1", async () => {
    // Thrown while the import still waits, so the command cannot have ended first.
    const late = file(
      'late/late.ts',
      "setTimeout(() => { throw new Error('thrown later'); }, 10);\nawait new Promise((r) => setTimeout(r, 500));\nexport default 1;\n",
    );
    const r = await brownout(['list', late]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^brownout: internal error: Error: thrown later/m);
  });

  it('a busy loop at import: list names it as invalid (exit 2) within the bound and lists the others', async () => {
    file('list/busy.ts', 'while (true) {}\nexport default 1;\n');
    const log = file('fine.log', '127.0.0.1:4000 [24/Nov/2026:07:06:40.000] edge app/app 0/0/0/5/5 200 10 - - ---- 1/1/0/0/0 0/0 "GET /a HTTP/1.1"\n');
    const made = await brownout(['replay', '--log', log, '--format', 'haproxy', '--speed', '1', '--target-url', 'http://127.0.0.1:9', '--out', 'list/fine.ts']);
    expect(made.status, made.stderr).toBe(0);
    const r = await brownout(['list', 'list']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/busy .*INVALID: file: did not finish loading within 15 s/);
    expect(r.stdout).toMatch(/^fine +\S+ +list\/fine\.ts +TODO/m);
  });

  it('MariaDB: no account without a password (root over TCP from 127.0.0.1 refused), files only in its own folder', async () => {
    await withPhotoDb(async (stack) => {
      const db = stack.parts.get('db');
      if (db?.kind !== 'mariadb') throw new Error('no db part');
      const tried = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', connectTimeout: 3000 }).then(
        async (c) => {
          await c.end();
          return 'logged in';
        },
        (e: { code?: string }) => e.code,
      );
      expect(tried).toBe('ER_ACCESS_DENIED_ERROR');
      const admin = await db.adminConnection();
      try {
        const [accounts] = await admin.query("SELECT CONCAT(User, '@', Host) AS a FROM mysql.user WHERE authentication_string = '' AND User <> 'mariadb.sys'");
        expect(accounts).toEqual([]);
        const [rows] = await admin.query('SELECT @@secure_file_priv AS p');
        expect(String((rows as { p: string }[])[0]?.p)).toMatch(/^\/tmp\/brownout-test-\w+\/db\/files\/$/);
      } finally {
        await admin.end();
      }
    });
  });

  it("teardown after the leader exited: a process that got the leader's pid (reused) and leads a group of its own is left alone", async () => {
    const m = new ManagedProcess({ name: 'short', command: 'sh', args: ['-c', 'exit 0'], logFile: path.join(dir, 'short.log') });
    await m.exited;
    // A start time is counted in clock ticks (10 ms): the pid's new owner starts ticks later, as it would.
    await new Promise((r) => setTimeout(r, 50));
    const pid = m.pid ?? 0;
    // Forces pid reuse: the kernel's next pid is set just below the gone leader's (root only).
    let other: ReturnType<typeof spawn> | undefined;
    for (let i = 0; i < 50 && other?.pid !== pid; i++) {
      other?.kill('SIGKILL');
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    }
    try {
      expect(other?.pid).toBe(pid);
      const before = identify(pid);
      if (!before) throw new Error(`pid ${pid}: not found`);
      await m.stop();
      // Alive, not a zombie: a killed child of this process stays a zombie until reaped.
      expect(stillAlive([before]).map((p) => p.pid)).toEqual([pid]);
    } finally {
      other?.kill('SIGKILL');
    }
  });

  it("the scenario's secrets (a service's env by name or in a URL, load.env) reach no report, kept log or shown line", async () => {
    const lines: string[] = [];
    const o = await runScenario({
      scenarioFile: 'tests/integration/scenarios/leaky-env.ts',
      reportsDir: path.join(dir, 'leaky'),
      onProgress: (l) => lines.push(l),
    });
    expect(o.exitCode).toBe(2);
    const shown = o.error instanceof Error && 'describe' in o.error ? (o.error as { describe(): string }).describe() : String(o.error);
    expect(shown).toContain('config: [redacted] [redacted] mode broken');
    expect(lines.join('\n')).toMatch(/setup: token \[redacted\] db \[redacted\]/);
    const files = readdirSync(o.reportDir ?? '', { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.some((f) => f.name.endsWith('app.log'))).toBe(true);
    const texts = [shown, ...lines, ...files.map((f) => readFileSync(path.join(f.parentPath, f.name), 'utf8'))];
    for (const secret of [API_TOKEN, PASSWORD_IN_URL, 'sess-5e3cr3t-value']) for (const t of texts) expect(t).not.toContain(secret);
  });

  it("load.env reaches k6 through its environment, not its command line; the run's temp dir is 0700; a part listening beyond loopback is named", async () => {
    let argv = '';
    let mode = 0;
    const lines: string[] = [];
    const o = await runScenario({
      scenarioFile: 'tests/integration/scenarios/teardown-pass.ts',
      reportsDir: path.join(dir, 'k6-env'),
      definition: (d) => ({
        ...d,
        load: { ...d.load, env: { SESSION_SECRET: 'sess-5e3cr3t-value' } },
        // The imager made to listen on every address, whatever $HOST the harness gives it.
        stack: (ctx) => {
          const s = d.stack(ctx);
          const imager = s['imager'];
          return imager?.kind === 'service'
            ? { ...s, imager: { ...imager, command: ['sh', '-c', 'HOST=0.0.0.0 exec "$@"', 'sh', ...(imager.command ?? [])] } }
            : s;
        },
      }),
      onProgress: (line) => {
        lines.push(line);
        if (argv || !/apply latency/.test(line)) return;
        for (const [pid, p] of descendants(process.pid)) {
          if (!/(^|\/)k6 run/.test(p.cmd)) continue;
          argv = p.cmd;
          const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
          expect(env.split('\0')).toContain('SESSION_SECRET=sess-5e3cr3t-value');
          const runDir = /--config (\S+)\/k6-config\.json/.exec(argv)?.[1] ?? '';
          mode = statSync(runDir).mode & 0o777;
        }
      },
    });
    expect(o.exitCode, o.error?.message).toBe(0);
    expect(argv).toMatch(/k6 run --paused/);
    expect(argv).not.toContain('sess-5e3cr3t-value');
    expect(mode).toBe(0o700);
    expect(lines.filter((l) => /beyond loopback/.test(l))).toEqual([
      expect.stringMatching(
        /^warning: imager \(pid \d+\) listens on 0\.0\.0\.0:\d+, beyond loopback: other hosts can reach it; make it listen on \$HOST \(127\.0\.0\.1\)$/,
      ),
    ]);
    // Made strict, the same stack ends the run before any load (exit 2), and leaves nothing.
    const dirs = runTempDirs();
    const strict = await runScenario({
      scenarioFile: 'tests/integration/scenarios/teardown-pass.ts',
      reportsDir: path.join(dir, 'strict'),
      loopbackOnly: true,
      definition: (d) => ({
        ...d,
        stack: (ctx) => {
          const s = d.stack(ctx);
          const imager = s['imager'];
          return imager?.kind === 'service'
            ? { ...s, imager: { ...imager, command: ['sh', '-c', 'HOST=0.0.0.0 exec "$@"', 'sh', ...(imager.command ?? [])] } }
            : s;
        },
      }),
    });
    expect(strict.exitCode).toBe(2);
    expect(strict.error?.message).toMatch(/^listening beyond loopback \(other hosts can reach it\): imager \(pid \d+\) listens on 0\.0\.0\.0:\d+$/);
    expect(strict.result).toBeUndefined();
    expect(strict.cleanupFailures).toEqual([]);
    expect(runTempDirs()).toEqual(dirs);
  });
});
