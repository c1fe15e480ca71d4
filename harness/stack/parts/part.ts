import { z } from 'zod';
import type { StartedTestContainer } from 'testcontainers';
import type { ImageSet } from '../containers/base.ts';
import type { ServerStateWatch } from '../haproxy.ts';
import type { RunResources, StartedLocalPart } from '../resources.ts';
import type { StartedPart } from '../started.ts';
import type { LadderPart } from '../../metrics/index.ts';
import type { HealthOption } from '../health.ts';

/**
 * A request path a part's config or check carries (a health check, a gateway's routing): '/' and
 * RFC 3986's path and query characters only. Written into HAProxy's config and HTTP request lines,
 * so no space, line break or '#' can add a line of its own.
 */
export const URL_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;
export const urlPath = z.string().regex(URL_PATH, "a URL path: '/' then letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ % / ? (no space or line break)");

/** The stack part kinds. */
export type PartKindName = 'mariadb' | 'redis' | 'memcached' | 'service' | 'gateway';

/** What resolving a part may ask of the scenario around it; each check adds its own problem. */
export interface PartResolveContext {
  /** The part's name in the stack. */
  readonly name: string;
  /** A problem of stack.<name>.<key> ('' for the part itself). */
  problem(key: string, message: string, fix: string): void;
  /** A file option: the absolute path (from the stack's folder); a problem when it is not a file. */
  file(key: string, rel: string | undefined): string | undefined;
  /** A folder option (default '.'): the absolute path; a problem when it is not a folder. */
  dir(key: string, rel: string | undefined): string;
  /** ms of a positive duration option, `fallback` when not given; a problem (and undefined) when it does not parse. */
  duration(key: string, text: string | undefined, fallback: number): number | undefined;
  /** Every part's name, in the order the stack gives them, and the kind of each. */
  readonly names: readonly string[];
  kindOf(part: string): PartKindName | undefined;
  /** A link from this part to `to`, through a Toxiproxy proxy of its own; false when there is one already. */
  link(to: string): boolean;
}

/** Where a service reaches a dependency: its proxy's address; for a database, the service account. */
export interface Reach {
  host: string;
  port: number;
  user?: string;
  password?: string;
}

/** What a part's local start is given: the run's resources, its dependencies' env, and its links' proxy ports. */
export interface LocalStartContext {
  res: RunResources;
  /** Every dependency's variables (its kind's dependencyEnv, through the link's proxy). */
  env: Readonly<Record<string, string>>;
  /** The listen port of this part's link to `to`. */
  proxyPort(to: string): number;
}

/** What a part's container plan is given: as for the local start, on the Toxiproxy container. */
export interface PlanContext {
  images: ImageSet;
  env: Readonly<Record<string, string>>;
  proxyPort(to: string): number;
}

/** What every kind's container plan holds; each kind adds its own (parts/<kind>.ts). */
export interface ContainerPlanBase {
  kind: string;
  part: string;
  /** Its DNS name on the run's network. */
  alias: string;
  /** The port it serves on inside the network (its link's proxy forwards there). */
  port: number;
  /** Images that must be on the engine before it starts (built here, never pulled: checked first). */
  requires: string[];
  /** The image named in the report's versions, when it is one of brownout's (not a team's own). */
  image?: string;
  /**
   * A line its output shows when the part's server exited while its container stays up (a bare
   * service under the holder): the run reads it as the part's exit.
   */
  exitMarker?: string;
  /** Its data on a tmpfs of a fixed size (a diskFull fault's part): where in the container, how big. */
  dataDisk?: { target: string; bytes: number };
}

/**
 * A compose file's service as brownout read it (stack/compose.ts): ${VAR} interpolated, paths
 * absolute, what every kind shares parsed once. A kind that stands for some images makes its part
 * from it (PartKind.compose).
 */
export interface ComposeService {
  /** Its name in the compose file. */
  readonly name: string;
  readonly image?: string;
  /** Paths absolute (the Dockerfile from its context, as compose reads it). */
  readonly build?: { context: string; dockerfile: string; args: Readonly<Record<string, string>>; target?: string };
  /** environment and env_file, as compose merges them. */
  readonly environment: Readonly<Record<string, string>>;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly workdir?: string;
  /** Its healthcheck's test; undefined when it has none (or it is disabled). */
  readonly health?: HealthOption;
  /** The parts it reaches and the name it dials each by: its depends_on, and the services its environment names as a host. */
  readonly dials: readonly { part: string; host: string; from: 'depends_on' | 'environment' }[];
  /** The port it listens on in its container: fromCompose's ports option, else its expose, else its ports' container side. */
  readonly port?: number;
  /** tmpfs mounts ('/path' or '/path:size=64m'). */
  readonly tmpfs: readonly string[];
  /** Files and folders of the project bound into it (named volumes start empty each run and are not listed). */
  readonly binds: readonly { source: string; target: string; readOnly: boolean }[];
}

/** What a kind's compose mapping may ask: a problem names services.<name>.<key> of the compose file. */
export interface ComposeContext {
  problem(key: string, message: string, fix: string): void;
}

/** What a part's container start is given: the run's network, its labels, and the per-run passwords. */
export interface ContainerStartContext {
  network: string;
  labels: Readonly<Record<string, string>>;
  /** Names its container resolves to an address of the run (its own Toxiproxy: hostnames); onRunNetwork writes them in its /etc/hosts. */
  hosts?: readonly { host: string; ipAddress: string }[];
  dbPassword(part: string): string;
}

