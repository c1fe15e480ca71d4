// The public API of brownout: what scenario files import.
export { scenario, mariadb, redis, service, gateway, flushCache, latency, lockWait, timeout, resetPeer, bandwidth, slowClose, slicer, limitData, down, kill, freeze, restart, request, at } from './scenario/index.ts';
export type {
  ScenarioDefinition,
  StackPart,
  MariaDbPart,
  ServicePart,
  GatewayPart,
  RedisPart,
  FlushCacheFault,
  Fault,
  LatencyFault,
  LockWaitFault,
  TimeoutFault,
  BandwidthFault,
  SlowCloseFault,
  SlicerFault,
  LimitDataFault,
  ToxicOptions,
  ResetPeerFault,
  DownFault,
  KillFault,
  FreezeFault,
  RestartFault,
  RequestFault,
  TimelineEntry,
  LoadProfile,
  Expectations,
  StackContext,
  WriteCheck,
  ReplaySource,
} from './scenario/index.ts';
export { runScenario, type RunOptions, type RunOutcome } from './run/index.ts';
export { HarnessError, ScenarioError, StackStartError, StackError, FaultError, LoadError } from './core/errors.ts';
