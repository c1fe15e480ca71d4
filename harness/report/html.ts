import { buildToText } from '../core/esbuild.ts';
import { fileURLToPath } from 'node:url';
import { formatMs } from '../core/duration.ts';
import { HarnessError } from '../core/errors.ts';
import type { Figures } from '../metrics/index.ts';
import { describeShed, sharePercent } from '../measures/index.ts';
import { STATUS_SERIES, type ChartData, type ChartMark, type ChartWindow, type StatusSeries } from './chart-data.ts';
import {
  eventText,
  figureCells,
  FIGURE_HEADERS,
  formatFigure,
  loadShape,
  warmUpText,
  resultText,
  GAVE_UP_HEADERS,
  LADDER_HEADERS,
  ladderTable,
  writeTable,
  abortText,
  checkTable,
  partsTable,
  PARTS_HEADERS,
  CHECK_HEADERS,
  WRITE_HEADERS,
  type RunResult,
  MACHINE_HEADERS,
  machineTable,
  WORK_HEADERS,
  workTable,
} from './result.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const seconds = (ms: number) => Math.round(ms) / 1000;

function statusKey(code: string): StatusSeries | undefined {
  if (code === '503' || code === '502' || code === '504') return code;
  if (code === 'no_response') return 'no response';
  if (code.startsWith('5')) return 'other 5xx';
  return undefined;
}

/** The charts' data from a run result: pure, so it is unit-tested on a recorded result. */
export function chartData(r: RunResult): ChartData {
  const points = r.series?.points ?? [];
  const bucketMs = r.series?.bucketMs ?? 1000;
  const statusPct = Object.fromEntries(STATUS_SERIES.map((k) => [k, points.map((p): number | null => (p.count === 0 ? null : 0))])) as Record<
    StatusSeries,
    (number | null)[]
  >;
  points.forEach((p, i) => {
    if (p.count === 0) return;
    for (const [code, n] of Object.entries(p.statuses)) {
      const k = statusKey(code);
      const arr = k ? statusPct[k] : undefined;
      if (arr) arr[i] = (arr[i] ?? 0) + (n / p.count) * 100;
    }
  });
  const faults: ChartWindow[] = [];
  const instants: ChartMark[] = [];
  for (const a of r.timeline.filter((e) => e.kind === 'apply')) {
    const h = r.timeline.find((e) => e.kind === 'heal' && e.fault === a.fault);
    const toMs = h?.offsetMs ?? r.load.durationMs;
    // An instant fault heals as soon as it is applied: a line, not a window nobody could see.
    if (toMs - a.offsetMs < bucketMs / 10) instants.push({ label: a.label, atS: seconds(a.offsetMs) });
    else faults.push({ label: a.label, fromS: seconds(a.offsetMs), toS: seconds(toMs) });
  }
  const shed = r.load.shed;
  if (shed) {
    instants.push({ label: `load shed to ${sharePercent(shed.share)}`, atS: seconds(shed.fromMs) }, { label: 'load back to 100%', atS: seconds(shed.toMs) });
  }
  // Transitional check states (UP 1/3, DOWN 1/2) would crowd the chart: only settled ones are marked.
  const gateway = r.timeline.filter((e) => e.kind === 'gateway' && !/\d\/\d/.test(e.label)).map((e) => ({ label: e.label, atS: seconds(e.offsetMs) }));
  const heals = r.timeline.filter((e) => e.kind === 'heal').map((e) => e.offsetMs);
  const rc = r.judgement.recovery;
  const recovery =
    rc?.recovered && rc.recoveryMs !== undefined && heals.length
      ? { label: `recovered after ${formatMs(rc.recoveryMs)}`, atS: seconds(Math.max(...heals) + rc.recoveryMs) }
      : undefined;
  const log = r.replayOf
    ? logCurves(
        r.replayOf,
        points.map((p) => p.tMs),
        bucketMs,
      )
    : undefined;
  return {
    title: `${r.scenario.name} (${r.scenario.mode})`,
    // Each bucket is drawn at its middle: a burst in [15 s, 16 s) shows at 15.5 s, not before the fault at 15 s.
    t: points.map((p) => seconds(p.tMs + bucketMs / 2)),
    bucketS: bucketMs / 1000,
    durationS: seconds(r.load.durationMs),
    latency: { p50: points.map((p) => p.p50Ms), p95: points.map((p) => p.p95Ms), p99: points.map((p) => p.p99Ms) },
    rate: points.map((p) => p.count / (bucketMs / 1000)),
    statusPct,
    faults,
    instants,
    gateway,
    recovery,
    ...(log ? { log } : {}),
    ...(r.workSeries?.length ? { work: r.workSeries } : {}),
    ...(r.memory?.length ? { memory: memoryLines(r.memory) } : {}),
  };
}

