import { describe, expect, it } from 'vitest';
import { parseProcStat, parsePressure } from '../run/machine.ts';
import { machinePerPhase } from './machine.ts';

describe('machine health per phase', () => {
  it('reads /proc/stat and /proc/pressure/cpu as the kernel writes them', () => {
    expect(parseProcStat('cpu  137138 0 36347 299026 5084 0 2538 3459 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 1 2 3 4 5 6 7 8 9 10\nintr 1\n')).toEqual({
      totalTicks: 137138 + 36347 + 299026 + 5084 + 2538 + 3459,
      idleTicks: 299026 + 5084,
      cores: 2,
    });
    expect(parsePressure('some avg10=24.52 avg60=14.56 avg300=13.31 total=438496784\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n')).toBe(438496784);
    expect(parseProcStat('intr 1 2 3')).toBeUndefined();
  });

  it('gives the busy share, the others’ share and the CPU wait between the first and last readings inside a phase', () => {
    const samples = [
      { atMs: 900, totalTicks: 0, idleTicks: 0, runTicks: 0, cpuSomeUs: 0, cores: 2 },
      { atMs: 1000, totalTicks: 1000, idleTicks: 600, runTicks: 100, cpuSomeUs: 0, cores: 2 },
      { atMs: 2000, totalTicks: 1200, idleTicks: 700, runTicks: 120, cpuSomeUs: 250_000, cores: 2 },
      { atMs: 3000, totalTicks: 1400, idleTicks: 750, runTicks: 140, cpuSomeUs: 500_000, cores: 2 },
    ];
    const lags = [
      { atMs: 1000, maxMs: 50 },
      { atMs: 2000, maxMs: 12 },
      { atMs: 3000, maxMs: 30 },
    ];
    const [m, short] = machinePerPhase(samples, lags, [
      { phase: 'baseline', fromMs: 1000, toMs: 3000 },
      { phase: 'fault', fromMs: 2500, toMs: 2600 },
    ]);
    // 400 ticks, 150 idle: 250 used, 40 of them the run's. Others took 210 of 400: 2 × 190/400 cores left.
    expect(m).toEqual({ phase: 'baseline', busy: 250 / 400, othersBusy: 210 / 400, cpuWait: 0.25, freeCores: (2 * 190) / 400, loopLagMaxMs: 30 });
    // Fewer than two readings inside: nothing said.
    expect(short).toBeUndefined();
  });
});
