import { FakeGenesys } from '../support/fake-genesys';
import { sleep } from '../support/jobs';
import { startTestApp, TestApp } from '../support/test-app';

/** Readiness once the credentials check and the exporter set-up have answered (both run in the background at start). */
async function readinessAfterCheck(t: TestApp) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const res = await t.http.get('/health/ready');
    const { credentials, exporter } = res.body.details ?? {};
    if (credentials?.state !== 'checking' && exporter?.state !== 'checking') return res;
    await sleep(100);
  }
  throw new Error('the credentials check never answered');
}

describe("the server's client credentials (GENESYSCLOUD_LOGIN_URL set)", () => {
  let genesys: FakeGenesys;
  let org: string;
  beforeAll(async () => {
    genesys = await FakeGenesys.start();
    org = genesys.addOrganization('Ops org');
  });
  afterAll(() => genesys.close());

  const serverWith = (clientId: string, secret: string, loginUrl = genesys.url) =>
    startTestApp({
      env: {
        GENESYSCLOUD_LOGIN_URL: loginUrl,
        GENESYSCLOUD_API_URL: genesys.url,
        GENESYSCLOUD_OAUTHCLIENT_ID: clientId,
        GENESYSCLOUD_OAUTHCLIENT_SECRET: secret,
        GENESYSCLOUD_TIMEOUT: '1s',
      },
    });

  it('valid: a token is issued by the client-credentials grant and accepted by the API', async () => {
    const client = genesys.addClient(org, 'Export server');
    const grantsBefore = genesys.callsTo('POST /oauth/token');
    const t = await serverWith(client.id, client.secret);
    try {
      const ready = await readinessAfterCheck(t);
      expect(ready.status).toBe(200);
      expect(ready.body.details.credentials).toMatchObject({
        status: 'up',
        state: 'valid',
        client_name: 'Export server',
        organization_id: org,
      });
      expect(genesys.callsTo('POST /oauth/token')).toBe(grantsBefore + 1);
      expect((await t.http.post('/api/v1/exports').send({})).status).toBe(202);
    } finally {
      await t.dispose();
    }
  });

  it('invalid: readiness reports credentials invalid (503) and requests that would use them get 401 saying why', async () => {
    const client = genesys.addClient(org, 'Rotated secret');
    const t = await serverWith(client.id, 'not-the-secret');
    try {
      const ready = await readinessAfterCheck(t);
      expect(ready.status).toBe(503);
      expect(ready.body.details.credentials).toMatchObject({
        status: 'down',
        state: 'invalid',
        detail: expect.stringMatching(/invalid_client/),
      });
      const res = await t.http.post('/api/v1/exports').send({});
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/refused this server's client credentials/);
      // The secret is in no answer.
      expect(JSON.stringify(ready.body) + res.text).not.toContain('not-the-secret');
      // A caller with a token of its own is not affected.
      const own = genesys.userToken(genesys.addUser(org, 'Ursula User'));
      expect(
        (await t.http.post('/api/v1/exports').set('Authorization', `Bearer ${own}`).send({})).status,
      ).toBe(202);
    } finally {
      await t.dispose();
    }
  });

  it('unreachable is reported separately and does not fail readiness', async () => {
    const client = genesys.addClient(org, 'Fine but far');
    const t = await serverWith(client.id, client.secret, 'http://127.0.0.1:9');
    try {
      const ready = await readinessAfterCheck(t);
      expect(ready.body.details.credentials).toMatchObject({
        status: 'up',
        state: 'unreachable',
        detail: expect.stringMatching(/login service: could not connect/),
      });
    } finally {
      await t.dispose();
    }
  });

  it('is checked again every CREDENTIALS_CHECK_INTERVAL: a revoked client shows as invalid', async () => {
    const client = genesys.addClient(org, 'Soon revoked');
    const t = await startTestApp({
      env: {
        GENESYSCLOUD_LOGIN_URL: genesys.url,
        GENESYSCLOUD_OAUTHCLIENT_ID: client.id,
        GENESYSCLOUD_OAUTHCLIENT_SECRET: client.secret,
        CREDENTIALS_CHECK_INTERVAL: '200ms',
      },
    });
    try {
      expect((await readinessAfterCheck(t)).body.details.credentials.state).toBe('valid');
      client.secret = 'rotated-elsewhere';
      let state = 'valid';
      for (let attempt = 0; attempt < 300 && state === 'valid'; attempt++) {
        await sleep(100);
        state = (await t.http.get('/health/ready')).body.details.credentials.state;
      }
      expect(state).toBe('invalid');
    } finally {
      await t.dispose();
    }
  });
});
