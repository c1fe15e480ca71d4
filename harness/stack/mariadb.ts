import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { StackStartError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import { ManagedProcess } from '../core/process.ts';
import { mountSized } from '../core/mount.ts';
import { freePort, waitUntil } from '../core/ports.ts';
import { mariadbServerFlags } from './containers/base.ts';
import { partDir, track, type RunResources, type StartedLocalPart } from './resources.ts';

const log = debug('stack:mariadb');
const run = promisify(execFile);

export interface MariaDbOptions {
  name: string;
  database: string;
  /** Its datadir on a tmpfs of this many bytes (a diskFull fault's part): filled at the fault, emptied at heal. */
  dataDiskBytes?: number;
  schemaPath?: string;
  seedPath?: string;
  startupTimeoutMs?: number;
  /** Character set, collation and variables (mariadbServerFlags); default utf8mb4, none. */
  server?: { charset: string; collation: string; variables: Readonly<Record<string, string>> };
  /** The services' account as the team configures it; default 'brownout' with a per-run password. */
  account?: { user: string; password: string };
  /** root's password as the team configures it (root may then log in over TCP too); default a per-run one, socket only. */
  rootPassword?: string;
}

export interface StartedLocalMariaDb extends StartedLocalPart {
  readonly kind: 'mariadb';
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly database: string;
  /** The account services use (per-run random password). */
  readonly user: string;
  readonly password: string;
  readonly version: string;
  readonly pid: number | undefined;
  readonly process: ManagedProcess;
  /** An admin connection straight to the server (not through Toxiproxy): for faults and checks. */
  adminConnection(): Promise<mysql.Connection>;
}

function findBinary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return name;
}

/**
 * A diskFull fault's part: its datadir on a filesystem of its own size, mounted before anything is
 * written there (recorded in the run's ledger first) and unmounted after the server stops (the
 * cleanup list releases in reverse).
 */
async function mountDataDisk(name: string, datadir: string, bytes: number, res: RunResources): Promise<string> {
  const disk = await mountSized(`${res.runId}-${name}`, datadir, bytes, (mount) => track(res, { mount }));
  res.cleanup.add(`${name} data disk (tmpfs at ${datadir})`, () => disk.stop());
  return datadir;
}

/** mariadb-install-db into `datadir`; its output's last lines in the error when it fails. */
async function installDatadir(name: string, datadir: string, tmpDir: string, installDb: string): Promise<void> {
  // root gets a normal (password) account so mysql2 can log in over the socket; the password is set right after.
  const installArgs = [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ];
  try {
    await run(installDb, installArgs, { timeout: 60_000, env: { ...process.env, TMPDIR: tmpDir } });
  } catch (e) {
    const out = e as { stderr?: string; stdout?: string };
    const tail = `${out.stdout ?? ''}${out.stderr ?? ''}`
      .trim()
      .split('\n')
      .slice(-10)
      .map((l) => `  | ${l}`)
      .join('\n');
    throw new StackStartError(
      name,
      'could not initialise the datadir',
      `${installDb} ${installArgs.join(' ')}`,
      tail,
      "run 'make setup' (it installs mariadb-server)",
      e,
    );
  }
}

