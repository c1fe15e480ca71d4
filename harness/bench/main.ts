/**
 * `make bench`: the harness's own speed, and how far its numbers agree with k6's and with an
 * independent load tool, measured in one run on this machine. It reports; it never fails on a
 * timing (exit 2 only when a measurement could not be taken).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { CleanupList } from '../core/cleanup.ts';
import { formatMs } from '../core/duration.ts';
import { startRecordedRun } from '../core/ledger.ts';
import { Secrets } from '../core/secrets.ts';
import { abortOnSignals } from '../core/signals.ts';
import { bundleLoadScript, k6Version, readResultsFile, startK6, type LoadResults } from '../load/index.ts';
import { figuresOf } from '../metrics/index.ts';
import { runScenario } from '../run/index.ts';
import { loadScenario } from '../scenario/index.ts';
import { startStack, startStackInContainers, type RunResources, type StartedLocalStack } from '../stack/index.ts';

const REPORTS = path.resolve(process.env['BENCH_REPORTS'] ?? 'reports');
const GET_SCRIPT = path.resolve('harness/bench/k6/get-photo.k6.ts');
const STACK_SCENARIO = 'scenarios/slow-transaction.ts';

export interface BenchFigure {
  section: string;
  name: string;
  value: number | string;
  unit: string;
  goal: string;
  /** undefined: a comparison with no goal of its own. */
  met: boolean | undefined;
  detail?: string;
  /** The part that measured it (cold, suite, stack, memory) and when: a part run alone keeps the others' figures. */
  part?: string;
  date?: string;
}

const figures: BenchFigure[] = [];
let currentPart = '';
const today = new Date().toISOString().slice(0, 10);
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
function add(f: BenchFigure): void {
  figures.push({ ...f, part: currentPart, date: today });
  say(
    `${f.section} / ${f.name}: ${f.value}${f.unit ? ` ${f.unit}` : ''}${f.goal ? ` (goal ${f.goal}${f.met === undefined ? '' : f.met ? ', met' : ', NOT met'})` : ''}`,
  );
}
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// The bench's one signal path, as every command's (core/signals.ts): SIGINT, SIGTERM or SIGHUP
// stops what runs (runs through their signal, stacks through their cleanup lists, the memory
// part's child runs with SIGTERM), and the bench ends with exit 2.
const controller = new AbortController();
/** What is up now, each with how to release it and what it would name as pending. */
const active = new Set<{ release: () => Promise<unknown>; pending: () => string[] }>();
const children = new Set<ReturnType<typeof spawn>>();
abortOnSignals(controller, { doing: 'stopping the bench and tearing down', pending: () => [...active].flatMap((a) => a.pending()) });
controller.signal.addEventListener('abort', () => {
  // A measurement in flight (autocannon, k6 against a stack now gone) is not waited for: once
  // everything is released and the child runs have torn down, the bench exits.
  const childExits = [...children].map((c) => new Promise((r) => c.once('exit', r)));
  for (const c of children) c.kill('SIGTERM');
  void Promise.allSettled([...[...active].map((a) => a.release()), ...childExits]).then(() => process.exit(2));
});

/**
 * A temp dir and a cleanup list for `use`, released whatever happens (a signal too), with a ledger
 * and a reaper as a run has (core/ledger.ts): a bench killed outright leaves nothing either.
 */
async function withResources<T>(use: (res: RunResources) => Promise<T>): Promise<T> {
  if (controller.signal.aborted) throw new Error(`interrupted by ${String(controller.signal.reason)}`);
  const runId = `bench-${Date.now()}`;
  const recorded = startRecordedRun(runId, 'brownout-bench-');
  const { dir, ledger } = recorded;
  const cleanup = new CleanupList();
  const up = { release: () => cleanup.releaseAll(), pending: () => cleanup.pending() };
  active.add(up);
  cleanup.add(`temp dir ${dir}`, async () => rmSync(dir, { recursive: true, force: true }));
  try {
    return await use({ runId, dir, cleanup, secrets: new Secrets(), ledger });
  } finally {
    const left = await cleanup.releaseAll();
    active.delete(up);
    if (left.length) say(`could not clean up: ${left.join(', ')}`);
    else await recorded.done();
  }
}

