import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarginBaseline, MarginResult } from '../../harness/run/index.ts';
import { newProcesses, runCli, stackProcesses } from './helpers.ts';

// The whole margin search through the CLI, each probe a real run: a latency whose breaking point is
// known (~248 ms against 'p50 < 250ms'), and a stored margin it falls short of (exit 1).
describe('brownout margin on a real stack', () => {
  it('finds the latency at which the expectations break, says it with the margin, and fails against a larger stored margin', async () => {
    const before = stackProcesses();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-margin-'));
    try {
      const stored = path.join(dir, 'stored.json');
      const key = 'margin-probe: slow-link.latency';
      const old: MarginBaseline = { version: 1, margins: { [key]: { breaksAt: 600, resolution: 50, unit: 'ms', date: '2026-12-01', mode: 'default' } } };
      writeFileSync(stored, JSON.stringify(old));
      const saved = path.join(dir, 'saved.json');
      const reports = path.join(dir, 'reports');
      const r = await runCli(
        'margin',
        'tests/integration/scenarios/margin.ts',
        '--fault',
        'slow-link',
        '--vary',
        'latency',
        '--from',
        '50ms',
        '--to',
        '800ms',
        '--resolution',
        '50ms',
        '--reports',
        reports,
        '--baseline',
        stored,
        '--save-baseline',
        saved,
      );
      expect(r.stderr).toContain('probe latency = 800: FAIL');
      const m = /^breaks at (\d+)ms of slow-link's latency \(holds at (\d+)ms\); the scenario uses 100ms; margin ([\d.]+)×$/m.exec(r.stdout);
      expect(m, r.stdout + r.stderr).not.toBeNull();
      const [breaks, holds, margin] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
      // The true limit (~248 ms) lies between the holding and the failing probe, which are within the resolution.
      expect(holds).toBeLessThan(250);
      expect(breaks).toBeGreaterThanOrEqual(245);
      expect(breaks - holds).toBeLessThanOrEqual(50);
      expect(margin).toBeCloseTo(breaks / 100, 1);
      // 600 ms before, ~250 now: beyond both resolutions, the gate fails.
      expect(r.stdout).toContain(`breaks at 600ms before, ${breaks}ms now: the margin got smaller`);
      expect(r.status).toBe(1);
      // The report: every probe a run of its own, kept; the saved margin for the next comparison.
      const mdir = /margin report in (\S+)/.exec(r.stderr)?.[1] ?? '';
      const result = JSON.parse(readFileSync(path.join(mdir, 'margin.json'), 'utf8')) as MarginResult;
      expect(result.breaksAt).toBe(breaks);
      expect(result.probes.length).toBeGreaterThanOrEqual(5);
      for (const p of result.probes) expect(existsSync(path.join(mdir, 'probes', p.runId ?? '', 'result.json'))).toBe(true);
      expect(readFileSync(path.join(mdir, 'margin.md'), 'utf8')).toContain('| 1 | 800ms | FAIL | slow-link: p50 < 250ms |');
      expect((JSON.parse(readFileSync(saved, 'utf8')) as MarginBaseline).margins[key]?.breaksAt).toBe(breaks);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await newProcesses(before)).toEqual([]);
  }, 300_000);

  it('an entry or field that cannot be varied: one error before any probe, naming what to give', async () => {
    const r = await runCli('margin', 'tests/integration/scenarios/margin.ts', '--fault', 'slow-link', '--vary', 'link');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'link' is not a magnitude of this latency entry");
    expect(r.stderr).toContain('vary one of: for, latency');
    expect(r.stderr).not.toContain('probe');
  });
});
