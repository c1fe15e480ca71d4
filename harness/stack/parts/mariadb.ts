import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { z } from 'zod';
import { alias, mariadbServerFlags } from '../containers/base.ts';
import { startMariaDb, type StartedLocalMariaDb } from '../mariadb.ts';
import { type ComposeContext, type ComposeService, type ContainerPlanBase, envPrefix, hostPortEnv, mainProcessFaults, type PartKind } from './part.ts';

/** A MariaDB server, started fresh for the run. */
export interface MariaDbPart {
  kind: 'mariadb';
  /** SQL file run once after start (relative to the scenario's folder, like every path in a scenario). */
  schema?: string;
  /** SQL file run after the schema. */
  seed?: string;
  /** Database the services use. Default 'app'. */
  database?: string;
  /** The server's character set. Default 'utf8mb4' (Debian's own default is latin1). */
  charset?: string;
  /** The server's collation. Default 'utf8mb4_unicode_ci' (with another charset: its _general_ci). */
  collation?: string;
  /**
   * Server variables, given to mariadbd as --name=value, e.g. { innodb_lock_wait_timeout: 5,
   * max_connections: 500 }. Not those the run sets itself (port, socket, datadir, character set).
   */
  variables?: Readonly<Record<string, string | number>>;
  /**
   * The account services log in with, when the team's configuration names it (a compose file's
   * MARIADB_USER and MARIADB_PASSWORD): given ALL on the database. Default: 'brownout' with a
   * password made per run. Either way services are told it as <NAME>_USER and <NAME>_PASSWORD.
   */
  account?: { user: string; password: string };
  /** root's password, when the team's services log in as root (a compose file's MARIADB_ROOT_PASSWORD). Default: one made per run. */
  rootPassword?: string;
}

export interface ResolvedMariaDb {
  kind: 'mariadb';
  name: string;
  schemaPath?: string;
  seedPath?: string;
  database: string;
  charset: string;
  collation: string;
  variables: Readonly<Record<string, string>>;
  account?: { user: string; password: string };
  rootPassword?: string;
  /** Its data on a filesystem of this many bytes (a diskFull fault on it says so at resolve). */
  dataDiskBytes?: number;
}

export const mariadb = (o: Omit<MariaDbPart, 'kind'> = {}): MariaDbPart => ({ kind: 'mariadb', ...o });

