// The team's migrations: the setup step, run once before the service starts.
const mysql = require('mysql2/promise');
(async () => {
  console.log(`migrating ${process.env.DB_DATABASE} on ${process.env.DB_HOST}:${process.env.DB_PORT}`);
  const c = await mysql.createConnection({
    host: process.env.DB_HOST,
    port: Number(process.env.DB_PORT),
    user: process.env.DB_USER,
    password: process.env.DB_PASSWORD,
    database: process.env.DB_DATABASE,
  });
  await c.query('CREATE TABLE migrated (id INT PRIMARY KEY, note VARCHAR(20))');
  await c.query("INSERT INTO migrated VALUES (1, 'émoji ✓')");
  await c.end();
  console.log('migrated: 1 table');
})().catch((e) => {
  console.error(`migration failed: ${e.message}`);
  process.exit(1);
});
