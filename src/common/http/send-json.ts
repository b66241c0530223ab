import { ServerResponse } from 'node:http';

/**
 * Sends `body` as Express's `res.json` does for these routes (no `json spaces` or replacer are
 * set), as one string written with its headers: Express turns it into a Buffer first, which costs
 * a copy and a second chunk per answer.
 */
export function sendJson(res: ServerResponse, body: unknown): void {
  const json = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(json)));
  res.end(json);
}