/** The parts' memory readings as one line per part, at the readings' own times. */
function memoryLines(readings: NonNullable<RunResult['memory']>): NonNullable<ChartData['memory']> {
  const parts = [...new Set(readings.flatMap((x) => Object.keys(x.mb)))].sort();
  return { t: readings.map((x) => x.tMs / 1000), lines: parts.map((p) => ({ label: p, values: readings.map((x) => x.mb[p] ?? null) })) };
}

/** The source log's requests/s and failure shares, summed into the run's buckets (its seconds are replay seconds). */
function logCurves(src: NonNullable<RunResult['replayOf']>, bucketStarts: readonly number[], bucketMs: number): NonNullable<ChartData['log']> {
  const sum = (xs: readonly number[], i: number) => {
    let n = 0;
    for (let s = Math.ceil(i / 1000); s * 1000 < i + bucketMs && s < xs.length; s++) n += xs[s] ?? 0;
    return n;
  };
  const counts = bucketStarts.map((t) => sum(src.requests, t));
  const statusPct = Object.fromEntries(STATUS_SERIES.map((k) => [k, counts.map((n): number | null => (n === 0 ? null : 0))])) as Record<
    StatusSeries,
    (number | null)[]
  >;
  for (const [code, xs] of Object.entries(src.statuses)) {
    const k = statusKey(code === '0' ? 'no_response' : code);
    const arr = k ? statusPct[k] : undefined;
    if (!arr) continue;
    bucketStarts.forEach((t, i) => {
      const n = counts[i] ?? 0;
      if (n > 0) arr[i] = (arr[i] ?? 0) + (sum(xs, t) / n) * 100;
    });
  }
  return { label: `log ${src.log}${src.speed === 1 ? '' : ` at ${src.speed}×`}`, rate: counts.map((n) => n / (bucketMs / 1000)), statusPct };
}

let clientBundle: string | undefined;