/** A fresh MariaDB on a free loopback port, with its own datadir in the run's temp dir. */
export async function startMariaDb(opts: MariaDbOptions, res: RunResources): Promise<StartedLocalMariaDb> {
  const t0 = Date.now();
  const dir = partDir(res, opts.name);
  const datadir = path.join(dir, 'data');
  const socketPath = path.join(dir, 'mysqld.sock');
  const filesDir = path.join(dir, 'files');
  mkdirSync(filesDir, { mode: 0o700 });
  // Its own temp dir: MariaDB's temporary tables are files there ('#sql-temptable-…'), and servers
  // sharing one (TMPDIR, two runs side by side) removed each other's: seen as "Unknown table
  // 'mysql.tmp_user_sys'" from one of two datadirs initialised at once.
  const tmpDir = path.join(dir, 'tmp');
  mkdirSync(tmpDir, { mode: 0o700 });
  const dataDisk = opts.dataDiskBytes === undefined ? undefined : await mountDataDisk(opts.name, datadir, opts.dataDiskBytes, res);
  const port = await freePort();
  const installDb = findBinary('mariadb-install-db');
  const mariadbd = findBinary('mariadbd');

  await installDatadir(opts.name, datadir, tmpDir, installDb);

  const proc = new ManagedProcess({
    name: opts.name,
    command: mariadbd,
    args: [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--tmpdir=${tmpDir}`,
      `--socket=${socketPath}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--user=root',
      // LOAD DATA INFILE and SELECT ... INTO OUTFILE only inside this part's own empty folder.
      `--secure-file-priv=${filesDir}`,
      ...mariadbServerFlags(opts.server ?? { charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', variables: {} }),
    ],
    logFile: path.join(dir, 'mariadb.log'),
  });
  track(res, { pid: proc.pid, port });
  const stop = () => proc.stop(10_000);
  res.cleanup.add(`${opts.name} (mariadbd pid ${proc.pid ?? '?'})`, stop);

  const timeoutMs = opts.startupTimeoutMs ?? 30_000;
  const ready = await waitUntil(
    async () => {
      const c = await mysql.createConnection({ socketPath, user: 'root', connectTimeout: 1000 });
      await c.end();
      return true;
    },
    { timeoutMs, intervalMs: 100, abort: () => (proc.hasExited ? proc.exitDescription : undefined) },
  );
  if (!ready) {
    throw new StackStartError(
      opts.name,
      proc.hasExited ? `mariadbd ${proc.exitDescription} during start-up` : `not ready after ${timeoutMs} ms`,
      proc.commandLine(),
      proc.tail(),
      'read the log above; a full disk or a taken port are the usual causes',
    );
  }

  const rootPassword = opts.rootPassword ?? randomBytes(12).toString('hex');
  const password = opts.account?.password ?? randomBytes(12).toString('hex');
  res.secrets?.add(rootPassword);
  res.secrets?.add(password);
  const user = opts.account?.user ?? 'brownout';
  const version = await firstSetup(socketPath, opts, { rootPassword, user, password, rootOverTcp: opts.rootPassword !== undefined });
  log(`started ${opts.name} on 127.0.0.1:${port} in ${Date.now() - t0} ms`);

  return {
    kind: 'mariadb',
    name: opts.name,
    host: '127.0.0.1',
    port,
    database: opts.database,
    user,
    password,
    version,
    dataDisk,
    get pid() {
      return proc.pid;
    },
    process: proc,
    adminConnection: () => mysql.createConnection({ socketPath, user: 'root', password: rootPassword, database: opts.database }),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * The new server's first setup, over its socket: root's per-run password, no other account without
 * one, the database and the service account, then the schema and seed files. Returns its version.
 */
async function firstSetup(
  socketPath: string,
  opts: MariaDbOptions,
  accounts: { rootPassword: string; user: string; password: string; rootOverTcp: boolean },
): Promise<string> {
  const { rootPassword, user, password } = accounts;
  const admin = await mysql.createConnection({ socketPath, user: 'root', multipleStatements: true });
  try {
    // Names and passwords may be the team's own: given as values, never spliced into the SQL.
    await admin.query("ALTER USER 'root'@'localhost' IDENTIFIED BY ?", [rootPassword]);
    // mariadb-install-db also makes root@127.0.0.1, root@::1 and root@<hostname> without a password:
    // any local user could log in. Only root@localhost (socket, password) and the service account stay.
    const [others] = await admin.query(
      "SELECT User AS u, Host AS h FROM mysql.user WHERE NOT (User = 'root' AND Host = 'localhost') AND User <> 'mariadb.sys'",
    );
    for (const a of others as { u: string; h: string }[]) await admin.query('DROP USER ?@?', [a.u, a.h]);
    await admin.query(`CREATE DATABASE \`${opts.database}\``);
    // Services reach the server through Toxiproxy, i.e. from 127.0.0.1 over TCP.
    await admin.query("CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?", [user, password]);
    await admin.query(`GRANT ALL ON \`${opts.database}\`.* TO ?@'127.0.0.1'`, [user]);
    // A team whose services log in as root (its compose file's root password): root over TCP too.
    if (accounts.rootOverTcp) {
      await admin.query("CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY ?", [rootPassword]);
      await admin.query("GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
    }
    await admin.query(`USE \`${opts.database}\``);
    for (const file of [opts.schemaPath, opts.seedPath]) {
      if (!file) continue;
      try {
        await admin.query(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new StackStartError(opts.name, `loading ${path.basename(file)} failed: ${(e as Error).message}`, `SQL file ${file}`, '', 'fix the SQL file', e);
      }
    }
    const [rows] = await admin.query('SELECT VERSION() AS v');
    return String((rows as { v: string }[])[0]?.v ?? '');
  } finally {
    await admin.end();
  }
}
