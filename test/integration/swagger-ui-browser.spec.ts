import { execFileSync } from 'node:child_process';
import { Browser, chromium, Locator, Page } from 'playwright-core';
import { waitForJob } from '../support/jobs';
import { startTestApp, TEST_TOKEN, TestApp } from '../support/test-app';

/** Debian's chromium (CI installs it, see .ci/run); playwright-core never downloads a browser of its own. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const CHROMIUM = findChromium();
const TITLE = 'Swagger UI in headless Chromium';
const SKIPPED = 'skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)';
const describeInBrowser = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM) console.warn(`${TITLE}: ${SKIPPED}`);

/** How long one step in the page may take before the test names it as the one that hung. */
const STEP_TIMEOUT_MS = 15_000;

interface LiveResponse {
  status: number;
  requestUrl: string;
  body: string;
}

/** One operation's block in Swagger UI, found by method and path (not by operation id). */
function operation(page: Page, method: string, path: string): Locator {
  return page
    .locator(`.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

/** Expands an operation and presses "Try it out". */
async function tryItOut(block: Locator): Promise<void> {
  await block.locator('.opblock-summary').click();
  await block.locator('.try-out__btn').click();
}

/** A text or number parameter: Swagger UI renders it as an input (an object type would be a textarea). */
async function fillParameter(block: Locator, name: string, value: string): Promise<void> {
  await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
}

/** A boolean parameter: Swagger UI renders it as a true/false select. */
async function selectParameter(block: Locator, name: string, value: 'true' | 'false'): Promise<void> {
  await block.locator(`tr[data-param-name="${name}"] select`).selectOption(value);
}

/** Presses Execute and reads the response Swagger UI shows (after clearing an earlier one). */
async function execute(block: Locator): Promise<LiveResponse> {
  const clear = block.locator('.btn-clear');
  if (await clear.isVisible()) await clear.click();
  await block.locator('.execute').click();
  const live = block.locator('.live-responses-table .response').first();
  await live.waitFor();
  const status = Number((await live.locator('.response-col_status').innerText()).trim().split(/\s/)[0]);
  const requestUrl = (await block.locator('.request-url pre').innerText()).trim();
  const bodyBlock = live.locator('.response-col_description pre').first();
  const body = (await bodyBlock.count()) > 0 ? await bodyBlock.innerText() : '';
  return { status, requestUrl, body };
}

describeInBrowser(CHROMIUM ? TITLE : `${TITLE}: ${SKIPPED}`, () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let docsUrl: string;

  beforeAll(async () => {
    // No server credentials: a request without the token from Authorize is refused with 401.
    t = await startTestApp({ env: { ALLOW_ENV_CREDENTIALS: 'false' } });
    docsUrl = `${await t.app.getUrl()}/api/docs`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(docsUrl);
    await page.locator('.opblock').first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  it('refuses a list before Authorize (401)', async () => {
    const list = operation(page, 'get', '/api/v1/exports');
    await tryItOut(list);
    expect((await execute(list)).status).toBe(401);
  });

  it('authorizes with a bearer token', async () => {
    await page.locator('.auth-wrapper .authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(TEST_TOKEN);
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done, button.close-modal').first().click();
    await page.locator('.auth-wrapper .authorize.locked').waitFor();
  });

  let jobId: string;

  it('POST starts an export (202) with the token from Authorize', async () => {
    const create = operation(page, 'post', '/api/v1/exports');
    await tryItOut(create);
    await create
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ include_filter_resources: ['genesyscloud_user'] }));
    const res = await execute(create);
    expect(res.status).toBe(202);
    const accepted: { job_id: string; status: string } = JSON.parse(res.body);
    expect(accepted.status).toBe('pending');
    jobId = accepted.job_id;
  });

  it('GET answers the finished job: 204, or 200 with it when the Prefer header asks', async () => {
    await waitForJob(t.http, jobId, undefined, { auth: `Bearer ${TEST_TOKEN}` });
    const get = operation(page, 'get', '/api/v1/exports/{id}');
    await tryItOut(get);
    await fillParameter(get, 'id', jobId);
    await fillParameter(get, 'Prefer', '');
    const bare = await execute(get);
    expect(bare.requestUrl).toMatch(new RegExp(`/api/v1/exports/${jobId}$`));
    expect(bare.status).toBe(204);

    await fillParameter(get, 'Prefer', 'return=representation');
    const represented = await execute(get);
    expect(represented.status).toBe(200);
    const job: { job_id: string; status: string } = JSON.parse(represented.body);
    expect(job).toEqual(expect.objectContaining({ job_id: jobId, status: 'completed' }));
  });

  it('lists with a limit, then the next page through the cursor (200 twice)', async () => {
    const second = await t.http
      .post('/api/v1/exports')
      .set('Authorization', `Bearer ${TEST_TOKEN}`)
      .send({ include_filter_resources: ['genesyscloud_group'] });
    expect(second.status).toBe(202);
    const list = operation(page, 'get', '/api/v1/exports');
    await fillParameter(list, 'limit', '1');
    const first = await execute(list);
    expect(first.requestUrl).toMatch(/[?&]limit=1(&|$)/);
    expect(first.status).toBe(200);
    const page1: { jobs: { job_id: string }[]; has_more: boolean; next_cursor: string } = JSON.parse(
      first.body,
    );
    expect(page1.jobs.map((job) => job.job_id)).toEqual([second.body.job_id]);
    expect(page1.has_more).toBe(true);

    await fillParameter(list, 'cursor', page1.next_cursor);
    const next = await execute(list);
    expect(next.requestUrl).toContain(`cursor=${page1.next_cursor}`);
    expect(next.status).toBe(200);
    const page2: { jobs: { job_id: string }[] } = JSON.parse(next.body);
    expect(page2.jobs.map((job) => job.job_id)).toEqual([jobId]);
  });

  it("reads the job's log without following (200)", async () => {
    const logs = operation(page, 'get', '/api/v1/exports/{id}/logs');
    await tryItOut(logs);
    await fillParameter(logs, 'id', jobId);
    await selectParameter(logs, 'follow', 'false');
    const res = await execute(logs);
    expect(res.requestUrl).toMatch(/[?&]follow=false(&|$)/);
    expect(res.status).toBe(200);
    expect(res.body).toContain('genesyscloud_user');
  });
});
