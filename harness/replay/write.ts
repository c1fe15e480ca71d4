// The text of a replayed scenario and its k6 load script. Pure: the profile in, two files out.
import { formatMs } from '../core/duration.ts';
import type { LogFormat } from './parse.ts';
import type { Burst, EndpointProfile, ReplayProfile } from './profile.ts';

export interface WriteInput {
  name: string;
  profile: ReplayProfile;
  log: { file: string; format: LogFormat; lines: number; parsed: number; unparsed: number };
  /** Import path of harness/index.ts from the scenario file. */
  harnessImport: string;
  /** The scenario file's path as scenarios name it (working-directory relative). */
  loadScript: string;
  /** The stack: another scenario's (import path from the new file, and its load target), or a running service's URL. */
  stack: { from: string; target: string } | { url: string };
}

const clock = (ms: number) =>
  new Date(ms)
    .toISOString()
    .slice(11, 23)
    .replace(/\.000$/, '');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;
// Text from the log is data: it reaches the generated files only through these two.
/** A string literal: `\` and `'` escaped, every character outside printable ASCII as \uXXXX (line breaks, U+2028 and U+2029 among them). */
const q = (s: string) => `'${s.replace(/[\\']/g, (ch) => `\\${ch}`).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
/**
 * Text inside a comment: as it is when it is printable ASCII without `*\/` (nothing there can end a
 * `//` or a `/* *\/` comment), else as a string literal with `*\/` written `*\\/`.
 */
