import { closeSync, openSync, readSync } from 'node:fs';
import { LatencyHistogram, type RequestRecord } from '../metrics/index.ts';
import { ResultReader } from './results.ts';

/** What the live display shows of the load so far. */
export interface ProgressFigures {
  /** Requests answered (or given up on) so far. */
  requests: number;
  /** Over the requests that started in the last `windowMs`: the "current" figures. */
  windowP95Ms: number | undefined;
  window503Rate: number | undefined;
  windowFailedRate: number | undefined;
  /** Every answer but a 2xx (no response included): a 401 or 404 for every request shows here, not in "failed". */
  windowNon2xxRate: number | undefined;
  windowRequests: number;
}

/**
 * Follows k6's JSON results file while k6 writes it: reads what was appended since the last poll,
 * whole lines only, through the same reader the judgement uses. Only the last window's requests
 * are kept, so a long run does not grow it.
 */
export class ResultTail {
  private readonly files: { path: string; reader: ResultReader; offset: number; partial: string }[];
  private total = 0;
  private recent: RequestRecord[] = [];
  private readonly buf = Buffer.alloc(1 << 20);

  /** One results file per k6 runner: the figures are over all of them. */
  constructor(
    files: string | readonly string[],
    private readonly windowMs = 5000,
  ) {
    this.files = (typeof files === 'string' ? [files] : files).map((path) => ({ path, reader: new ResultReader(), offset: 0, partial: '' }));
  }

  /** The requests answered since the last read (every runner's), whole lines only. */
  read(): RequestRecord[] {
    const out: RequestRecord[] = [];
    for (const f of this.files) {
      let fd: number | undefined;
      try {
        fd = openSync(f.path, 'r');
        for (;;) {
          const n = readSync(fd, this.buf, 0, this.buf.length, f.offset);
          if (n <= 0) break;
          f.offset += n;
          const lines = (f.partial + this.buf.toString('utf8', 0, n)).split('\n');
          // The last piece may be a line k6 is still writing: kept for the next read.
          f.partial = lines.pop() ?? '';
          for (const l of lines) f.reader.line(l);
        }
      } catch {
        // Not written yet: nothing so far.
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      const got = f.reader.results.requests;
      for (const r of got) out.push(r);
      got.clear();
      // The script's own metrics are the judgement's, read from the whole file after the load.
      f.reader.results.samples.clear();
    }
    this.total += out.length;
    return out;
  }

  poll(nowMs = Date.now()): ProgressFigures {
    for (const r of this.read()) this.recent.push(r);
    this.recent = this.recent.filter((r) => r.startMs >= nowMs - this.windowMs);
    const h = new LatencyHistogram();
    let s503 = 0;
    let failed = 0;
    let non2xx = 0;
    for (const r of this.recent) {
      h.record(r.durationMs);
      if (r.status === 503) s503++;
      if (r.status === 0 || r.status >= 500) failed++;
      if (Math.floor(r.status / 100) !== 2) non2xx++;
    }
    const n = this.recent.length;
    return {
      requests: this.total,
      windowRequests: n,
      windowP95Ms: n ? h.percentileMs(95) : undefined,
      window503Rate: n ? s503 / n : undefined,
      windowFailedRate: n ? failed / n : undefined,
      windowNon2xxRate: n ? non2xx / n : undefined,
    };
  }
}
