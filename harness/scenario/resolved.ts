import type { AbortCondition, Expectation, Scope } from '../measures/index.ts';
import type { Ladder } from '../metrics/index.ts';
import type { ResolvedFault } from '../faults/index.ts';
import type { ResolvedLink, ResolvedPart } from '../stack/index.ts';
import type { ReplaySource } from './types.ts';

// The resolved scenario: what the run works from.

export type { ResolvedPart };

// The stack's own type (stack/link.ts): the scenario resolves into it.
export type { ResolvedLink };

export type { ResolvedFault };

export interface ResolvedTimelineEntry {
  index: number;
  /** Its own phase's name (given, or the fault's type, numbered when several). */
  phase: string;
  label: string;
  atMs: number;
  forMs: number;
  fault: ResolvedFault;
}

/** One group of `load.arrivals`: a k6 scenario of its own. */
export interface ResolvedArrivals {
  /** The load script's export it calls (and the k6 scenario's name). */
  exec: string;
  perSecond: readonly number[];
  preAllocatedVUs: number;
  maxVUs: number;
}

/** load.shed resolved: ms from the start of the load, and the rate sent meanwhile. */
export interface ResolvedShed {
  fromMs: number;
  toMs: number;
  /** Of the full rate, 0 < share < 1. */
  share: number;
  /** rate × share, to a whole number (at least 1): k6 sends whole arrivals per second. */
  rate: number;
}

export interface ResolvedLoad {
  scriptPath: string;
  target: string;
  targetUrl?: string;
  /** The constant rate; with arrivals, their busiest second (all groups together). */
  rate: number;
  durationMs: number;
  requestTimeoutMs: number;
  /** load.warmUp: the load's first ms, judged in no phase (0: none). */
  warmUpMs: number;
  /** Of the constant rate (with arrivals, the sum over the groups). */
  preAllocatedVUs: number;
  maxVUs: number;
  arrivals?: readonly ResolvedArrivals[];
  shed?: ResolvedShed;
  /** load.env: handed to the script as __ENV (besides BASE_URL and REQUEST_TIMEOUT). */
  env: Readonly<Record<string, string>>;
}

export interface ResolvedScenario {
  file: string;
  name: string;
  incident: string;
  mode: string;
  /** In start order: every part after the parts it depends on. */
  parts: readonly ResolvedPart[];
  links: readonly ResolvedLink[];
  /** targetUrl is set when the load goes to a URL outside the stack. */
  load: ResolvedLoad;
  timeline: readonly ResolvedTimelineEntry[];
  expect: Readonly<Record<Scope, readonly Expectation[]>>;
  /** Expectations of a timeline entry's own phase, by its name. */
  faultExpect: Readonly<Record<string, readonly Expectation[]>>;
  writes: { db: string; table: string; key: string; attemptKey: string | undefined } | undefined;
  steady: readonly Expectation[];
  stableForMs: number;
  /** Stop conditions (abortWhen): the first that holds ends the load and fails the run. */
  abortWhen: readonly AbortCondition[];
  replayOf: ReplaySource | undefined;
  /** Every mode the scenario offers, the default first. */
  modes: readonly string[];
  /** Every configured wait from the client inward, and where an inner one outlasts an outer one. */
  ladder: Ladder;
}

/** The scenario's own defaults (a part's are its kind's, in harness/stack/parts/). */
export const DEFAULTS = {
  requestTimeoutMs: 10_000,
  stableForMs: 2_000,
} as const;
