import * as http from 'node:http';
import { Pool } from 'pg';

/**
 * The practical limit the poll and list benches compare with: bare `node:http` and `pg`, doing the
 * same database work as the service (one primary-key lookup per poll, one keyset query per list
 * page) and nothing else: no framework, no authentication, no logging. Started by the benches as
 * its own process with DATABASE_URL and PORT.
 *
 *   GET /jobs/<id>                                   the job's row as JSON
 *   GET /list?owner=<o>&limit=<n>[&before=<created_at>,<id>]   a keyset page
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const server = http.createServer((req, res) => {
  void answer(req, res).catch((error: unknown) => {
    res.writeHead(500).end(String(error));
  });
});

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://bench');
  if (url.pathname.startsWith('/jobs/')) {
    const { rows } = await pool.query({
      name: 'job-by-id',
      text: 'SELECT * FROM export_jobs WHERE id = $1',
      values: [url.pathname.slice('/jobs/'.length)],
    });
    if (rows.length === 0) return void res.writeHead(404).end();
    const body = JSON.stringify(rows[0]);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (url.pathname === '/list') {
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const [createdAt, id] = (url.searchParams.get('before') ?? ',').split(',');
    const { rows } = await pool.query({
      name: createdAt ? 'page-after' : 'first-page',
      text: createdAt
        ? `SELECT * FROM export_jobs WHERE owner = $1 AND created_at <= $3
             AND (created_at < $3 OR id > $4) ORDER BY created_at DESC, id LIMIT $2`
        : 'SELECT * FROM export_jobs WHERE owner = $1 ORDER BY created_at DESC, id LIMIT $2',
      values: createdAt
        ? [url.searchParams.get('owner'), limit + 1, createdAt, id]
        : [url.searchParams.get('owner'), limit + 1],
    });
    const body = JSON.stringify({ jobs: rows.slice(0, limit), has_more: rows.length > limit });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200).end('bare');
}

server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end();
});
