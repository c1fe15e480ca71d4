// Runs in the report page: draws the run's charts with Chart.js and its annotation plugin
// (bundled into the page by harness/report/html.ts, so the report opens offline).
import { CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import annotationPlugin, { type AnnotationOptions } from 'chartjs-plugin-annotation';
import { STATUS_SERIES, type ChartData, type StatusSeries } from '../chart-data.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Filler, annotationPlugin);

const STATUS_COLOURS: Record<StatusSeries, string> = {
  '503': '#d62728',
  '502': '#ff7f0e',
  '504': '#9467bd',
  'other 5xx': '#8c564b',
  'no response': '#222222',
};

const WORK_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

type Line = ChartDataset<'line', { x: number; y: number | null }[]>;

function line(label: string, t: readonly number[], ys: readonly (number | null)[], colour: string, dash?: number[]): Line {
  return {
    label,
    data: t.map((x, i) => ({ x, y: ys[i] ?? null })),
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 1.5,
    pointRadius: 0,
    spanGaps: false,
    ...(dash ? { borderDash: dash } : {}),
  };
}

function annotations(d: ChartData): Record<string, AnnotationOptions> {
  const out: Record<string, AnnotationOptions> = {};
  d.faults.forEach((f, i) => {
    out[`fault${i}`] = {
      type: 'box',
      xMin: f.fromS,
      xMax: f.toS,
      backgroundColor: 'rgba(214,39,40,0.10)',
      borderWidth: 0,
      label: { display: true, content: f.label, position: { x: 'start', y: 'start' }, font: { size: 11 }, color: '#a00' },
    };
  });
  d.instants.forEach((m, i) => {
    out[`instant${i}`] = {
      type: 'line',
      xMin: m.atS,
      xMax: m.atS,
      borderColor: '#d62728',
      borderWidth: 2,
      borderDash: [6, 3],
      label: { display: true, content: m.label, position: 'start', font: { size: 11 }, backgroundColor: 'rgba(214,39,40,0.85)' },
    };
  });
  d.gateway.forEach((m, i) => {
    out[`gateway${i}`] = {
      type: 'line',
      xMin: m.atS,
      xMax: m.atS,
      borderColor: '#7f7f7f',
      borderWidth: 1,
      borderDash: [2, 3],
      label: { display: true, content: m.label, position: 'end', yAdjust: (i % 4) * 22, font: { size: 10 }, backgroundColor: 'rgba(90,90,90,0.8)' },
    };
  });
  if (d.recovery) {
    out['recovery'] = {
      type: 'line',
      xMin: d.recovery.atS,
      xMax: d.recovery.atS,
      borderColor: '#2ca02c',
      borderWidth: 2,
      label: { display: true, content: d.recovery.label, position: 'center', font: { size: 11 }, backgroundColor: 'rgba(44,160,44,0.9)' },
    };
  }
  return out;
}

function draw(canvas: HTMLCanvasElement, d: ChartData, datasets: Line[], yTitle: string): Chart<'line', { x: number; y: number | null }[]> {
  return new Chart<'line', { x: number; y: number | null }[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      // Drawn once, fully: a screenshot or a printed page shows the final picture.
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', min: 0, max: d.durationS, title: { display: true, text: 'seconds since the load started' } },
        y: { beginAtZero: true, title: { display: true, text: yTitle } },
      },
      plugins: { annotation: { annotations: annotations(d) }, legend: { position: 'top' } },
    },
  });
}

const el = document.getElementById('brownout-data');
if (el?.textContent) {
  const d = JSON.parse(el.textContent) as ChartData;
  const sets: Record<string, [Line[], string]> = {
    latency: [
      [line('p50', d.t, d.latency.p50, '#1f77b4'), line('p95', d.t, d.latency.p95, '#ff7f0e'), line('p99', d.t, d.latency.p99, '#d62728', [4, 2])],
      'ms',
    ],
    rate: [[line('requests/s', d.t, d.rate, '#1f77b4')], 'requests/s'],
    status: [STATUS_SERIES.map((k) => line(k, d.t, d.statusPct[k], STATUS_COLOURS[k])), '% of requests'],
    work: [(d.work ?? []).map((w, i) => line(w.label, d.t, w.values, WORK_COLOURS[i % WORK_COLOURS.length] ?? '#1f77b4')), 'per client request'],
    memory: [(d.memory?.lines ?? []).map((m, i) => line(m.label, d.memory?.t ?? [], m.values, WORK_COLOURS[i % WORK_COLOURS.length] ?? '#1f77b4')), 'MB'],
  };
  // A replay: the source log's curves, dashed in the same colours, to see whether the incident came back.
  const log = d.log;
  if (log) {
    sets['rate']?.[0].push(line('log requests/s', d.t, log.rate, '#7f7f7f', [5, 3]));
    for (const k of STATUS_SERIES) {
      if (log.statusPct[k].some((v) => v !== null && v > 0)) sets['status']?.[0].push(line(`log ${k}`, d.t, log.statusPct[k], STATUS_COLOURS[k], [5, 3]));
    }
  }
  const drawn: { id: string; datasets: number; points: number }[] = [];
  for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]'))) {
    const set = sets[canvas.dataset['chart'] ?? ''];
    if (!set) continue;
    const chart = draw(canvas, d, set[0], set[1]);
    const points = chart.data.datasets.reduce((n, ds) => n + ds.data.filter((p) => p.y !== null).length, 0);
    drawn.push({ id: canvas.id, datasets: chart.data.datasets.length, points });
  }
  // What a test (or a curious person in the console) can read back: each chart and how much it drew.
  (window as unknown as { brownoutCharts: typeof drawn }).brownoutCharts = drawn;
  document.body.dataset['charts'] = 'ready';
}
