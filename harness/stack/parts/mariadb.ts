import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { z } from 'zod';
import { alias, mariadbServerFlags } from '../containers/base.ts';
import { startMariaDb, type StartedMariaDb } from '../mariadb.ts';
import { type ContainerPlanBase, envPrefix, hostPortEnv, mainProcessFaults, type PartKind } from './part.ts';

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
  command: string[];
  initScripts: { target: string; content: string }[];
}

export const mariadbKind: PartKind<MariaDbPart, ResolvedMariaDb, StartedMariaDb, MariaDbPlan> = {
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
      ...(schemaPath ? { schemaPath } : {}),
      ...(seedPath ? { seedPath } : {}),
    };
  },
  after: () => [],
  // How long a statement waits on a row lock before error 1205 (InnoDB's default 50 s), in seconds.
  waits: (part) => ({ kind: 'mariadb', name: part.name, lockWaitMs: Number(part.variables['innodb_lock_wait_timeout'] ?? 50) * 1000 }),
  dependencyEnv: (part, reach) => ({
    ...hostPortEnv(part.name, reach),
    [`${envPrefix(part.name)}_USER`]: reach.user ?? SERVICE_ACCOUNT,
    [`${envPrefix(part.name)}_PASSWORD`]: reach.password ?? '',
    [`${envPrefix(part.name)}_DATABASE`]: part.database,
  }),
  start: (part, ctx) =>
    startMariaDb(
      {
        name: part.name,
        database: part.database,
        server: part,
        ...(part.schemaPath ? { schemaPath: part.schemaPath } : {}),
        ...(part.seedPath ? { seedPath: part.seedPath } : {}),
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
    user: SERVICE_ACCOUNT,
    command: mariadbServerFlags(part),
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
        MYSQL_PASSWORD: ctx.dbPassword(c.part),
        MYSQL_ROOT_PASSWORD: ctx.dbPassword(`${c.part}-root`),
      })
      .withCommand(c.command)
      .withCopyContentToContainer(c.initScripts)
      .withExposedPorts(c.port)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start();
  },
  runningContainer: async (c, container, ctx) => {
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
            password: ctx.dbPassword(`${c.part}-root`),
            database: c.database,
          }),
      },
      faults: mainProcessFaults(ctx.control),
    };
  },
};