/** The engine's hands on a started part's container, for its kind's process faults. */
export interface ContainerControl {
  /** The container's id, short, for messages. */
  readonly id: string;
  /** `docker kill --signal`: to the container's main process. */
  signal(signal: string): Promise<void>;
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** `docker restart` through testcontainers: the mapped ports read again, its wait strategy again. */
  restart(): Promise<void>;
  /** `docker exec`. */
  exec(command: string[]): Promise<{ exitCode: number; output: string }>;
  /** Resolves when a line of its output from now on holds `marker`; rejects after `timeoutMs`. */
  nextLine(marker: string, timeoutMs: number): Promise<void>;
  /** Its last lines of output, for an error's message. */
  tail(): string;
  /** The host's URL of a port the container publishes (it may change with a restart). */
  urlOf(port: number): string;
}

/** A part's process faults on its container (the local backend's kill, freeze and restart). */
export interface ContainerFaults {
  /** Sends the signal to what serves the part. */
  kill(signal: string): Promise<void>;
  /** Stops every process of the container; the returned heal resumes them. */
  freeze(): Promise<() => Promise<void>>;
  /** Stops the part and starts it again, ready when this resolves. */
  restart(): Promise<void>;
}

/**
 * The faults of a container whose main process is the part's server: `docker kill` reaches it;
 * freeze is the cgroup freezer (every process stops, as SIGSTOP to the tree does locally); restart
 * is docker's, waited for as at start.
 */
export function mainProcessFaults(control: ContainerControl): ContainerFaults {
  return {
    kill: (signal) => control.signal(signal),
    freeze: async () => {
      await control.pause();
      return () => control.unpause();
    },
    restart: () => control.restart(),
  };
}

/** What the run's handle on a started container is made with. */
export interface ContainerRunContext {
  dbPassword(part: string): string;
  control: ContainerControl;
}

/** A started container as the run uses it: its part, its process faults, a gateway's server-state watch (released before the container). */
export interface StartedPartInContainer {
  part: StartedPart;
  faults: ContainerFaults;
  watch?: ServerStateWatch;
}

/**
 * One kind of stack part, whole: the user's documented type (Def), its schema, how it resolves, what
 * a service that depends on it is told, its local start, its container plan, the container's start
 * and the run's handle on it (as a testcontainers module keeps its builder and started container
 * side by side). Registered in
 * parts/index.ts; validation, the local start and the containers plan loop over that list.
 * Methods (not arrow properties), so that every kind fits the list's PartKind<StackPart, ResolvedPart>.
 */
export interface PartKind<
  Def extends { kind: string },
  Resolved extends { kind: Def['kind']; name: string },
  Local extends StartedLocalPart = StartedLocalPart,
  Plan extends ContainerPlanBase = ContainerPlanBase,
> {
  readonly kind: Def['kind'];
  /** The name its server's version is reported under (result.json's versions), when brownout runs a server of its own for it. */
  readonly versionName?: string;
  /** The user's object, kind included (a z.strictObject: unknown options are errors). */
  readonly schema: z.ZodType<Def>;
  resolve(def: Def, ctx: PartResolveContext): Resolved;
  /** The parts it must start after (the far ends of its links). */
  after(part: Resolved): readonly string[];
  /**
   * Dependencies it dials by a host name of its own (part → name), not through the env it is
   * given: on containers each such link gets a Toxiproxy of the part's own that the name resolves to.
   */
  hostnames?(part: Resolved): Readonly<Record<string, string>>;
  /** <NAME>_HOST and _PORT, and the kind's own (_URL; a database's _USER, _PASSWORD, _DATABASE). */
  dependencyEnv(part: Resolved, reach: Reach): Record<string, string>;
  /** Why this part cannot run on a backend (a service with only an image, locally), checked before anything starts. */
  cannotRunOn?(part: Resolved, backend: 'local' | 'containers'): { message: string; fix: string } | undefined;
  start(part: Resolved, ctx: LocalStartContext): Promise<Local>;
  /** What a part that depends on this started one is told besides where it is (a database's account). */
  account?(started: Local): { user: string; password: string };
  /** Its server's version, locally (with versionName). */
  version?(started: Local): string;
  plan(part: Resolved, ctx: PlanContext): Plan;
  /** Starts the container its plan describes; ready when this resolves (testcontainers' wait strategy). */
  startContainer(plan: Plan, ctx: ContainerStartContext): Promise<StartedTestContainer>;
  /** What the run uses of that container: the same part interface as the local start's, and its process faults. */
  startedInContainer(plan: Plan, container: StartedTestContainer, ctx: ContainerRunContext): Promise<StartedPartInContainer>;
  /** The waits it is configured with, for the timeout ladder (none: a hop without a limit of its own). */
  waits(part: Resolved): LadderPart;
  /**
   * The compose services it stands for (by image name; fromCompose's kinds option names others), and
   * its part made from one. The service kind takes every other image and every build.
   */
  readonly compose?: { images?: RegExp; from(svc: ComposeService, ctx: ComposeContext): Def };
}

/** The variable prefix of a part: its name in capitals (db → DB_HOST). */
export const envPrefix = (part: string): string => part.toUpperCase();

/** <NAME>_HOST and <NAME>_PORT, which every dependency gets. */
export const hostPortEnv = (part: string, reach: Reach): Record<string, string> => ({
  [`${envPrefix(part)}_HOST`]: reach.host,
  [`${envPrefix(part)}_PORT`]: String(reach.port),
});
