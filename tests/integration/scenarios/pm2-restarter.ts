import { gateway, scenario, service } from '../../../harness/index.ts';
import { sampleImage } from '../../../fixtures/image.ts';

/**
 * PM2's memory ceiling as the memory-leak incident's fix has it, reached: the notification service
 * in its fixed mode (it drains on SIGINT) but with the leak left in (LEAK=1), under PM2 with
 * maxMemoryRestart, behind a gateway.
 */
export default scenario({
  name: 'pm2-restarter',
  incident: 'test: a drained restart on a memory ceiling',
  stack: () => ({
    app: service({
      command: ['node', '--import', 'tsx', '../../../fixtures/notify/server.ts'],
      ...sampleImage(import.meta.url),
      env: { MODE: 'fixed', LEAK: '1' },
      supervisor: 'pm2',
      maxMemoryRestart: '160MB',
    }),
    edge: gateway({ to: 'app', timeout: '3s' }),
  }),
  load: { script: '../../../scenarios/load/notify.k6.ts', target: 'edge', rate: 1, duration: '5s' },
  timeline: [],
  expect: {},
});