/** A stack of the given scenario, up for the duration of fn, released whatever happens. */
async function withStack<T>(file: string, fn: (st: StartedLocalStack, dir: string) => Promise<T>): Promise<T> {
  const sc = await loadScenario(file, { mode: 'fixed' });
  return withResources(async (res) => fn(await startStack(sc.parts, sc.links, res), res.dir));
}

interface K6Outcome {
  resultsFile: string;
  results: LoadResults;
  summary: { metrics: Record<string, Record<string, number>> };
}

/** One k6 run of the bench's GET script at a constant arrival rate. */
async function k6Load(dir: string, baseUrl: string, rate: number, durationMs: number, maxVUs = 400): Promise<K6Outcome> {
  const runDir = mkdtempSync(path.join(dir, 'k6-'));
  const bundlePath = path.join(runDir, 'bundle.js');
  writeFileSync(bundlePath, await bundleLoadScript(GET_SCRIPT));
  const k6 = await startK6({
    bundlePath,
    dir: runDir,
    baseUrl,
    rate,
    durationMs,
    requestTimeoutMs: 5000,
    preAllocatedVUs: Math.min(maxVUs, Math.max(20, rate / 10)),
    maxVUs,
  });
  const up = { release: () => k6.stop(), pending: () => [k6.process.spec.name] };
  active.add(up);
  try {
    await k6.resume();
    await k6.process.exited;
  } finally {
    active.delete(up);
    await k6.stop();
  }
  return {
    resultsFile: k6.resultsFile,
    results: await readResultsFile(k6.resultsFile),
    summary: JSON.parse(readFileSync(k6.summaryFile, 'utf8')) as K6Outcome['summary'],
  };
}

const droppedShare = (r: LoadResults) => (r.iterations + r.droppedIterations === 0 ? 0 : r.droppedIterations / (r.iterations + r.droppedIterations));

// 1. Stack cold start ------------------------------------------------------------------------------
async function coldStart(): Promise<void> {
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    await withStack(STACK_SCENARIO, async (st) => {
      runs.push({ ...st.startupMs, total: Date.now() - t });
    });
  }
  const median = (k: string) => runs.map((r) => r[k] ?? NaN).sort((a, b) => a - b)[1] ?? NaN;
  for (const k of Object.keys(runs[0] ?? {})) {
    add({
      section: 'cold start',
      name: k === 'total' ? 'slow-transaction stack, total' : k,
      value: median(k),
      unit: 'ms',
      goal: k === 'total' ? '< 3000 ms' : '',
      met: k === 'total' ? median(k) < 3000 : undefined,
      detail: `median of 3: ${runs.map((r) => r[k]).join(', ')} ms`,
    });
  }
  // The parts the slow-transaction stack does not have.
  const t = Date.now();
  await withStack('scenarios/cold-cache.ts', async (st) => {
    add({
      section: 'cold start',
      name: 'redis',
      value: st.startupMs['cache'] ?? NaN,
      unit: 'ms',
      goal: '',
      met: undefined,
      detail: `cold-cache stack total ${Date.now() - t} ms`,
    });
  });
}

