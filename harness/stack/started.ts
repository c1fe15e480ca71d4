import type mysql from 'mysql2/promise';
import type { StackError } from '../core/errors.ts';
import type { ServerStateChange } from '../metrics/index.ts';
import type { HttpFaultProxy } from './http-faults.ts';
import type { ProxyCounters } from './haproxy.ts';
import type { StartedLinkProxy, LinkTraffic } from './toxiproxy.ts';

/** The signals the kill fault sends (faults/kinds/kill.ts). */
export type KillSignal = 'SIGKILL' | 'SIGTERM' | 'SIGINT' | 'SIGQUIT';

/**
 * A started stack as the run, the faults and the checks use it, whichever backend started it
 * (local processes or containers). Each backend's own handle carries more (pids, containers).
 */
export interface StartedStack {
  readonly backend: 'local' | 'containers';
  readonly parts: ReadonlyMap<string, StartedPart>;
  /** One Toxiproxy proxy per link, by link name ('app→db'). */
  readonly links: ReadonlyMap<string, StartedLinkProxy>;
  /** The HTTP fault proxy of each link an HTTP fault names, by link name. */
  readonly httpFaults: ReadonlyMap<string, HttpFaultProxy>;
  /** How long each part took to start, ms (Toxiproxy as 'toxiproxy'). */
  readonly startupMs: Readonly<Record<string, number>>;
  /** The URL the harness (k6, a request fault) uses to reach a service or gateway. */
  urlOf(part: string): string;
  versions(): Record<string, string>;
  /** Every toxic on every proxy, straight from Toxiproxy's API (the proof that none was left). */
  listToxics(): Promise<{ proxy: string; toxic: string }[]>;
  /** What each link carried so far (connections its proxy accepted), by link name. */
  linkTraffic(): Map<string, LinkTraffic>;
  /**
   * Sends the signal to what serves the part: under a process manager its worker (which the
   * manager may restart), else the part itself. false: the part was not running.
   */
  kill(part: string, signal: KillSignal): Promise<boolean>;
  /** Stops every process of the part until the returned heal resumes them. */
  freeze(part: string): Promise<() => Promise<void>>;
  /** The part's processes together get at most `cores` CPUs until the returned heal lifts the limit. */
  limitCpu(part: string, cores: number): Promise<() => Promise<void>>;
  /** The part's processes together may hold at most `bytes` of memory (beyond it the OOM killer acts) until the returned heal lifts the limit. */
  limitMemory(part: string, bytes: number): Promise<() => Promise<void>>;
  /**
   * Fills the part's data filesystem (its own sized one, which a diskFull fault gives it at start)
   * to the last byte, until the returned heal empties it again.
   */
  fillDisk(part: string): Promise<() => Promise<void>>;
  /**
   * Calls back once, with the part and its last log lines, when a part stops without the harness
   * asking; parts in `except` (those the timeline attacks) may stop: each such exit is told to
   * `onAttackedExit` (the part, how it ended), for the run's timeline.
   */
  onUnexpectedExit(except: ReadonlySet<string>, callback: (error: StackError) => void, onAttackedExit?: (part: string, how: string) => void): void;
  /**
   * Host pids whose process trees are the stack's but not under the harness's own process (each
   * container's first process); none on the local backend, where every part is the harness's child.
   */
  processRoots(): Promise<number[]>;
  /** Each part's first process, by part (a host pid: a container's main process on containers); a part not running has none. */
  partRoots(): Promise<Map<string, number>>;
}

export interface StartedMariaDb {
  readonly kind: 'mariadb';
  readonly name: string;
  /** The account services use. */
  readonly user: string;
  /** An admin connection straight to the server (not through Toxiproxy): for faults and checks. */
  adminConnection(): Promise<mysql.Connection>;
}

export interface StartedRedis {
  readonly kind: 'redis';
  readonly name: string;
  /** FLUSHALL, straight to the server (not through Toxiproxy). */
  flushAll(): Promise<void>;
  /** Any command, straight to the server; Redis's reply. */
  command(args: readonly string[]): Promise<unknown>;
}

export interface StartedMemcached {
  readonly kind: 'memcached';
  readonly name: string;
  /** flush_all, straight to the server (not through Toxiproxy). */
  flushAll(): Promise<void>;
}

export interface StartedService {
  readonly kind: 'service';
  readonly name: string;
  /** The service's own port, not through Toxiproxy or a gateway. */
  readonly url: string;
  /** Stops the service and starts it again, ready when its health check answers 200. */
  restart(): Promise<void>;
}

export interface StartedGateway {
  readonly kind: 'gateway';
  readonly name: string;
  readonly url: string;
  /** Every state change of every server since start (the first entry per server is its state at start). */
  serverChanges(): readonly ServerStateChange[];
  /** HAProxy's count of access-log lines it could not write (its log is short by as many); undefined when unknown. */
  droppedLogLines(): Promise<number | undefined>;
  /** Each frontend's, backend's and server's cumulative counters (sessions, retries, redispatches, requests). */
  counters(): Promise<ProxyCounters[]>;
}

export type StartedPart = StartedMariaDb | StartedRedis | StartedMemcached | StartedService | StartedGateway;
