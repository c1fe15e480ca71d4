// A team's service, as the harness meets it: its port as a flag (--port), ready when its
// migrations ran on a database with the server settings the scenario asked for.
const http = require('node:http');
const mysql = require('mysql2/promise');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const db = process.env.DB_HOST
  ? mysql.createPool({
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT),
      user: process.env.DB_USER,
      password: process.env.DB_PASSWORD,
      database: process.env.DB_DATABASE,
      connectionLimit: 4,
    })
  : undefined;

async function ready() {
  if (!db) return 'ok';
  const [rows] = await db.query(
    'SELECT @@character_set_server AS cs, @@collation_server AS co, @@innodb_lock_wait_timeout AS lw, @@max_connections AS mc, (SELECT COUNT(*) FROM migrated) AS m',
  );
  const r = rows[0];
  const want = { cs: 'utf8mb4', co: 'utf8mb4_unicode_ci', lw: 7, mc: 123, m: 1 };
  const wrong = Object.entries(want).filter(([k, v]) => r[k] !== v);
  return wrong.length ? `not as asked: ${JSON.stringify(r)}` : 'ok';
}

http
  .createServer(async (req, res) => {
    if (req.url === '/health') {
      const why = await ready().catch((e) => e.message);
      res.writeHead(why === 'ok' ? 200 : 500).end(why);
      if (why !== 'ok') console.error(`health: ${why}`);
    } else if (req.url === '/expected') res.writeHead(200).end('ok');
    else res.writeHead(404).end('not found');
  })
  .listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