// 2. Suite overhead --------------------------------------------------------------------------------
async function suiteOverhead(): Promise<void> {
  const files = [
    'scenarios/cold-cache.ts',
    'scenarios/crash-recovery.ts',
    'scenarios/dependency-outage.ts',
    'scenarios/lb-failover.ts',
    'scenarios/slow-transaction.ts',
  ];
  let wall = 0;
  let load = 0;
  const codes: string[] = [];
  for (const f of files) {
    const sc = await loadScenario(f, { mode: 'fixed' });
    const t = Date.now();
    const o = await runScenario({ scenarioFile: f, mode: 'fixed', reportsDir: path.join(REPORTS, 'bench-runs'), signal: controller.signal });
    wall += Date.now() - t;
    load += sc.load.durationMs;
    codes.push(`${sc.name} ${o.exitCode}`);
  }
  const ratio = wall / load;
  add({
    section: 'suite overhead',
    name: 'wall time / sum of load windows (5 scenarios, fixed)',
    value: round(ratio, 3),
    unit: '',
    goal: '<= 1.2',
    met: ratio <= 1.2,
    detail: `wall ${round(wall / 1000, 1)} s, load windows ${load / 1000} s; exit codes: ${codes.join(', ')}`,
  });
}

// 3-7 on one stack ---------------------------------------------------------------------------------
async function onOneStack(): Promise<void> {
  await withStack(STACK_SCENARIO, async (st, dir) => {
    const edge = st.urlOf('edge');
    await agreementWithK6(dir, edge);
    await agreementWithAutocannon(dir, edge);
    await toxiproxyHop(st, dir);
    await ceilingAndIngest(dir, edge);
  });
}

/** 3. Agreement with k6's own end-of-test summary. */
async function agreementWithK6(dir: string, edge: string): Promise<void> {
  const k = await k6Load(dir, edge, 500, 20_000);
  const f = figuresOf(k.results.requests);
  const s = k.summary.metrics;
  const count = s['http_reqs']?.['count'] ?? NaN;
  const d = s['http_req_duration'] ?? {};
  add({
    section: 'agreement with k6',
    name: 'request count (harness vs k6 summary)',
    value: `${f.count} vs ${count}`,
    unit: '',
    goal: 'equal',
    met: f.count === count,
  });
  for (const [name, ours, theirs] of [
    ['p50', f.p50Ms, d['med'] ?? NaN],
    ['p95', f.p95Ms, d['p(95)'] ?? NaN],
    ['p99', f.p99Ms, d['p(99)'] ?? NaN],
  ] as const) {
    const diff = (ours - theirs) / theirs;
    add({
      section: 'agreement with k6',
      name: `${name} (harness vs k6 summary, 500/s × 20 s)`,
      value: `${round(ours, 3)} vs ${round(theirs, 3)} ms (${diff >= 0 ? '+' : ''}${round(diff * 100, 2)}%)`,
      unit: '',
      goal: name === 'p95' ? 'within 1%' : '',
      met: name === 'p95' ? Math.abs(diff) <= 0.01 : undefined,
      detail: 'harness: nearest rank on an HDR histogram (3 significant digits); k6: interpolated',
    });
  }
}

/** 4. An independent load tool at the same rate on the same target. */
async function agreementWithAutocannon(dir: string, edge: string): Promise<void> {
  const rate = 500;
  // Raw latencies: autocannon's coordinated-omission correction with a rate backfills a sample every
  // ceil(1/rate) ms of a slow answer, which at 10/s per connection means every 1 ms.
  const ac = await autocannon({ url: `${edge}/photos/1`, overallRate: rate, duration: 20, connections: 50, timeout: 5, ignoreCoordinatedOmission: true });
  const k = await k6Load(dir, edge, rate, 20_000);
  const f = figuresOf(k.results.requests);
  add({
    section: 'agreement with autocannon',
    name: `requests sent at ${rate}/s for 20 s (autocannon vs harness/k6)`,
    value: `${ac.requests.total} vs ${f.count}`,
    unit: '',
    goal: '',
    met: undefined,
    detail: `autocannon non-2xx ${ac.non2xx}, errors ${ac.errors}, timeouts ${ac.timeouts}`,
  });
  add({
    section: 'agreement with autocannon',
    name: 'p50 (autocannon vs harness)',
    value: `${ac.latency.p50} vs ${round(f.p50Ms, 2)} ms`,
    unit: '',
    goal: '',
    met: undefined,
    detail:
      "autocannon reports whole milliseconds; its overallRate gives each connection a quota per second, sent back to back from the start of each second (autocannon lib/httpClient.js), so its arrivals come in bursts and its latencies include that queueing, where k6's constant-arrival-rate spaces arrivals evenly",
  });
  add({
    section: 'agreement with autocannon',
    name: 'p99 (autocannon vs harness)',
    value: `${ac.latency.p99} vs ${round(f.p99Ms, 2)} ms`,
    unit: '',
    goal: '',
    met: undefined,
  });
}

