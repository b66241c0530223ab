import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Request } from 'express';
import pino from 'pino';
import request from 'supertest';
import { InvalidConfigurationError, loadAppConfig } from '../../src/config/app-config';
import { CENSOR, SENSITIVE_KEYS } from '../../src/logging/log-redaction';
import { createRequestLog, loggerOptions } from '../../src/logging/request-log';
import { requestContext } from '../../src/logging/request-id';

const TOKEN = 'bearer-token-that-must-not-be-logged';
const COOKIE = 'session=cookie-that-must-not-be-logged';
const PASSWORD = 'body-password-that-must-not-be-logged';

/**
 * A server whose only middleware is the request log with the app's options, logging into `lines`;
 * each request also logs an app line through the same logger, and answers with `status`.
 */
function loggedServer(
  env: Record<string, string> = {},
  status = 200,
): {
  server: Server;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(loggerOptions(loadAppConfig(env)), {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const logRequest = createRequestLog(logger);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    logRequest(req, res);
    logger.info(
      { credentials: { accessToken: TOKEN, clientSecret: 'client-secret' }, password: PASSWORD },
      'app line',
    );
    req.resume();
    req.on('end', () => res.writeHead(status, { 'set-cookie': COOKIE }).end('ok'));
  });
  return { server, lines };
}

/** The request line is written when the response closes, which may be after the client read it. */
async function linesSettled(lines: unknown[], count: number): Promise<void> {
  for (let i = 0; i < 100 && lines.length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the request log', () => {
  it('logs a request with its id, without credentials, cookies or the body', async () => {
    const { server, lines } = loggedServer();
    const res = await request(server)
      .post('/api/v1/exports?x=1')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Cookie', COOKIE)
      .set('X-Request-Id', 'req-1')
      .send({ password: PASSWORD });
    expect(res.headers['x-request-id']).toBe('req-1');
    await linesSettled(lines, 2);

    const [appLine, completed] = lines;
    expect(appLine).toMatchObject({
      msg: 'app line',
      password: '[REDACTED]',
      credentials: { accessToken: '[REDACTED]', clientSecret: '[REDACTED]' },
    });
    expect(completed).toMatchObject({
      msg: 'request completed',
      level: 30,
      req: {
        id: 'req-1',
        method: 'POST',
        url: '/api/v1/exports?x=1',
        headers: { authorization: '[REDACTED]', cookie: '[REDACTED]' },
        remoteAddress: expect.any(String),
      },
      res: { statusCode: 200, headers: { 'x-request-id': 'req-1', 'set-cookie': '[REDACTED]' } },
      responseTime: expect.any(Number),
    });
    const logged = JSON.stringify(lines);
    for (const secret of [TOKEN, COOKIE, PASSWORD, 'client-secret']) expect(logged).not.toContain(secret);
  });

  it('logs a server error at error level', async () => {
    const { server, lines } = loggedServer({}, 503);
    await request(server).get('/api/v1/exports');
    await linesSettled(lines, 2);
    expect(lines[1]).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 503 } });
  });

  it('logs an answer the client left before it was sent as aborted', async () => {
    const lines: Record<string, unknown>[] = [];
    const logRequest = createRequestLog(
      pino(loggerOptions(loadAppConfig({})), { write: (line: string) => void lines.push(JSON.parse(line)) }),
    );
    // Answers nothing: the client gives up, and the response closes unfinished.
    const server = createServer((req, res) => logRequest(req, res));
    await request(server)
      .get('/slow')
      .timeout(100)
      .catch(() => undefined);
    await linesSettled(lines, 1);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'request aborted', req: expect.objectContaining({ url: '/slow' }) }),
    ]);
  });

  it('does not log health checks or metric scrapes, but still gives them an id', async () => {
    const { server, lines } = loggedServer();
    for (const path of ['/health', '/health/ready', '/metrics', '/metrics?x=1']) {
      expect((await request(server).get(path)).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    await request(server).get('/healthy');
    await linesSettled(lines, 6);
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => (line.req as { url: string }).url)).toEqual(['/healthy']);
  });

  it('writes nothing at LOG_LEVEL=silent', async () => {
    const { server, lines } = loggedServer({ LOG_LEVEL: 'silent' });
    await request(server).get('/api/v1/exports');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toEqual([]);
  });
});

describe('log redaction', () => {
  /** pino's own redaction with the paths this rule stands for: every sensitive key as `key`, `*.key`, `*.*.key`, and the named headers. */
  const reference = (line: Record<string, unknown>) =>
    logged(
      pino(
        {
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'res.headers["set-cookie"]',
              ...[...SENSITIVE_KEYS].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
            ],
            censor: CENSOR,
          },
        },
        sink(),
      ),
      line,
    );
  const redacted = (line: Record<string, unknown>) =>
    logged(pino(loggerOptions(loadAppConfig({})), sink()), line);
  let written: string[] = [];
  const sink = () => ({ write: (text: string) => void written.push(text) });
  function logged(logger: pino.Logger, line: Record<string, unknown>): unknown {
    written = [];
    logger.info(line, 'line');
    return written.map((text) => {
      const {
        time: _time,
        pid: _pid,
        hostname: _hostname,
        ...rest
      } = JSON.parse(text) as Record<string, unknown>;
      return rest;
    });
  }

  it.each<[string, Record<string, unknown>]>([
    ['top-level keys', { token: 't', password: 'p', other: 'kept' }],
    [
      'one and two levels down',
      { credentials: { accessToken: 'a', nested: { refresh_token: 'r', kept: 1 } } },
    ],
    ['not three levels down', { a: { b: { c: { password: 'deep, as pino left it' } } } }],
    ['arrays like objects', { list: [{ secret: 's' }, 'x'], matrix: [[{ token: 'kept: three levels' }]] }],
    [
      'the named headers only where they are named',
      {
        req: { headers: { authorization: 'a', cookie: 'c', token: 't', accept: '*/*' } },
        headers: { authorization: 'kept' },
      },
    ],
    ['set-cookie of the response', { res: { statusCode: 200, headers: { 'set-cookie': ['s'], etag: 'e' } } }],
    ['null and undefined', { token: null, password: undefined, nothing: null }],
  ])('censors %s as the redact paths did', (_name, line) => {
    expect(redacted(line)).toEqual(reference(line));
  });

  it('does not change the logged object', () => {
    const line = { credentials: { accessToken: 'a' }, req: { headers: { authorization: 'b' } } };
    redacted(line);
    expect(line).toEqual({ credentials: { accessToken: 'a' }, req: { headers: { authorization: 'b' } } });
  });
});

describe('LOG_LEVEL', () => {
  it('defaults to info and accepts pino level names', () => {
    expect(loadAppConfig({}).logLevel).toBe('info');
    expect(loadAppConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('refuses other values, naming the variable', () => {
    expect(() => loadAppConfig({ LOG_LEVEL: 'verbose' })).toThrow(InvalidConfigurationError);
    expect(() => loadAppConfig({ LOG_LEVEL: 'verbose' })).toThrow(
      /LOG_LEVEL="verbose": LOG_LEVEL must be one of fatal, error/,
    );
  });
});

describe('requestContext', () => {
  it('gives the request id and client address when the request log set an id', () => {
    expect(requestContext({ id: 'req-7', ip: '127.0.0.1' } as unknown as Request)).toEqual({
      requestId: 'req-7',
      clientIp: '127.0.0.1',
    });
  });

  it('has no request id for a request the request log never saw', () => {
    expect(requestContext({ ip: '::1' } as unknown as Request)).toEqual({
      requestId: undefined,
      clientIp: '::1',
    });
  });
});
