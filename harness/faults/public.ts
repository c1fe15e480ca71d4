// What scenarios import of the faults: each kind's helper and documented type (a new kind adds its
// line here and in kinds/index.ts's list). harness/index.ts and the DSL re-export this file whole.
export type { Fault } from './kinds/index.ts';
export type { ToxicOptions } from './kind.ts';
export { bandwidth, type BandwidthFault } from './kinds/bandwidth.ts';
export { down, type DownFault } from './kinds/down.ts';
export { flushCache, type FlushCacheFault } from './kinds/flush-cache.ts';
export { freeze, type FreezeFault } from './kinds/freeze.ts';
export { httpAbort, type HttpAbortFault } from './kinds/http-abort.ts';
export { httpDelay, type HttpDelayFault } from './kinds/http-delay.ts';
export { httpError, type HttpErrorFault } from './kinds/http-error.ts';
export type { HttpFaultOptions } from './kinds/http.ts';
export { kill, type KillFault } from './kinds/kill.ts';
export { latency, type LatencyFault } from './kinds/latency.ts';
export { limitData, type LimitDataFault } from './kinds/limit-data.ts';
export { lockWait, type LockWaitFault } from './kinds/lock-wait.ts';
export { request, type RequestFault } from './kinds/request.ts';
export { resetPeer, type ResetPeerFault } from './kinds/reset-peer.ts';
export { restart, type RestartFault } from './kinds/restart.ts';
export { slicer, type SlicerFault } from './kinds/slicer.ts';
export { slowClose, type SlowCloseFault } from './kinds/slow-close.ts';
export { timeout, type TimeoutFault } from './kinds/timeout.ts';
export { clientPause, type ClientPauseFault } from './kinds/client-pause.ts';
export { connectionFlood, type ConnectionFloodFault } from './kinds/connection-flood.ts';
export { evict, type EvictFault } from './kinds/evict.ts';
export { expire, type ExpireFault } from './kinds/expire.ts';
export { killConnections, type KillConnectionsFault } from './kinds/kill-connections.ts';
export { readOnly, type ReadOnlyFault } from './kinds/read-only.ts';
export { slowTransaction, type SlowTransactionFault } from './kinds/slow-transaction.ts';