/** 6. The Toxiproxy hop: the service straight, and through its proxy (no toxic). */
async function toxiproxyHop(st: StartedLocalStack, dir: string): Promise<void> {
  const app = st.parts.get('app');
  const proxy = st.links.get('edge→app');
  if (app?.kind === 'service' && proxy) {
    const direct = figuresOf((await k6Load(dir, app.url, 300, 15_000)).results.requests);
    const hop = figuresOf((await k6Load(dir, `http://127.0.0.1:${proxy.listenPort}`, 300, 15_000)).results.requests);
    const added = hop.p50Ms - direct.p50Ms;
    add({
      section: 'toxiproxy hop',
      name: 'p50 added by one proxy, no toxic (300/s × 15 s)',
      value: round(added, 3),
      unit: 'ms',
      goal: '< 0.3 ms',
      met: added < 0.3,
      detail: `direct p50 ${round(direct.p50Ms, 3)} / p99 ${round(direct.p99Ms, 3)} ms; through the proxy p50 ${round(hop.p50Ms, 3)} / p99 ${round(hop.p99Ms, 3)} ms`,
    });
    add({ section: 'toxiproxy hop', name: 'p99 added by one proxy', value: round(hop.p99Ms - direct.p99Ms, 3), unit: 'ms', goal: '', met: undefined });
  }
}

/** 7. Ceiling, and 5. ingest on the 2 000/s run. */
async function ceilingAndIngest(dir: string, edge: string): Promise<void> {
  let ceiling = 0;
  let at2000: K6Outcome | undefined;
  const steps: string[] = [];
  for (const rate of [250, 500, 1000, 1500, 2000, 3000, 4000]) {
    const k = await k6Load(dir, edge, rate, 10_000, 1000);
    const share = droppedShare(k.results);
    const f = figuresOf(k.results.requests);
    steps.push(`${rate}/s: ${round(share * 100, 2)}% dropped, p95 ${formatMs(f.p95Ms)}`);
    if (rate === 2000) at2000 = k;
    if (share >= 0.01) break;
    ceiling = rate;
  }
  add({
    section: 'ceiling',
    name: 'highest constant arrival rate with < 1% dropped (GET /photos/:id through HAProxy and Toxiproxy, 10 s steps)',
    value: ceiling,
    unit: 'req/s',
    goal: '',
    met: undefined,
    detail: steps.join('; '),
  });
  if (!at2000) at2000 = await k6Load(dir, edge, 2000, 10_000, 1000);
  // The 2 000/s run's results file read again on its own: lines/s and CPU per 1 000 requests.
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await readResultsFile(at2000.resultsFile);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const perSec = r.requests.length / (ms / 1000);
  add({
    section: 'ingest',
    name: 'k6 JSON result lines read per second',
    value: Math.round(r.lines / (ms / 1000)),
    unit: 'lines/s',
    goal: '',
    met: undefined,
    detail: `${r.lines} lines, ${r.requests.length} requests in ${round(ms, 0)} ms (the 2 000/s step; ${round(droppedShare(r) * 100, 2)}% dropped)`,
  });
  add({
    section: 'ingest',
    name: 'requests ingested per second (vs 2 000 req/s offered)',
    value: Math.round(perSec),
    unit: 'req/s',
    goal: '>= 20 000 (10× the request rate)',
    met: perSec >= 20_000,
  });
  add({
    section: 'ingest',
    name: 'CPU time per 1 000 requests',
    value: round(((cpu.user + cpu.system) / 1000 / r.requests.length) * 1000, 2),
    unit: 'ms',
    goal: '',
    met: undefined,
  });
}

