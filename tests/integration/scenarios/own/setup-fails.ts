import { scenario, service } from '../../../../harness/index.ts';

export default scenario({
  name: 'own-setup-fails',
  incident: 'a setup step (a migration) that fails',
  stack: () => ({
    app: service({
      command: ['node', 'server.cjs', '--port', '${PORT}'],
      setup: ['node', '-e', "console.log('migrating'); console.error('ER_ACCESS_DENIED_ERROR'); process.exit(4)"],
    }),
  }),
  load: { script: 'own.k6.ts', target: 'app', rate: 5, duration: '3s' },
  timeline: [],
  expect: { overall: ['rate(2xx) == 100%'] },
});
