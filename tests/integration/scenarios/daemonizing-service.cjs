// A service with a bug the harness must report: on start it hands its listening socket to a
// daemon of its own (forked twice, in a session of its own, so it is neither in the service's
// process tree nor in its group when the service is stopped). The port stays bound after teardown.
// The daemon exits by itself after 60 s; the test kills it as soon as it has seen it.
const { fork } = require('node:child_process');
const http = require('node:http');

const role = process.argv[2] ?? 'service';
if (role === 'service') {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
    const helper = fork(__filename, ['helper'], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    helper.send('server', server);
  });
} else if (role === 'helper') {
  process.once('message', (_m, handle) => {
    const daemon = fork(__filename, ['daemon'], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    daemon.once('message', () => process.exit(0));
    daemon.send('server', handle);
  });
} else {
  process.once('message', (_m, handle) => {
    globalThis.keep = handle;
    process.send('got it', () => process.disconnect());
    setTimeout(() => process.exit(0), 60_000);
  });
}