// Memory: the harness's peak RSS over a whole run, 60 s and 120 s at 2 000/s ---------------------
/** Each run in its own process, so that process's lifetime peak (maxRSS) is the run's. */
function peakRss(scenarioFile: string): Promise<{ maxRssMb: number; requests: number; exitCode: number; dropped: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/bench/rss.ts', scenarioFile, path.join(REPORTS, 'bench-runs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as { maxRssMb: number; requests: number; exitCode: number; dropped: number });
      } catch {
        reject(new Error(`rss run of ${scenarioFile} exited ${code} without a figure: ${out}`));
      }
    });
  });
}

/** Peak RSS moves by ~10 MB from run to run (when the GC happens to run): three runs of each length, interleaved, compared by their medians. */
const MEMORY_RUNS = 3;

async function memory(): Promise<void> {
  const runs: Record<'60' | '120', { maxRssMb: number; requests: number; exitCode: number; dropped: number }[]> = { '60': [], '120': [] };
  for (let i = 0; i < MEMORY_RUNS; i++) {
    for (const len of ['60', '120'] as const) runs[len].push(await peakRss(`harness/bench/scenarios/rss-${len}s.ts`));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
  const describe = (rs: (typeof runs)['60']) =>
    `runs: ${rs.map((r) => `${round(r.maxRssMb, 1)} MB (${r.requests} requests, ${round(r.dropped * 100, 2)}% dropped, exit ${r.exitCode})`).join('; ')}`;
  const a = median(runs['60'].map((r) => r.maxRssMb));
  const b = median(runs['120'].map((r) => r.maxRssMb));
  const growth = (b - a) / a;
  add({
    section: 'memory',
    name: `harness peak RSS, 60 s at 2 000/s (median of ${MEMORY_RUNS})`,
    value: round(a, 1),
    unit: 'MB',
    goal: '',
    met: undefined,
    detail: describe(runs['60']),
  });
  add({
    section: 'memory',
    name: `harness peak RSS, 120 s at 2 000/s (median of ${MEMORY_RUNS})`,
    value: round(b, 1),
    unit: 'MB',
    goal: 'flat: within 10% of the 60 s run',
    met: Math.abs(growth) <= 0.1,
    detail: `${describe(runs['120'])}; median ${growth >= 0 ? '+' : ''}${round(growth * 100, 1)}% vs 60 s`,
  });
}

function renderMd(meta: Record<string, string>): string {
  const lines = [
    `# brownout bench`,
    '',
    `${meta['date']} on ${meta['machine']}; ${meta['k6']}, Node ${process.version}.`,
    '',
    '| section | figure | value | goal | met |',
    '|---|---|---|---|---|',
  ];
  for (const f of figures)
    lines.push(
      `| ${f.section}${f.date && f.date !== meta['date'] ? ` (${f.date})` : ''} | ${f.name} | ${f.value}${f.unit ? ` ${f.unit}` : ''} | ${f.goal || '—'} | ${f.met === undefined ? '—' : f.met ? 'yes' : '**no**'} |`,
    );
  lines.push('', '## Details', '');
  for (const f of figures.filter((x) => x.detail)) lines.push(`- ${f.section} / ${f.name}: ${f.detail ?? ''}`);
  return `${lines.join('\n')}\n`;
}

// 5. Containers beside local processes -------------------------------------------------------------
/** The stack of `file` (fixed mode) started and stopped once on a backend: how long the start took. */
async function timedStart(file: string, backend: 'local' | 'containers'): Promise<number> {
  const sc = await loadScenario(file, { mode: 'fixed' });
  return withResources(async (res) => {
    const t = Date.now();
    if (backend === 'local') await startStack(sc.parts, sc.links, res);
    else await startStackInContainers(sc.parts, sc.links, res);
    return Date.now() - t;
  });
}

/**
 * Every scenario's stack: cold start on containers (images built, the service image's build a
 * cache hit) against local processes, median of 3 each; and the fixed mode's baseline p50/p95 on
 * both (the containers' figures include Docker's published-port hop).
 */
async function containersSideBySide(): Promise<void> {
  const files = readdirSync('scenarios')
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => `scenarios/${f}`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  for (const file of files) {
    const name = path.basename(file, '.ts');
    const local: number[] = [];
    const cont: number[] = [];
    for (let i = 0; i < 3; i++) {
      local.push(await timedStart(file, 'local'));
      cont.push(await timedStart(file, 'containers'));
    }
    const ml = median(local);
    const mc = median(cont);
    add({
      section: 'containers vs local',
      name: `${name}: cold start, local`,
      value: ml,
      unit: 'ms',
      goal: '',
      met: undefined,
      detail: `median of 3: ${local.join(', ')} ms`,
    });
    add({
      section: 'containers vs local',
      name: `${name}: cold start, containers`,
      value: mc,
      unit: 'ms',
      goal: name === 'slow-transaction' ? '< 10000 ms' : '',
      met: name === 'slow-transaction' ? mc < 10_000 : undefined,
      detail: `median of 3: ${cont.join(', ')} ms`,
    });
    add({
      section: 'containers vs local',
      name: `${name}: cold start, containers / local`,
      value: round(mc / ml, 1),
      unit: '×',
      goal: '>= 10× (local at least 10× faster)',
      met: mc / ml >= 10,
    });
    const reports = mkdtempSync(path.join(os.tmpdir(), 'brownout-bench-reports-'));
    try {
      for (const backend of ['local', 'containers'] as const) {
        const o = await runScenario({ scenarioFile: file, mode: 'fixed', reportsDir: reports, backend, signal: controller.signal });
        const b = o.result?.judgement.phases.find((p) => p.phase === 'baseline')?.all;
        if (!b) throw new Error(`${name} on ${backend}: no baseline figures (${o.error?.message ?? 'no result'})`);
        add({
          section: 'containers vs local',
          name: `${name}: baseline p50 / p95, ${backend}`,
          value: `${round(b.p50Ms)} / ${round(b.p95Ms)}`,
          unit: 'ms',
          goal: '',
          met: undefined,
          detail: `${b.count} requests; run exit ${o.exitCode}`,
        });
      }
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const want = (s: string) => only.length === 0 || only.includes(s);
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    k6: `k6 ${await k6Version()}`,
  };
  let failed = false;
  for (const [name, fn] of [
    ['cold', coldStart],
    ['suite', suiteOverhead],
    ['stack', onOneStack],
    ['memory', memory],
    ['containers', containersSideBySide],
  ] as const) {
    if (!want(name) || controller.signal.aborted) continue;
    currentPart = name;
    try {
      await fn();
    } catch (e) {
      failed = true;
      add({ section: name, name: 'could not be measured', value: (e as Error).message, unit: '', goal: '', met: false });
    }
  }
  mkdirSync(REPORTS, { recursive: true });
  // A part run alone replaces its own figures and keeps the other parts' (each figure says when).
  const file = path.join(REPORTS, 'bench.json');
  if (only.length && existsSync(file)) {
    const old = (JSON.parse(readFileSync(file, 'utf8')) as { figures?: BenchFigure[]; date?: string }) ?? {};
    const kept = (old.figures ?? [])
      .filter((f) => !only.includes(f.part ?? (f.section === 'memory' ? 'memory' : '')))
      .map((f) => ({ ...f, date: f.date ?? old.date }));
    figures.unshift(...kept);
  }
  writeFileSync(path.join(REPORTS, 'bench.json'), `${JSON.stringify({ ...meta, figures }, null, 2)}\n`);
  writeFileSync(path.join(REPORTS, 'bench.md'), renderMd(meta));
  process.stdout.write(renderMd(meta));
  return failed || controller.signal.aborted ? 2 : 0;
}

process.exitCode = await main();
