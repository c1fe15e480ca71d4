import { scenario, service } from '../../../harness/index.ts';
import { sampleImage } from '../../../fixtures/image.ts';

/**
 * The memory fault's subject: a service whose child process, once asked (GET /leak), leaks 10 MB
 * every 100 ms (filled, so resident) up to 400 MB; GET /status says how the child ended
 * ({"child":"running"} or {"child":"SIGKILL"}). Inline (node -e): the same command locally and in
 * the sample services' image.
 */
export const LEAKER = `
const CHILD = "const held = []; process.on('message', () => { const t = setInterval(() => { held.push(Buffer.alloc(10e6, 1)); if (held.length >= 40) clearInterval(t); }, 100); }); setInterval(() => {}, 1000);";
let ended = 'running';
const child = require('node:child_process').spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
child.on('exit', (code, signal) => { ended = signal || String(code); });
require('node:http').createServer((req, res) => {
  if (req.url === '/leak') child.send('leak');
  res.end(JSON.stringify({ child: ended }));
}).listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => { child.kill('SIGKILL'); process.exit(0); });
`;

export default scenario({
  name: 'leaker',
  incident: 'test: a part held to a memory ceiling',
  stack: () => ({ app: service({ command: ['node', '-e', LEAKER], ...sampleImage(import.meta.url) }) }),
  load: { script: '../../../scenarios/load/router.k6.ts', target: 'app', rate: 1, duration: '5s' },
  timeline: [],
  expect: {},
});
