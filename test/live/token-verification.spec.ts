import { sleep } from '../support/jobs';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Verification against the real Genesys Cloud: GENESYSCLOUD_API_URL with GENESYSCLOUD_ACCESS_TOKEN
 * (a user's or a client-credentials token) checks that the token is accepted and a made-up one
 * refused; GENESYSCLOUD_LOGIN_URL with GENESYSCLOUD_OAUTHCLIENT_ID and _SECRET checks the server's
 * credentials. No export runs, so no Terraform is needed.
 */
const { GENESYSCLOUD_API_URL, GENESYSCLOUD_LOGIN_URL, GENESYSCLOUD_ACCESS_TOKEN } = process.env;
const { GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET } = process.env;

const tokenSkip = !GENESYSCLOUD_API_URL
  ? 'GENESYSCLOUD_API_URL is not set'
  : !GENESYSCLOUD_ACCESS_TOKEN
    ? 'GENESYSCLOUD_ACCESS_TOKEN is not set'
    : null;
const credentialsSkip = !GENESYSCLOUD_LOGIN_URL
  ? 'GENESYSCLOUD_LOGIN_URL is not set'
  : !(GENESYSCLOUD_OAUTHCLIENT_ID && GENESYSCLOUD_OAUTHCLIENT_SECRET)
    ? 'GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET are not set'
    : null;
if (tokenSkip) console.log(`skipped: live token verification: ${tokenSkip}`);
if (credentialsSkip) console.log(`skipped: live client-credentials check: ${credentialsSkip}`);

(tokenSkip ? describe.skip : describe)('a real token verified by the real Genesys Cloud API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { GENESYSCLOUD_API_URL: GENESYSCLOUD_API_URL!, GENESYSCLOUD_REGION: 'live-test' },
    });
  });
  afterAll(() => t?.dispose());

  it('accepts the token, and refuses a made-up one with 401', async () => {
    const res = await t.http
      .get('/api/v1/exports')
      .set('Authorization', `Bearer ${GENESYSCLOUD_ACCESS_TOKEN}`);
    expect(res.status).toBe(200);
    const refused = await t.http
      .get('/api/v1/exports')
      .set('Authorization', 'Bearer made-up-token-for-the-live-test');
    expect(refused.status).toBe(401);
  });
});

(credentialsSkip ? describe.skip : describe)("the server's real client credentials", () => {
  it('are obtained with the client-credentials grant and reported valid in readiness', async () => {
    const t = await startTestApp({
      env: {
        GENESYSCLOUD_LOGIN_URL: GENESYSCLOUD_LOGIN_URL!,
        ...(GENESYSCLOUD_API_URL ? { GENESYSCLOUD_API_URL } : {}),
        GENESYSCLOUD_OAUTHCLIENT_ID: GENESYSCLOUD_OAUTHCLIENT_ID!,
        GENESYSCLOUD_OAUTHCLIENT_SECRET: GENESYSCLOUD_OAUTHCLIENT_SECRET!,
      },
    });
    try {
      let state = 'checking';
      for (let attempt = 0; attempt < 300 && state === 'checking'; attempt++) {
        await sleep(100);
        state = (await t.http.get('/health/ready')).body.details.credentials.state;
      }
      expect(state).toBe('valid');
    } finally {
      await t.dispose();
    }
  });
});