export const MARIADB_DEFAULTS = { database: 'app', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' } as const;

/**
 * Server options that are not the scenario's: those the run sets itself (ports, sockets, data dir,
 * character set), and those that open the server beyond the run (no passwords, files or plugins
 * from elsewhere, other listeners). mariadbd takes any unambiguous prefix of an option ('bind' is
 * bind-address) and modifiers before it ('skip-', 'loose-'…): both are refused too.
 */
const PROTECTED_VARIABLES = [
  'port',
  'bind_address',
  'socket',
  'datadir',
  'tmpdir',
  'basedir',
  'pid_file',
  'skip_networking',
  'character_set_server',
  'collation_server',
  'log_error',
  'user',
  'secure_file_priv',
  'init_file',
  'init_connect',
  'local_infile',
  'plugin_load',
  'plugin_load_add',
  'plugin_dir',
  'plugin_maturity',
  'skip_grant_tables',
  'grant_tables',
  'networking',
  'general_log_file',
  'slow_query_log_file',
  'log_basename',
  'lc_messages_dir',
  'innodb_data_home_dir',
  'innodb_log_group_home_dir',
  'aria_log_dir_path',
  'extra_port',
  'proxy_protocol_networks',
  'chroot',
  'defaults_file',
  'defaults_extra_file',
];
const OPTION_MODIFIERS = /^(?:skip|disable|enable|loose|maximum)_/;
/** Server variables that are a prefix of a protected one, by their own full name (mariadbd prefers the exact name). */
const EXACT_NAMES = new Set(['general_log', 'slow_query_log', 'lc_messages']);

/** Why a variable name is not the scenario's to set, or undefined when it is. */
function protectedVariable(name: string): string | undefined {
  let option = name;
  while (OPTION_MODIFIERS.test(option)) option = option.replace(OPTION_MODIFIERS, '');
  const hit = PROTECTED_VARIABLES.find((v) => v === option || v === name || (v.startsWith(option) && !EXACT_NAMES.has(option)));
  if (!hit) return undefined;
  if (hit === name) return `'${name}' is set by brownout itself or would open the server beyond the run`;
  return option === hit
    ? `'${name}' sets '${hit}' (mariadbd reads '${name.slice(0, name.length - option.length)}' as a modifier)`
    : `'${name}' is a prefix of '${hit}', which mariadbd would set`;
}

/** The account services use, on either backend. */
export const SERVICE_ACCOUNT = 'brownout';

/** Its container: the image's server with the local backend's flags, the schema and seed as init scripts. */
export interface MariaDbPlan extends ContainerPlanBase {
  kind: 'mariadb';
  image: string;
  database: string;
  user: string;
  /** The account's and root's passwords when the scenario gives them; else the run's (dbPassword). */
  password?: string;
  rootPassword?: string;
  command: string[];
  initScripts: { target: string; content: string }[];
}

/** Where the MariaDB and MySQL images run SQL files on a first start. */
const INITDB = '/docker-entrypoint-initdb.d/';

/**
 * A compose file's MariaDB or MySQL service as brownout's MariaDB: its database, account and root
 * password from MARIADB_* (or MYSQL_*), its server options (`command: --name=value ...`) as
 * variables, its /docker-entrypoint-initdb.d SQL files as schema and seed. MySQL images run as
 * brownout's MariaDB too (the server the local backend and its images have).
 */
function mariadbFromCompose(svc: ComposeService, ctx: ComposeContext): MariaDbPart {
  const env = (k: string) => svc.environment[`MARIADB_${k}`] ?? svc.environment[`MYSQL_${k}`];
  const user = env('USER');
  const password = env('PASSWORD');
  if ((user === undefined) !== (password === undefined))
    ctx.problem('environment', 'MARIADB_USER (or MYSQL_USER) and its PASSWORD come together', 'give both, or neither');
  if (svc.dials.some((d) => d.from === 'depends_on'))
    ctx.problem('depends_on', "brownout's MariaDB depends on nothing", 'remove depends_on from the database service');
  if (svc.build)
    ctx.problem(
      'build',
      "a database built from a Dockerfile is not brownout's MariaDB",
      `run it as it is: fromCompose(file, { kinds: { ${svc.name}: 'service' } }), or give image: mariadb:<version>`,
    );
  // Server options: --name=value pairs; a leading mariadbd or mysqld is the server itself.
  const variables: Record<string, string> = {};
  let charset: string | undefined;
  let collation: string | undefined;
  for (const arg of (svc.command ?? []).filter((a, i) => !(i === 0 && /^(mysqld|mariadbd)$/.test(a)))) {
    const m = /^--([a-z][a-z0-9_-]*)(?:=(.*))?$/.exec(arg);
    if (!m?.[1]) {
      ctx.problem('command', `'${arg}' is not a server option (--name=value)`, 'give server options only, e.g. --innodb-lock-wait-timeout=5');
      continue;
    }
    const name = m[1].replace(/-/g, '_');
    if (name === 'character_set_server') charset = m[2];
    else if (name === 'collation_server') collation = m[2];
    else variables[name] = m[2] ?? 'ON';
  }
  const scripts = svc.binds.filter((b) => b.target.startsWith(INITDB)).sort((a, b) => a.target.localeCompare(b.target));
  for (const b of svc.binds.filter((x) => !x.target.startsWith(INITDB)))
    ctx.problem(
      'volumes',
      `${b.target}: brownout's MariaDB takes SQL files in ${INITDB} only`,
      'give server options in command: (--name=value), or remove the mount',
    );
  for (const b of scripts.filter((x) => !x.source.endsWith('.sql')))
    ctx.problem(
      'volumes',
      `${b.target}: only .sql files run at first start here (not a folder, .sh or .gz)`,
      `mount each SQL file on its own, e.g. ./db/schema.sql:${INITDB}01-schema.sql`,
    );
  if (scripts.length > 2) ctx.problem('volumes', `${scripts.length} SQL files: at most two (a schema and a seed)`, 'join them into two files');
  const [schemaFile, seedFile] = scripts.map((b) => b.source);
  const database = env('DATABASE');
  const rootPassword = env('ROOT_PASSWORD');
  return {
    kind: 'mariadb',
    ...(database ? { database } : {}),
    ...(user && password ? { account: { user, password } } : {}),
    ...(rootPassword ? { rootPassword } : {}),
    ...(charset ? { charset } : {}),
    ...(collation ? { collation } : {}),
    ...(Object.keys(variables).length ? { variables } : {}),
    ...(schemaFile ? { schema: schemaFile } : {}),
    ...(seedFile ? { seed: seedFile } : {}),
  };
}

export const mariadbKind: PartKind<MariaDbPart, ResolvedMariaDb, StartedLocalMariaDb, MariaDbPlan> = {
  kind: 'mariadb',
  versionName: 'mariadb',
  schema: z.strictObject({
    kind: z.literal('mariadb'),
    schema: z.string().optional(),
    seed: z.string().optional(),
    database: z.string().regex(/^\w+$/).optional(),
    charset: z.string().regex(/^\w+$/).optional(),
    collation: z.string().regex(/^\w+$/).optional(),
    variables: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.union([z.string().regex(/^[\w.:/+-]+$/), z.number()])).optional(),
    account: z
      .strictObject({
        user: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,80}$/, 'an account name: letters, digits, _ . and -')
          .refine((u) => u !== 'root', { message: "root is not the services' account", params: { fix: 'give root a password with rootPassword' } }),
        password: z.string().min(1),
      })
      .optional(),
    rootPassword: z.string().min(1).optional(),
  }),
  resolve: (p, ctx) => {
    const schemaPath = ctx.file('schema', p.schema);
    const seedPath = ctx.file('seed', p.seed);
    // utf8mb4 unless told: Debian's server default is latin1, which no modern application expects.
    const charset = p.charset ?? MARIADB_DEFAULTS.charset;
    const collation = p.collation ?? (p.charset === undefined || p.charset === MARIADB_DEFAULTS.charset ? MARIADB_DEFAULTS.collation : `${charset}_general_ci`);
    if (!collation.startsWith(`${charset}_`))
      ctx.problem(
        'collation',
        `collation '${collation}' is not one of character set '${charset}'`,
        `give a ${charset}_… collation, or drop collation to take ${charset}'s default`,
      );
    const variables = Object.fromEntries(Object.entries(p.variables ?? {}).map(([k, v]) => [k, String(v)]));
    for (const k of Object.keys(variables)) {
      const why = protectedVariable(k);
      if (why)
        ctx.problem(
          `variables.${k}`,
          why,
          `remove it${k.startsWith('character_set') || k.startsWith('collation') ? '; use charset / collation' : '; give a server variable by its full name, e.g. innodb_lock_wait_timeout'}`,
        );
    }
    return {
      kind: 'mariadb',
      name: ctx.name,
      database: p.database ?? MARIADB_DEFAULTS.database,
      charset,
      collation,
      variables,
      ...(p.account ? { account: p.account } : {}),
      ...(p.rootPassword ? { rootPassword: p.rootPassword } : {}),
      ...(schemaPath ? { schemaPath } : {}),
      ...(seedPath ? { seedPath } : {}),
    };
  },
  after: () => [],
  // How long a statement waits on a row lock before error 1205 (InnoDB's default 50 s), in seconds.
  waits: (part) => ({ kind: 'mariadb', name: part.name, lockWaitMs: Number(part.variables['innodb_lock_wait_timeout'] ?? 50) * 1000 }),
  dependencyEnv: (part, reach) => ({
    ...hostPortEnv(part.name, reach),
    [`${envPrefix(part.name)}_USER`]: part.account?.user ?? reach.user ?? SERVICE_ACCOUNT,
    [`${envPrefix(part.name)}_PASSWORD`]: part.account?.password ?? reach.password ?? '',
    [`${envPrefix(part.name)}_DATABASE`]: part.database,
  }),
  start: (part, ctx) =>
    startMariaDb(
      {
        name: part.name,
        database: part.database,
        server: part,
        ...(part.account ? { account: part.account } : {}),
        ...(part.rootPassword ? { rootPassword: part.rootPassword } : {}),
        ...(part.schemaPath ? { schemaPath: part.schemaPath } : {}),
        ...(part.seedPath ? { seedPath: part.seedPath } : {}),
        ...(part.dataDiskBytes ? { dataDiskBytes: part.dataDiskBytes } : {}),
      },
      ctx.res,
    ),
  // Its service account, made per run.
  account: (started) => ({ user: started.user, password: started.password }),
  version: (started) => started.version,
  plan: (part, ctx) => ({
    kind: 'mariadb',
    part: part.name,
    alias: alias(part.name),
    image: ctx.images.mariadb,
    requires: [ctx.images.mariadb],
    port: 3306,
    database: part.database,
    user: part.account?.user ?? SERVICE_ACCOUNT,
    ...(part.account ? { password: part.account.password } : {}),
    ...(part.rootPassword ? { rootPassword: part.rootPassword } : {}),
    command: mariadbServerFlags(part),
    ...(part.dataDiskBytes ? { dataDisk: { target: '/var/lib/mysql', bytes: part.dataDiskBytes } } : {}),
    // The image runs /docker-entrypoint-initdb.d/*.sql in name order on first start.
    initScripts: [
      ...(part.schemaPath ? [{ target: '/docker-entrypoint-initdb.d/01-schema.sql', content: readFileSync(part.schemaPath, 'utf8') }] : []),
      ...(part.seedPath ? [{ target: '/docker-entrypoint-initdb.d/02-seed.sql', content: readFileSync(part.seedPath, 'utf8') }] : []),
    ],
  }),
  startContainer: async (c, ctx) => {
    const { onRunNetwork, Wait } = await import('../containers/container.ts');
    // The official image's settings (our local image takes the same); ready once the port
    // listens: the init scripts run on a server without networking first.
    return onRunNetwork(c.image, c.alias, ctx)
      .withEnvironment({
        MYSQL_DATABASE: c.database,
        MYSQL_USER: c.user,
        MYSQL_PASSWORD: c.password ?? ctx.dbPassword(c.part),
        MYSQL_ROOT_PASSWORD: c.rootPassword ?? ctx.dbPassword(`${c.part}-root`),
      })
      .withCommand(c.command)
      .withCopyContentToContainer(c.initScripts)
      .withTmpFs(c.dataDisk ? { [c.dataDisk.target]: `rw,size=${c.dataDisk.bytes}` } : {})
      .withExposedPorts(c.port)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start();
  },
  compose: { images: /(^|\/)(mariadb|mysql)(:|@|$)/, from: mariadbFromCompose },
  startedInContainer: async (c, container, ctx) => {
    const host = container.getHost();
    return {
      part: {
        kind: 'mariadb',
        name: c.part,
        user: c.user,
        // Root from the host through the mapped port (MariaDB's image lets root in from any host).
        adminConnection: () =>
          mysql.createConnection({
            host,
            port: container.getMappedPort(c.port),
            user: 'root',
            password: c.rootPassword ?? ctx.dbPassword(`${c.part}-root`),
            database: c.database,
          }),
      },
      faults: mainProcessFaults(ctx.control),
    };
  },
};
