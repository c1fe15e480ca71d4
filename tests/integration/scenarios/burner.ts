import { scenario, service } from '../../../harness/index.ts';
import { sampleImage } from '../../../fixtures/image.ts';

/**
 * The cpu fault's subject: a service whose child process keeps one core busy (so the whole tree is
 * what a limit must reach, not only the process the harness started), answering 200 on any path.
 * Inline (node -e), so that the same command runs locally and in the sample services' image.
 */
export const BURNER = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => { child.kill('SIGKILL'); process.exit(0); });
`;

export default scenario({
  name: 'burner',
  incident: 'test: a part starved of CPU',
  stack: () => ({ app: service({ command: ['node', '-e', BURNER], ...sampleImage(import.meta.url) }) }),
  load: { script: '../../../scenarios/load/router.k6.ts', target: 'app', rate: 1, duration: '5s' },
  timeline: [],
  expect: {},
});
