import type { CleanupList } from '../core/cleanup.ts';
import type { HarnessError } from '../core/errors.ts';
import type { ProgressFigures } from '../load/index.ts';
import type { Phase } from '../metrics/index.ts';
import type { Baseline, Margin, RunResult } from '../report/index.ts';
import type { ScenarioDefinition } from '../scenario/index.ts';
import type { ImageSetName, StartedRecord } from '../stack/index.ts';

/** What a run is asked to do (runScenario), what it gives back, and its live status line. */
export interface RunOptions {
  scenarioFile: string;
  mode?: string;
  reportsDir?: string;
  /** Hosts besides loopback that load may be sent to (--allow-host). */
  allowHosts?: readonly string[];
  /** A part listening beyond loopback ends the run (exit 2) before the load, instead of a warning. */
  loopbackOnly?: boolean;
  /** Aborting (SIGINT, SIGTERM) stops the load and tears everything down. */
  signal?: AbortSignal;
  /** One line per step, for the terminal. */
  onProgress?: (line: string) => void;
  /** A stored run to compare with (--baseline): worse beyond a margin fails the run. */
  baseline?: { data: Baseline; file: string; margins: readonly Margin[] };
  /** k6 processes sharing the load, each its execution segment (k6's own split, as the k6-operator does); default 1. */
  runners?: number;
  /** About twice a second during the load: where the run is and how the target is doing. */
  onLive?: (s: ProgressStatus) => void;
  /** Where the stack runs: local processes (default) or containers (needs a Docker engine). */
  backend?: 'local' | 'containers';
  /** The containers backend's images: built here by `make setup-containers` (default), or the upstream ones. */
  images?: ImageSetName;
  /** Called once with the run's cleanup list: a forced exit can say what it could not release. */
  onCleanupList?: (list: CleanupList) => void;
  /** Changes the scenario's definition before it is checked (`brownout margin`'s probes). */
  definition?: (def: ScenarioDefinition) => ScenarioDefinition;
  /**
   * Runs again, up to this many times, when the machine was too busy to trust the verdict
   * (BO_MACHINE_BUSY): what a team on a shared runner would do by hand. Default 0.
   */
  againIfBusy?: number;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  runId: string | undefined;
  reportDir: string | undefined;
  result: RunResult | undefined;
  error: HarnessError | Error | undefined;
  /** What teardown could not release (empty when all is clean). */
  cleanupFailures: string[];
  /** Toxics still on the Toxiproxy server after the faults were healed (should be none). */
  toxicsLeft: string[];
  /** What the run started: every pid and every loopback port it listened on (for proofs of teardown). */
  started: StartedRecord;
  /** Runs before this one whose verdict the machine's load withheld (againIfBusy), by run id: their reports are kept. */
  busyBefore: string[];
}

export interface ProgressStatus extends ProgressFigures {
  scenario: string;
  mode: string;
  /** The phase now: warm-up (load.warmUp), baseline before the first fault, fault while one is active, and so on. */
  phase: Phase | 'warm-up';
  elapsedMs: number;
  totalMs: number;
  activeFaults: string[];
}
