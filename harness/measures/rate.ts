import { wilson, type RequestTable, type Selection } from '../metrics/index.ts';
import { judgeOverRequests, type RequestFigure, type RequestMeasureKind } from './over-requests.ts';

export type StatusSelector =
  | { kind: 'code'; code: number }
  | { kind: 'class'; hundreds: number }
  | { kind: 'no_response' }
  | { kind: 'failed' }
  | { kind: 'non2xx' };

/**
 * `rate(503) < 0.1%`, `rate(5xx){name:upload} == 0`, `rate(4xx) < 1%`, `rate(no_response) == 0`,
 * `rate(failed) < 2%` (5xx and no response), `rate(non2xx) < 1%` (every answer but a 2xx, no response
 * included: a 401 for every request during an outage is not "failed", and is this): a share of the requests.
 */
export interface Rate {
  kind: 'rate';
  status: StatusSelector;
}

export function parseStatus(arg: string): StatusSelector | undefined {
  const a = arg.trim().toLowerCase();
  if (a === 'no_response') return { kind: 'no_response' };
  if (a === 'failed') return { kind: 'failed' };
  if (a === 'non2xx') return { kind: 'non2xx' };
  const cls = /^([1-5])xx$/.exec(a);
  if (cls) return { kind: 'class', hundreds: Number(cls[1]) };
  if (/^[1-5]\d\d$/.test(a)) return { kind: 'code', code: Number(a) };
  return undefined;
}

export function matchesStatus(status: number, sel: StatusSelector): boolean {
  switch (sel.kind) {
    case 'code':
      return status === sel.code;
    case 'class':
      return Math.floor(status / 100) === sel.hundreds;
    case 'no_response':
      return status === 0;
    case 'failed':
      return status === 0 || status >= 500;
    case 'non2xx':
      return Math.floor(status / 100) !== 2;
  }
}

function rateFigure(m: Rate, table: RequestTable, sel: Selection): RequestFigure {
  let hits = 0;
  for (const i of sel) if (matchesStatus(table.status(i), m.status)) hits++;
  return { value: sel.length === 0 ? NaN : hits / sel.length, count: sel.length, interval: wilson(hits, sel.length) };
}

export const rateMeasure: RequestMeasureKind<Rate> = {
  kind: 'rate',
  written: 'rate(STATUS)',
  parse(text, whole) {
    const m = /^rate\(([^)]*)\)$/.exec(text);
    if (!m) return undefined;
    const status = parseStatus(m[1] ?? '');
    if (!status)
      return {
        ok: false,
        message: `unknown status '${m[1] ?? ''}' in '${whole}'`,
        fix: 'use an HTTP status code 100-599 (rate(503)), a class (rate(5xx), rate(4xx)), rate(no_response), rate(failed) (5xx or no response), rate(non2xx) (anything but a 2xx), or a k6 Rate of the load script by its name (rate(checks))',
      };
    return { kind: 'rate', status };
  },
  unit: 'rate',
  interval: true,
  perEntry: true,
  perWindow: true,
  needsStack: false,
  figure: rateFigure,
  overNone: 'fails',
  judge(e, ctx) {
    return judgeOverRequests(e, ctx, rateMeasure);
  },
};