const c = (s: string) => (/^[\x20-\x7e]*$/.test(s) && !s.includes('*/') ? s : q(s).replace(/\*\//g, '*\\/'));
const pct = (n: number, of: number) => `${((n / of) * 100).toFixed(n === of || n === 0 ? 0 : 1)}%`;

function statusMix(e: EndpointProfile): string {
  return Object.entries(e.statuses)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([code, n]) => `${code === '0' ? 'no response' : code} ${pct(n, e.count)}`)
    .join(', ');
}

function latency(e: EndpointProfile): string {
  const ms = (v: number | undefined) => (v === undefined ? '—' : formatMs(v));
  return e.p50Ms === undefined ? 'no durations in the log' : `${ms(e.p50Ms)} / ${ms(e.p95Ms)} / ${ms(e.p99Ms)}`;
}

function burstLine(b: Burst, p: ReplayProfile): string {
  const at = (s: number) => clock(p.fromMs + s * 1000 * p.speed);
  const codes = Object.entries(b.byStatus)
    .sort((x, y) => y[1] - x[1])
    .map(([c, n]) => `${c === '0' ? 'no response' : c} ×${n}`)
    .join(', ');
  const where = b.byEndpoint
    .slice(0, 3)
    .map(([k, n]) => `${c(k)} ×${n}`)
    .join(', ');
  return `${b.fromS} s – ${b.toS} s [${at(b.fromS)} – ${at(b.toS)}]: ${b.errors} of ${b.requests} requests failed (${pct(b.errors, b.requests)}): ${codes}; ${where}`;
}

export function scenarioText(w: WriteInput): string {
  const p = w.profile;
  const width = Math.max(...p.endpoints.map((e) => c(e.key).length));
  const table = p.endpoints.map((e) => ` *   ${c(e.key).padEnd(width)}  ${String(e.count).padStart(6)}   ${statusMix(e)};  ${latency(e)}`).join('\n');
  const stackLines =
    'from' in w.stack
      ? [`  // The stack of the incident as ${q(w.stack.from)} builds it: the same parts, links and modes.`, '  modes: base.modes,', '  stack: base.stack,']
      : ['  // The load goes to a service already running; brownout starts no stack of its own.', '  stack: () => ({}),'];
  const target = 'from' in w.stack ? w.stack.target : w.stack.url;
  const fnWidth = Math.max(...p.endpoints.map((e) => e.fn.length));
  const arrivals = p.endpoints.map((e) => `      ${`${e.fn}:`.padEnd(fnWidth + 1)} ${list(e.perSecond)},`).join('\n');
  const statuses = Object.entries(p.statuses)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([code, xs]) => `      ${q(code)}: ${list(xs)},`)
    .join('\n');
  const firstBurst = p.bursts[0];
  const burstComment = p.bursts.length
    ? ["  // Where the log shows 5xx (replay seconds; the log's time, UTC, in brackets):", ...p.bursts.map((b) => `  //   ${burstLine(b, p)}`)]
    : ['  // The log shows no 5xx burst (no second with 5% or more of its requests failed).'];
  return `import { scenario } from ${q(w.harnessImport)};
${'from' in w.stack ? `import base from ${q(w.stack.from)};\n` : ''}
/**
 * Replayed from ${c(w.log.file)} (${w.log.format}), ${day(p.fromMs)} ${clock(p.fromMs)} – ${clock(p.toMs)} UTC
 * (${formatMs(p.toMs - p.fromMs)} of log) at ${p.speed}× speed: ${p.seconds} s of load. ${w.log.lines} lines: ${w.log.parsed} requests${p.outside ? ` (${p.outside} outside the window)` : ''}, ${w.log.unparsed} line${w.log.unparsed === 1 ? '' : 's'} not parsed.
 *
 * The log per endpoint (requests; statuses; latency p50 / p95 / p99):
${table}
 *
 * Incident: TODO what users saw, from the write-up.
 * Cause: TODO what held, hung or died.
 * Fix: TODO what changed, and what it should show.
 */
export default scenario({
  name: ${q(w.name)},
  incident: ${q(`TODO one line: what users saw (replayed from ${w.log.file})`)},
${stackLines.join('\n')}

  load: {
    script: ${q(w.loadScript)},
    target: ${q(target)},
    requestTimeout: '10s',
    // The log's arrivals, second by second (open model, ${p.speed}× speed): one k6 scenario per endpoint.
    arrivals: {
${arrivals}
    },
  },

${burstComment.join('\n')}
  // TODO the faults of the write-up that caused them, e.g.
  //   at('${firstBurst ? firstBurst.fromS : 10}s', latency({ link: 'app→db', latency: '4s' }), { for: '${firstBurst ? firstBurst.toS - firstBurst.fromS : 10}s' }),
  // (latency, timeout, resetPeer, down on a link; lockWait on a database; kill, freeze, restart on a service).
  timeline: [],

  expect: {
    // TODO what must hold once fixed; the log's own figures are in the comment at the top.
    baseline: ['rate(5xx) < 1%', 'rate(no_response) == 0'],
  },

  // What the log showed, per replay second: the HTML report draws it over the run's own curves.
  replayOf: {
    log: ${q(w.log.file)},
    format: ${q(w.log.format)},
    from: ${q(new Date(p.fromMs).toISOString())},
    to: ${q(new Date(p.toMs).toISOString())},
    speed: ${p.speed},
    requests: ${list(p.requests)},
    statuses: {
${statuses}
    },
  },
});
`;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export function loadScriptText(w: WriteInput): string {
  const p = w.profile;
  const fns = p.endpoints.map((e) => {
    const paths = `${e.fn.toUpperCase()}_PATHS`;
    const body = BODY_METHODS.has(e.method);
    return `// ${c(e.key)}: ${e.count} requests in the log${e.paths.length > 1 ? `; its ${e.paths.length} most requested paths` : ''}.
const ${paths} = [${e.paths.map(q).join(', ')}];
export function ${e.fn}(): void {
${body ? '  // TODO the log has no request bodies: send what this endpoint takes.\n' : ''}  http.request(${q(e.method)}, \`\${BASE_URL}\${nth(${paths})}\`, ${body ? 'JSON.stringify({})' : 'null'}, {
${body ? "    headers: { 'content-type': 'application/json' },\n" : ''}    tags: { name: ${q(e.key)} },
    timeout: TIMEOUT,
  });
}
`;
  });
  return `// Replayed from ${c(w.log.file)}: one function per endpoint of the log, each run by its own k6
// scenario at the log's arrivals per second (load.arrivals in the scenario). Requests are tagged
// with their endpoint, which expectations filter on: p95{name:${c(p.endpoints[0]?.key ?? 'GET /')}}.
// A k6 script: only k6 modules and relative files here.
import http from 'k6/http';
import exec from 'k6/execution';

const BASE_URL = __ENV.BASE_URL;
const TIMEOUT = __ENV.REQUEST_TIMEOUT || '10s';

/** The scenario's n-th arrival sends the n-th path, in turn: the log's spread of ids, not one hot row. */
function nth(paths: readonly string[]): string {
  return paths[exec.scenario.iterationInTest % paths.length] ?? '/';
}

${fns.join('\n')}`;
}
