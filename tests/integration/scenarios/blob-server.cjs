// A plain HTTP server for the toxics' test: /blob?kb=N answers N KB, every answer closes its
// connection (so each request is a connection of its own, which Toxiproxy's toxicity picks by).
// POST /work counts the requests that reached it, GET /count tells how many (the HTTP faults' test).
const http = require('node:http');

let worked = 0;

http
  .createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health') return res.writeHead(200, { connection: 'close' }).end('ok');
    if (url.pathname === '/work') return res.writeHead(200, { connection: 'close' }).end(String(++worked));
    if (url.pathname === '/count') return res.writeHead(200, { connection: 'close' }).end(String(worked));
    if (url.pathname === '/blob') {
      const body = Buffer.alloc(Number(url.searchParams.get('kb') ?? '1') * 1024, 'x');
      return res.writeHead(200, { connection: 'close', 'content-length': body.length }).end(body);
    }
    res.writeHead(404, { connection: 'close' }).end();
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
