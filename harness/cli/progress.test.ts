import { describe, expect, it } from 'vitest';
import type { ProgressStatus } from '../run/index.ts';
import { describeLive, progressFor } from './progress.ts';

const status = (elapsedMs: number, phase: ProgressStatus['phase'], activeFaults: string[] = []): ProgressStatus => ({
  scenario: 'slow-transaction',
  mode: 'fixed',
  phase,
  elapsedMs,
  totalMs: 45_000,
  activeFaults,
  requests: Math.round(elapsedMs / 25),
  windowRequests: 200,
  windowP95Ms: 7.25,
  window503Rate: 0.012,
  windowFailedRate: 0.02,
  windowNon2xxRate: 0.02,
});

function plainStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress when output is not a terminal', () => {
  it('writes plain lines: every step, the live figures every 5 s and at each phase change', () => {
    const { stream, lines } = plainStream();
    const p = progressFor(stream);
    p.step('stack up in 1.6 s');
    for (let t = 0; t <= 12_000; t += 500) p.live(status(t, t < 10_000 ? 'baseline' : 'fault', t < 10_000 ? [] : ['latency 4s on app→imager']));
    p.done();
    expect(lines).toEqual([
      'brownout: stack up in 1.6 s',
      'brownout: +0.0s/45.0s baseline: 0 requests; last 5 s: p95 7.25ms, 503 1.20%, failed 2.00%, non-2xx 2.00%; active: no fault',
      'brownout: +5.0s/45.0s baseline: 200 requests; last 5 s: p95 7.25ms, 503 1.20%, failed 2.00%, non-2xx 2.00%; active: no fault',
      'brownout: +10.0s/45.0s fault: 400 requests; last 5 s: p95 7.25ms, 503 1.20%, failed 2.00%, non-2xx 2.00%; active: latency 4s on app→imager',
    ]);
  });

  it('says — where there is nothing to measure yet', () => {
    expect(
      describeLive({
        ...status(0, 'baseline'),
        windowRequests: 0,
        windowP95Ms: undefined,
        window503Rate: undefined,
        windowFailedRate: undefined,
        windowNon2xxRate: undefined,
      }),
    ).toBe('0 requests; last 5 s: p95 —, 503 —, failed —; active: no fault');
  });
});

describe('the live figures', () => {
  it('name non-2xx answers beside failed ones, and leave them out when there are none', () => {
    // A gateway answering 401 to everything during an outage: nothing "failed", every answer wrong.
    const all401 = { ...status(20_000, 'fault'), window503Rate: 0, windowFailedRate: 0, windowNon2xxRate: 1 };
    expect(describeLive(all401)).toContain('503 0.00%, failed 0.00%, non-2xx 100.00%;');
    expect(describeLive({ ...all401, windowNon2xxRate: 0 })).toContain('failed 0.00%; active');
  });
});
