import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../harness/report/html.ts';
import type { RunResult } from '../../harness/report/index.ts';

// Debian's chromium (make setup installs it for the tests); playwright-core drives it, no browser download.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// A real run: lb-failover in broken mode (kill at 15 s, HAProxy ejects the leader 8 s later, 502s then 503s).
const recorded = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../harness/report/testdata/lb-failover-broken.result.json'), 'utf8')) as RunResult;

describe('report.html in a real browser', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: run make setup (it installs Debian's chromium for the tests)`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    dir = mkdtempSync(path.join(os.tmpdir(), 'bo-report-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The result rendered to `name` and opened: its page, its errors, and (once drawn) what each chart drew. */
  async function opened(
    r: RunResult,
    name: string,
    charted = true,
  ): Promise<{ page: Page; problems: string[]; charts: { id: string; datasets: number; points: number }[] }> {
    const file = path.join(dir, name);
    writeFileSync(file, await renderHtml(r, undefined, []));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`file://${file}`);
    if (!charted) return { page, problems, charts: [] };
    await page.waitForSelector('body[data-charts=ready]', { timeout: 10_000 });
    return { page, problems, charts: await page.evaluate<{ id: string; datasets: number; points: number }[]>('window.brownoutCharts') };
  }

  it('opens offline, draws every chart with data, and leaves a screenshot beside the report', async () => {
    const file = path.join(dir, 'report.html');
    writeFileSync(file, await renderHtml(recorded, undefined, []));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    // Offline: any request leaving the file (a CDN script, a font) is refused and counted.
    const requests: string[] = [];
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-charts=ready]', { timeout: 10_000 });
    // Page code as strings: this file is type-checked without the DOM library.
    const charts = await page.evaluate<{ id: string; datasets: number; points: number }[]>('window.brownoutCharts');
    expect(charts.map((c) => c.id)).toEqual(['chart-latency', 'chart-rate', 'chart-status']);
    const buckets = recorded.series?.points.length ?? 0;
    expect(buckets).toBe(40);
    // Every bucket had requests: each line has a point per bucket.
    expect(charts).toEqual([
      { id: 'chart-latency', datasets: 3, points: 3 * buckets },
      { id: 'chart-rate', datasets: 1, points: buckets },
      { id: 'chart-status', datasets: 5, points: 5 * buckets },
    ]);
    // Drawn, not just configured: each canvas has coloured pixels of its lines, and the status chart
    // shows the 502 orange and the 503 red of the incident.
    const colours = await page.evaluate<{ id: string; inked: number; has502: boolean; has503: boolean }[]>(`
      Array.from(document.querySelectorAll('canvas')).map((c) => {
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        const seen = new Set();
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
          if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 80) {
            inked++;
            seen.add(r + ',' + g + ',' + b);
          }
        }
        return { id: c.id, inked, has502: seen.has('255,127,14'), has503: seen.has('214,39,40') };
      })`);
    for (const c of colours) expect(c.inked, c.id).toBeGreaterThan(500);
    expect(colours.find((c) => c.id === 'chart-status')).toMatchObject({ has502: true, has503: true });
    // The failed expectations are marked in the table.
    expect(await page.locator('tr.failed').count()).toBe(recorded.judgement.expectations.filter((x) => !x.passed).length);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    // Kept for a person to look at: next to the recorded report under reports/ (ignored by git).
    const keep = path.resolve('reports', 'report-browser');
    mkdirSync(keep, { recursive: true });
    copyFileSync(file, path.join(keep, 'report.html'));
    copyFileSync(shot, path.join(keep, 'report.png'));
  });

  it('a replayed scenario draws its source log dashed over the run: requests/s and each failure kind the log has', async () => {
    const points = recorded.series?.points ?? [];
    const replayOf = {
      log: 'incident.log',
      format: 'haproxy' as const,
      from: '2026-11-24T10:00:00Z',
      to: '2026-11-24T10:00:40Z',
      speed: 1,
      requests: points.map((p) => p.count),
      statuses: { '502': points.map((p) => p.statuses['502'] ?? 0), '503': points.map((p) => p.statuses['503'] ?? 0) },
    };
    const { page, problems, charts } = await opened({ ...recorded, replayOf }, 'replay.html');
    const buckets = points.length;
    expect(charts).toEqual([
      { id: 'chart-latency', datasets: 3, points: 3 * buckets },
      { id: 'chart-rate', datasets: 2, points: 2 * buckets },
      { id: 'chart-status', datasets: 7, points: 7 * buckets },
    ]);
    expect(await page.textContent('body')).toContain('Replayed from incident.log');
    expect(problems).toEqual([]);
  });

  it("draws each part's memory through the load and tables its CPU and memory per phase (a real run's readings)", async () => {
    const run = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../harness/report/testdata/teardown-pass.result.json'), 'utf8')) as RunResult;
    const { page, problems, charts } = await opened(run, 'parts.html');
    const readings = run.memory ?? [];
    expect(readings.length).toBeGreaterThan(10);
    const parts = Object.keys(readings[0]?.mb ?? {});
    expect(parts.sort()).toEqual(['app', 'db', 'edge', 'imager']);
    expect(charts.find((c) => c.id === 'chart-memory')).toEqual({ id: 'chart-memory', datasets: 4, points: 4 * readings.length });
    const body = await page.textContent('body');
    expect(body).toContain('Memory per part (MB, its whole process tree)');
    expect(body).toContain('memory growth');
    expect(problems).toEqual([]);
  });

  it('draws what the stack did per request (a real retry-storm broken run: DB queries, new connections, payment calls)', async () => {
    const storm = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../harness/report/testdata/retry-storm-broken.result.json'), 'utf8')) as RunResult;
    const { page, problems, charts } = await opened(storm, 'storm.html');
    const lines = storm.workSeries ?? [];
    expect(lines.map((l) => l.label)).toEqual(['db: DB queries', 'db: new DB connections', 'app→payments: calls']);
    expect(charts.find((c) => c.id === 'chart-work')).toEqual({
      id: 'chart-work',
      datasets: 3,
      points: lines.reduce((n, l) => n + l.values.filter((v) => v !== null).length, 0),
    });
    expect(await page.textContent('body')).toContain('Inside the stack, per client request');
    expect(problems).toEqual([]);
  });

  it('a report without time series (an older result.json) still opens, and says why there are no charts', async () => {
    const { series: _series, ...old } = recorded;
    const { page, problems } = await opened(old, 'old.html', false);
    expect(await page.locator('canvas').count()).toBe(0);
    expect(await page.textContent('body')).toContain('written before time series were kept');
    expect(problems).toEqual([]);
  });
});
