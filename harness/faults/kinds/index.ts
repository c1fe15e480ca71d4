import type { FaultKind } from '../kind.ts';
import { bandwidthKind } from './bandwidth.ts';
import { clientPauseKind } from './client-pause.ts';
import { connectionFloodKind } from './connection-flood.ts';
import { cpuKind } from './cpu.ts';
import { diskFullKind } from './disk-full.ts';
import { memoryKind } from './memory.ts';
import { evictKind } from './evict.ts';
import { expireKind } from './expire.ts';
import { killConnectionsKind } from './kill-connections.ts';
import { readOnlyKind } from './read-only.ts';
import { slowTransactionKind } from './slow-transaction.ts';
import { downKind } from './down.ts';
import { flushCacheKind } from './flush-cache.ts';
import { httpAbortKind } from './http-abort.ts';
import { httpDelayKind } from './http-delay.ts';
import { httpErrorKind } from './http-error.ts';
import { freezeKind } from './freeze.ts';
import { killKind } from './kill.ts';
import { latencyKind } from './latency.ts';
import { limitDataKind } from './limit-data.ts';
import { lockWaitKind } from './lock-wait.ts';
import { requestKind } from './request.ts';
import { resetPeerKind } from './reset-peer.ts';
import { restartKind } from './restart.ts';
import { slicerKind } from './slicer.ts';
import { slowCloseKind } from './slow-close.ts';
import { timeoutKind } from './timeout.ts';

/**
 * Every fault kind. Validation, the run and the README check loop over this list: a new fault is
 * its own file in this folder (type, schema, resolve, apply/heal), a line here and its helper
 * exported from harness/index.ts.
 */
export const FAULT_KINDS = [
  latencyKind,
  timeoutKind,
  resetPeerKind,
  bandwidthKind,
  slowCloseKind,
  slicerKind,
  limitDataKind,
  downKind,
  httpErrorKind,
  httpDelayKind,
  httpAbortKind,
  lockWaitKind,
  slowTransactionKind,
  connectionFloodKind,
  killConnectionsKind,
  readOnlyKind,
  killKind,
  freezeKind,
  cpuKind,
  memoryKind,
  diskFullKind,
  restartKind,
  requestKind,
  flushCacheKind,
  clientPauseKind,
  evictKind,
  expireKind,
] as const;

type DefOf<K> = K extends FaultKind<infer D, infer _R> ? D : never;
type ResolvedOf<K> = K extends FaultKind<infer _D, infer R> ? R : never;

/** A fault as a scenario writes it. */
export type Fault = DefOf<(typeof FAULT_KINDS)[number]>;
/** A fault resolved: durations in ms, links and parts checked. */
export type ResolvedFault = ResolvedOf<(typeof FAULT_KINDS)[number]>;

/** The list, each kind seen through the union (its methods accept any fault of the list). */
const BY_TYPE: ReadonlyMap<string, FaultKind<Fault, ResolvedFault>> = new Map(FAULT_KINDS.map((k): [string, FaultKind<Fault, ResolvedFault>] => [k.type, k]));

export function faultKind(type: string): FaultKind<Fault, ResolvedFault> | undefined {
  return BY_TYPE.get(type);
}

/** The registered kinds' type names, in the list's order. */
export const FAULT_TYPES: readonly Fault['type'][] = FAULT_KINDS.map((k) => k.type);
