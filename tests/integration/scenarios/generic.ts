import { at, container, gateway, kill, latency, program, scenario } from '../../../harness/index.ts';

/**
 * Any program or image as a part (container() on --stack containers, program() locally): `store`
 * ready when its port accepts a connection, behind the gateway through its own proxy; `probe`
 * depends on it (STORE_HOST, STORE_PORT, STORE_URL) and is ready when its command exits 0: locally
 * the command fetches STORE_URL's /health (through the link's proxy), on containers it runs in the
 * image (docker exec, no shell). A latency toxic on edge→store, then a kill of store.
 */
const FETCH_STORE = "fetch(process.env.STORE_URL + '/health').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))";
const NO_NODE = { context: '../images/no-node' };

export default scenario({
  name: 'generic-parts',
  incident: 'test: any program or image as a part, behind Toxiproxy, ready by TCP or by a command',
  modes: ['local', 'containers'],
  stack: ({ mode }) =>
    mode === 'local'
      ? {
          store: program({ command: ['node', 'blob-server.cjs'], health: 'tcp' }),
          probe: program({ command: ['node', 'blob-server.cjs'], dependsOn: ['store'], health: { command: ['node', '-e', FETCH_STORE] } }),
          edge: gateway({ to: 'store', timeout: '2s' }),
        }
      : {
          store: container({ build: NO_NODE, port: 8080, health: 'tcp' }),
          probe: container({
            build: NO_NODE,
            port: 8080,
            dependsOn: ['store'],
            health: { command: ['haproxy', '-c', '-f', '/usr/local/etc/haproxy/haproxy.cfg'] },
          }),
          edge: gateway({ to: 'store', timeout: '2s' }),
        },
  load: { script: 'health.k6.ts', target: 'edge', rate: 20, duration: '10s' },
  timeline: [at('2s', latency({ link: 'edge→store', latency: '300ms' }), { for: '3s', name: 'slow' }), at('7s', kill({ part: 'store' }))],
  expect: { baseline: ['rate(5xx) == 0'], slow: ['p50 > 250ms', 'rate(5xx) == 0'] },
});
