import { at, gateway, memory, scenario, service } from 'brownout';
import { sampleImage } from '../fixtures/image.ts';

/**
 * Incident (the crash write-up's other half): memory leaks — a listener and a timer left behind by
 * every request — grew the service until the container's memory limit; the kernel's OOM killer
 * ended it mid-traffic, the requests in flight were lost, and nothing started it again.
 * Fix: the listeners removed and the timers cleared (memory bounded), a restart on a memory ceiling
 * below the container's limit (PM2's max_memory_restart) that drains the requests in flight, and
 * memory watched as a figure.
 *
 * Scaled down: a 256 KB leak per request at 40 requests/s (~10 MB/s), a 250 MB ceiling (the
 * container's limit, in place for the whole load), PM2's check every second.
 */
export default scenario({
  name: 'memory-leak',
  incident: 'A service that leaks per request grows until the OOM killer ends it mid-traffic',
  modes: ['fixed', 'broken'],

  stack: ({ mode }) => ({
    app: service({
      command: ['node', '--import', 'tsx', '../fixtures/notify/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: mode },
      ...(mode === 'fixed' ? { supervisor: 'pm2' as const, maxMemoryRestart: '200MB' } : {}),
    }),
    edge: gateway({ to: 'app', timeout: '3s' }),
  }),

  load: { script: 'load/notify.k6.ts', target: 'edge', rate: 40, duration: '40s', requestTimeout: '5s' },

  timeline: [
    // The container's memory limit, as production runs it.
    at('2s', memory({ part: 'app', limit: '250MB' }), { for: '36s', name: 'ceiling' }),
  ],

  expect: {
    baseline: ['p95 < 100ms', 'rate(5xx) == 0'],
    ceiling: [
      // What the clients got under the limit: every request answered.
      'rate(failed) < 0.5%',
      // Memory is a figure, not a feeling: the service holds what it needs and no more.
      'growth(rss){part:app} < 30MB/min',
      // Under the container's limit with room: the service (with PM2 in the fixed mode) holds no more than it needs.
      'max(rss){part:app} < 240MB',
    ],
    overall: ['rate(failed) < 0.5%'],
  },
});
