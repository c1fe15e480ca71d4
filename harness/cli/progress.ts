import { createLogUpdate } from 'log-update';
import { formatMs } from '../core/duration.ts';
import type { ProgressStatus } from '../run/index.ts';

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The figures of one live status as words, shared by the terminal block and the plain lines. */
export function describeLive(s: ProgressStatus): string {
  const p95 = s.windowP95Ms === undefined ? '—' : formatMs(s.windowP95Ms);
  // Every answer but a 2xx, when there is any: a 401 or a 404 for every request is not "failed" (5xx, no response).
  const non2xx = (s.windowNon2xxRate ?? 0) > 0 ? `, non-2xx ${pct(s.windowNon2xxRate)}` : '';
  return `${s.requests} requests; last 5 s: p95 ${p95}, 503 ${pct(s.window503Rate)}, failed ${pct(s.windowFailedRate)}${non2xx}; active: ${s.activeFaults.length ? s.activeFaults.join(', ') : 'no fault'}`;
}

function bar(done: number, width = 24): string {
  const n = Math.round(Math.min(1, Math.max(0, done)) * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

export interface Progress {
  /** A step of the run (stack up, a fault applied): kept in the scrollback. */
  step(line: string): void;
  live(s: ProgressStatus): void;
  /** The load is over: the live block goes. */
  done(): void;
}

/**
 * On a terminal, a two-line block redrawn in place under the step lines (log-update); when the
 * output is not a terminal (CI logs, a pipe), plain lines: every step, and the live figures every
 * `everyMs` and at each phase change.
 */
export function progressFor(stream: NodeJS.WriteStream, everyMs = 5000): Progress {
  // A terminal that reports no width (a pty nobody sized) would wrap the block at every character.
  if (stream.isTTY && (stream.columns ?? 0) > 0) {
    const block = createLogUpdate(stream);
    return {
      step: (line) => block.persist(`brownout: ${line}`),
      live: (s) =>
        block(`${s.scenario} (${s.mode}) ${bar(s.elapsedMs / s.totalMs)} ${secs(s.elapsedMs)}/${secs(s.totalMs)}  phase: ${s.phase}\n${describeLive(s)}`),
      done: () => {
        // Cleared, then done: nothing of the block stays, and the cursor is shown again.
        block.clear();
        block.done();
      },
    };
  }
  let lastAt = -Infinity;
  let lastPhase = '';
  return {
    step: (line) => stream.write(`brownout: ${line}\n`),
    live: (s) => {
      if (s.elapsedMs - lastAt < everyMs && s.phase === lastPhase) return;
      lastAt = s.elapsedMs;
      lastPhase = s.phase;
      stream.write(`brownout: +${secs(s.elapsedMs)}/${secs(s.totalMs)} ${s.phase}: ${describeLive(s)}\n`);
    },
    done: () => undefined,
  };
}
