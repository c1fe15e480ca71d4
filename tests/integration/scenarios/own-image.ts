import { at, gateway, kill, restart, scenario, service } from '../../../harness/index.ts';

/**
 * A service from a team's own image with no Node in it (tests/integration/images/no-node): no
 * command, so the image's own CMD runs; its setup runs in the same image first. Containers only.
 */
export default scenario({
  name: 'own-image',
  incident: "test: a team's image without node, run, killed and restarted on containers",
  stack: () => ({
    web: service({ build: { context: '../images/no-node' }, setup: ['sh', '-c', 'echo "setup ran in the image: Debian $(cat /etc/debian_version)"'] }),
    edge: gateway({ to: 'web', timeout: '2s' }),
  }),
  load: { script: 'health.k6.ts', target: 'edge', rate: 10, duration: '8s' },
  timeline: [at('2s', restart({ part: 'web' })), at('5s', kill({ part: 'web' }))],
  expect: { baseline: ['rate(5xx) == 0'] },
});