/** Chart.js and the page's drawing code as one inline script: the report opens offline. */
async function client(): Promise<string> {
  if (clientBundle !== undefined) return clientBundle;
  // esbuild's service stopped after it (core/esbuild.ts): a run leaves no process behind.
  clientBundle = await buildToText({
    entryPoints: [fileURLToPath(new URL('./browser/charts.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return clientBundle;
}

function figuresTable(rows: [string, Figures][]): string {
  const head = `<tr>${['requests', ...FIGURE_HEADERS].map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      ([label, f]) =>
        `<tr><td>${esc(label)}</td>${figureCells(f)
          .map((c) => `<td>${esc(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table class="figures">${head}\n${body}</table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.pass{background:#2ca02c}.fail{background:#d62728}.untrusted,.error{background:#7f7f7f}
blockquote{margin:8px 0;color:#555;border-left:3px solid #ccc;padding-left:10px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-variant-numeric:tabular-nums}
th{background:#f5f5f5}tr.failed td{background:#fde8e8}td.r-pass{color:#2ca02c;font-weight:600}td.r-fail{color:#d62728;font-weight:600}
.chart{position:relative;height:260px;margin:8px 0 18px}code{background:#f3f3f3;padding:0 3px}pre{background:#f6f6f6;padding:10px;overflow:auto}
.muted{color:#777}`;

/** The report's tables of what the run read besides the requests: the parts' CPU and memory, failing checks, the timeout ladder, the stack's work, the machine, the writes. */
function tablesHtml(r: RunResult): string[] {
  const parts: string[] = [];
  const table = (headers: readonly string[], rows: readonly string[][]) =>
    `<table><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  const pt = partsTable(r.judgement);
  if (pt) parts.push(`<h2>Parts</h2>${table(PARTS_HEADERS, pt)}`);
  const ct = checkTable(r.judgement);
  if (ct) parts.push(`<h2>Failing checks</h2>${table(CHECK_HEADERS, ct)}`);
  const lt = ladderTable(r);
  if (lt) {
    parts.push(`<h2>Timeout ladder</h2>${table(LADDER_HEADERS, lt.rungs)}`);
    if (lt.warnings.length) parts.push(`<ul>${lt.warnings.map((w) => `<li class="r-fail">inverted: ${esc(w)}</li>`).join('')}</ul>`);
    if (lt.gaveUp.length) parts.push(`<p>Failed requests, by the wait their median duration matches:</p>${table(GAVE_UP_HEADERS, lt.gaveUp)}`);
  }
  const work = workTable(r.judgement);
  if (work) parts.push(`<h2>Inside the stack</h2>${table(WORK_HEADERS, work)}`);
  const mt = machineTable(r);
  if (mt) parts.push(`<h2>Machine</h2>${table(MACHINE_HEADERS, mt)}`);
  const wt = writeTable(r.judgement);
  if (wt) {
    parts.push(`<h2>Writes</h2>${table(WRITE_HEADERS, wt.rows)}`);
    if (wt.examples.length) parts.push(`<p>${wt.examples.map(esc).join('<br>')}</p>`);
  }
  return parts;
}

/** reports/<run-id>/report.html: one file, no network. */
export async function renderHtml(r: RunResult | undefined, error: Error | undefined, cleanupFailures: readonly string[]): Promise<string> {
  const parts: string[] = [];
  const title = r ? `${r.scenario.name} (${r.scenario.mode})` : 'harness error';
  const verdict = r ? r.verdict : 'error';
  parts.push(`<h1>${esc(title)} <span class="verdict ${verdict}">${verdict.toUpperCase()}</span></h1>`);
  if (r) {
    parts.push(`<blockquote>${esc(r.scenario.incident)}</blockquote>`);
    const aborted = abortText(r);
    if (aborted) parts.push(`<p class="r-fail"><b>${esc(aborted)}</b></p>`);
    parts.push(
      `<p>Run <code>${esc(r.runId)}</code> of <code>${esc(r.scenario.file)}</code>, started ${esc(r.startedAt)}: ${r.load.requests} requests ${esc(loadShape(r))} for ${esc(formatMs(r.load.durationMs))} against <code>${esc(r.load.target)}</code>; dropped iterations ${r.load.droppedIterations}.${warmUpText(r) ? ` ${esc(warmUpText(r) ?? '')}` : ''}</p>`,
    );
    if (r.series) {
      parts.push(
        '<h2>Over time</h2>',
        '<p class="muted">Shaded: fault windows. Dashed: instant faults and the gateway\'s health-check verdicts. Green: where the measured recovery ends.</p>',
      );
      if (r.replayOf) {
        const src = r.replayOf;
        parts.push(
          `<p class="muted">Replayed from <code>${esc(src.log)}</code> (${esc(src.format)}, ${esc(src.from)} – ${esc(src.to)}, ${src.speed}× speed): the log's own request rate and failure shares are drawn dashed, in the same colours, over this run's.</p>`,
        );
      }
      for (const [id, what] of [
        ['latency', 'Latency p50 / p95 / p99 (ms)'],
        ['rate', 'Request rate (requests/s)'],
        ['status', 'Failure responses (% of requests)'],
        ...(r.workSeries?.length ? ([['work', 'Inside the stack, per client request']] as const) : []),
        ...(r.memory?.length ? ([['memory', 'Memory per part (MB, its whole process tree)']] as const) : []),
      ] as const) {
        parts.push(`<h3>${esc(what)}</h3><div class="chart"><canvas id="chart-${id}" data-chart="${id}"></canvas></div>`);
      }
    } else {
      parts.push('<p class="muted">This result was written before time series were kept: no charts.</p>');
    }
    parts.push('<h2>Expectations</h2><table><tr><th>phase</th><th>expectation</th><th>measured</th><th>requests</th><th>result</th></tr>');
    for (const x of r.judgement.expectations) {
      parts.push(
        `<tr class="${x.passed ? '' : 'failed'}"><td>${esc(x.phase)}</td><td><code>${esc(x.source)}</code></td><td>${esc(formatFigure(x))}${x.note ? ` <span class="muted">(${esc(x.note)})</span>` : ''}</td><td>${x.requests || '—'}</td><td class="${x.passed ? 'r-pass' : 'r-fail'}">${esc(resultText(x))}</td></tr>`,
      );
    }
    parts.push('</table>');
    for (const b of r.baseline?.comparisons.length ? [r.baseline] : []) {
      parts.push(
        `<h2>Against the baseline</h2><p>Baseline <code>${esc(b.file)}</code> (run <code>${esc(b.baselineRunId)}</code>, ${esc(b.baselineMode)}).</p><table><tr><th>phase</th><th>figure</th><th>baseline</th><th>this run</th><th>delta</th><th>allowed</th><th>result</th></tr>`,
      );
      for (const c of b.comparisons) {
        parts.push(
          `<tr class="${c.regressed ? 'failed' : ''}"><td>${esc(c.phase)}</td><td>${esc(c.figure)}</td><td>${esc(c.baselineText)}</td><td>${esc(c.currentText)}</td><td>${esc(c.deltaText)}</td><td>${esc(c.allowedText)}</td><td class="${c.regressed ? 'r-fail' : 'r-pass'}">${c.regressed ? 'REGRESSED' : c.withinNoise ? 'ok (within noise)' : 'ok'}</td></tr>`,
        );
      }
      parts.push('</table>');
    }
    const extra: string[] = [];
    if (r.judgement.writes)
      extra.push(`Acknowledged writes: ${r.judgement.writes.acknowledged} acknowledged, ${r.judgement.writes.found} found, ${r.judgement.writes.lost} lost.`);
    const rc = r.judgement.recovery;
    if (rc)
      extra.push(
        rc.recovered
          ? `Recovery: ${formatMs(rc.recoveryMs ?? 0)} after the last heal.`
          : `Recovery: never (no ${formatMs(rc.stableForMs)} stable span before the load ended).`,
        ...(rc.shed ? [`Load shed: ${describeShed(rc)}.`] : []),
      );
    if (extra.length) parts.push(`<p>${extra.map(esc).join('<br>')}</p>`);
    parts.push(...tablesHtml(r));
    for (const ph of r.judgement.phases) {
      // A phase without a request (no fault in the timeline, an instant fault's phase) says nothing.
      if (ph.all.count === 0) continue;
      parts.push(
        `<h2>Phase: ${esc(ph.phase)}${ph.fault ? ' <span class="muted">(a fault of the timeline)</span>' : ''}</h2>`,
        figuresTable([['all', ph.all], ...Object.entries(ph.byName)]),
      );
    }
    parts.push('<h2>Timeline</h2><table><tr><th>t</th><th>event</th></tr>');
    for (const e of r.timeline) parts.push(`<tr><td>+${(e.offsetMs / 1000).toFixed(2)} s</td><td>${esc(eventText(e))}</td></tr>`);
    parts.push(
      '</table>',
      `<h2>Versions</h2><p>${esc(
        Object.entries(r.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      )}</p>`,
    );
  }
  if (error) parts.push('<h2>Harness error</h2>', `<pre>${esc(error instanceof HarnessError ? error.describe() : (error.stack ?? error.message))}</pre>`);
  if (cleanupFailures.length) parts.push('<h2>Not cleaned up</h2><ul>', ...cleanupFailures.map((c) => `<li>${esc(c)}</li>`), '</ul>');
  // JSON in a script element: "</script" inside a label must not end it.
  const data = r?.series
    ? `<script type="application/json" id="brownout-data">${JSON.stringify(chartData(r)).replace(/</g, '\\u003c')}</script>\n<script>${await client()}</script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>brownout: ${esc(title)}</title><style>${CSS}</style></head>
<body>
${parts.join('\n')}
${data}
</body></html>
`;
}
