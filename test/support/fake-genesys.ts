import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/**
 * A small fake of the Genesys Cloud endpoints the server calls, as a real HTTP server on
 * 127.0.0.1. It answers the way Genesys Cloud's API documentation and SDK models describe:
 * - `GET /api/v2/tokens/me` (TokenInfo): the token's `organization` and `homeOrganization`, its
 *   `authorizedScope`, and the `OAuthClient` it was issued to, with that client's
 *   `authorizedGrantType` (`CODE`, `TOKEN`, `SAML2BEARER`... for user logins, `CLIENT-CREDENTIALS`);
 * - `GET /api/v2/users/me`: the user for a user's token; a client-credentials token has no user and
 *   gets 400 `bad.request` ("This request requires a user context...");
 * - `POST /oauth/token` on the login service: the client-credentials grant with HTTP Basic client
 *   authentication; unknown clients or a wrong secret get 401 `invalid_client`.
 * An unknown or revoked token gets 401 `bad.credentials` from the API. `failWith` makes every
 * endpoint answer a 5xx, or hang (accept the request and never answer).
 */
export class FakeGenesys {
  private readonly organizations = new Map<string, { id: string; name: string }>();
  private readonly users = new Map<string, { id: string; name: string; organizationId: string }>();
  private readonly clients = new Map<string, FakeClient>();
  private readonly tokens = new Map<string, { kind: 'user' | 'client'; subject: string; clientId: string }>();
  private readonly sockets = new Set<Socket>();
  /** Requests received, by `METHOD path`. */
  readonly calls = new Map<string, number>();
  failWith: 'nothing' | 500 | 502 | 503 | 'hang' = 'nothing';
  url = '';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGenesys> {
    const server = createServer();
    const fake = new FakeGenesys(server);
    server.on('request', (req, res) => fake.handle(req, res));
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addOrganization(name: string): string {
    const id = randomUUID();
    this.organizations.set(id, { id, name });
    return id;
  }

  addUser(organizationId: string, name: string): string {
    const id = randomUUID();
    this.users.set(id, { id, name, organizationId });
    return id;
  }

  /** An OAuth client; `CLIENT-CREDENTIALS` clients get a secret for the token grant. */
  addClient(organizationId: string, name: string, grantType = 'CLIENT-CREDENTIALS'): FakeClient {
    const client = {
      id: randomUUID(),
      name,
      organizationId,
      grantType,
      secret: randomBytes(16).toString('hex'),
    };
    this.clients.set(client.id, client);
    return client;
  }

  /** A new access token of `userId`, as a login through `clientId` (a code-grant client) gives. */
  userToken(userId: string, clientId?: string): string {
    const user = this.users.get(userId)!;
    const client = clientId ?? this.loginClientOf(user.organizationId).id;
    return this.issue({ kind: 'user', subject: userId, clientId: client });
  }

  /** A new client-credentials token of `clientId`, as the token grant gives. */
  clientToken(clientId: string): string {
    return this.issue({ kind: 'client', subject: clientId, clientId });
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  callsTo(methodAndPath: string): number {
    return this.calls.get(methodAndPath) ?? 0;
  }

  private issue(entry: { kind: 'user' | 'client'; subject: string; clientId: string }): string {
    // Genesys Cloud tokens are opaque strings of this alphabet.
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, entry);
    return token;
  }

  private loginClientOf(organizationId: string): FakeClient {
    const existing = [...this.clients.values()].find(
      (c) => c.organizationId === organizationId && c.grantType === 'CODE',
    );
    return existing ?? this.addClient(organizationId, 'Login app', 'CODE');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    const key = `${req.method} ${path}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (this.failWith === 'hang') return;
      if (this.failWith !== 'nothing') {
        return send(res, this.failWith, {
          message: 'Service unavailable',
          code: 'service.unavailable',
          status: this.failWith,
        });
      }
      if (key === 'GET /api/v2/tokens/me') return this.tokenInfo(req, res);
      if (key === 'GET /api/v2/users/me') return this.userMe(req, res);
      if (key === 'POST /oauth/token') return this.grant(req, res, body);
      send(res, 404, { message: `No resource ${path}`, code: 'not.found', status: 404 });
    });
  }

  private bearer(req: IncomingMessage, res: ServerResponse) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const entry = token ? this.tokens.get(token) : undefined;
    if (!entry) {
      send(res, 401, { message: 'Invalid login credentials.', code: 'bad.credentials', status: 401 });
      return undefined;
    }
    return entry;
  }

  private tokenInfo(req: IncomingMessage, res: ServerResponse): void {
    const entry = this.bearer(req, res);
    if (!entry) return;
    const client = this.clients.get(entry.clientId)!;
    const organization = this.organizations.get(client.organizationId)!;
    send(res, 200, {
      organization,
      homeOrganization: organization,
      authorizedScope: entry.kind === 'client' ? [] : ['architect', 'routing', 'users:readonly'],
      OAuthClient: {
        id: client.id,
        name: client.name,
        dateCreated: '2025-01-01T00:00:00.000Z',
        authorizedGrantType: client.grantType,
        organization: { id: organization.id },
      },
    });
  }

  private userMe(req: IncomingMessage, res: ServerResponse): void {
    const entry = this.bearer(req, res);
    if (!entry) return;
    if (entry.kind === 'client') {
      return send(res, 400, {
        message:
          'This request requires a user context. Client credentials cannot be used for requests to this resource.',
        code: 'bad.request',
        status: 400,
      });
    }
    const user = this.users.get(entry.subject)!;
    send(res, 200, {
      id: user.id,
      name: user.name,
      division: { id: randomUUID(), name: 'Home' },
      email: `${user.name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
      state: 'active',
      username: `${user.name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
      version: 1,
      selfUri: `/api/v2/users/${user.id}`,
    });
  }

  private grant(req: IncomingMessage, res: ServerResponse, body: string): void {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
      : [undefined, undefined];
    const client = id ? this.clients.get(id) : undefined;
    if (!client || client.secret !== secret) {
      return send(res, 401, {
        error: 'invalid_client',
        description: 'client not found',
        error_description: 'client not found',
      });
    }
    if (
      new URLSearchParams(body).get('grant_type') !== 'client_credentials' ||
      client.grantType !== 'CLIENT-CREDENTIALS'
    ) {
      return send(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'grant type not supported',
      });
    }
    send(res, 200, { access_token: this.clientToken(client.id), token_type: 'bearer', expires_in: 86399 });
  }
}

export interface FakeClient {
  id: string;
  name: string;
  organizationId: string;
  grantType: string;
  secret: string;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
