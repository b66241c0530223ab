import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';

interface OperationSummary {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string; schema?: { type?: string } }[];
}

describe('OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.dispose());

  it('serves the document that is committed as openapi.json (run `npm run openapi` after API changes)', async () => {
    const res = await t.http.get('/api/docs-json');
    expect(res.status).toBe(200);
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../openapi.json'), 'utf8'));
    expect(res.body).toEqual(committed);
  });

  it('describes every export route and the problem documents', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/exports',
      '/api/v1/exports/{id}',
      '/api/v1/exports/{id}/changes',
      '/api/v1/exports/{id}/download',
      '/api/v1/exports/{id}/events',
      '/api/v1/exports/{id}/logs',
      '/api/v1/exports/{id}/results',
      '/api/v1/exports/{id}/webhook-deliveries',
      '/api/v1/schedules',
      '/api/v1/schedules/{id}',
      '/api/v1/schedules/{id}/events',
      '/api/v1/schedules/{id}/runs',
      '/health',
      '/health/live',
      '/health/ready',
      '/metrics',
    ]);
    expect(doc.components.schemas.CreateExportDto.properties).toHaveProperty('include_filter_resources');
    expect(Object.keys(doc.components.schemas.CreateExportDto.properties)).toHaveLength(20);
    // POST /api/v1/exports takes the 20 attributes and a webhook, whose secret is write-only.
    expect(doc.paths['/api/v1/exports'].post.requestBody.content['application/json'].schema).toEqual({
      allOf: [
        { $ref: '#/components/schemas/CreateExportDto' },
        {
          type: 'object',
          properties: {
            webhook: expect.objectContaining({ allOf: [{ $ref: '#/components/schemas/WebhookDto' }] }),
          },
        },
      ],
    });
    expect(doc.components.schemas.WebhookDto.properties.secret).toMatchObject({ writeOnly: true });
    expect(doc.info.description).toMatch(/Webhook-Signature: sha256=<hex>/);
    expect(doc.paths['/api/v1/exports/{id}'].get.responses['404'].content).toHaveProperty(
      'application/problem+json',
    );
  });

  it('names every operation, types every parameter and declares who may call it', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, OperationSummary>).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        ...operation,
      })),
    );
    expect(Object.fromEntries(operations.map((op) => [op.route, op.operationId]))).toEqual({
      'POST /api/v1/exports': 'createExport',
      'GET /api/v1/exports': 'listExports',
      'GET /api/v1/exports/{id}': 'getExport',
      'DELETE /api/v1/exports/{id}': 'cancelExport',
      'GET /api/v1/exports/{id}/results': 'getExportResults',
      'GET /api/v1/exports/{id}/download': 'downloadExport',
      'GET /api/v1/exports/{id}/logs': 'getExportLogs',
      'GET /api/v1/exports/{id}/events': 'getExportEvents',
      'GET /api/v1/exports/{id}/changes': 'getExportChanges',
      'GET /api/v1/exports/{id}/webhook-deliveries': 'getExportWebhookDeliveries',
      'POST /api/v1/schedules': 'createSchedule',
      'GET /api/v1/schedules': 'listSchedules',
      'GET /api/v1/schedules/{id}': 'getSchedule',
      'PATCH /api/v1/schedules/{id}': 'updateSchedule',
      'DELETE /api/v1/schedules/{id}': 'deleteSchedule',
      'GET /api/v1/schedules/{id}/runs': 'listScheduleRuns',
      'GET /api/v1/schedules/{id}/events': 'getScheduleEvents',
      'GET /health': 'checkHealth',
      'GET /health/live': 'checkLiveness',
      'GET /health/ready': 'checkReadiness',
      'GET /metrics': 'getMetrics',
    });
    for (const op of operations) {
      expect([op.route, op.security]).toEqual([
        op.route,
        op.route.includes(' /api/v1/') ? [{ bearer: [] }] : [],
      ]);
      for (const parameter of op.parameters ?? []) {
        expect([op.route, parameter.name, typeof parameter.schema?.type]).toEqual([
          op.route,
          parameter.name,
          'string',
        ]);
      }
    }
    const parameterTypes = (route: string) =>
      Object.fromEntries(
        (operations.find((op) => op.route === route)?.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => [parameter.name, parameter.schema]),
      );
    expect(parameterTypes('GET /api/v1/exports')).toEqual({
      status: expect.objectContaining({ type: 'string', enum: expect.arrayContaining(['running']) }),
      limit: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
      cursor: expect.objectContaining({ type: 'string' }),
    });
    expect(parameterTypes('GET /api/v1/schedules/{id}/runs')).toEqual({
      limit: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
      cursor: expect.objectContaining({ type: 'string' }),
    });
    expect(parameterTypes('GET /api/v1/exports/{id}/logs')).toEqual({
      follow: expect.objectContaining({ type: 'boolean', default: false }),
    });
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.tags.map((tag: { name: string }) => tag.name).sort()).toEqual([
      'exports',
      'health',
      'metrics',
      'schedules',
    ]);
  });

  it('declares no request default the server does not apply: each field names the provider default instead', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const fields = Object.entries<object>(doc.components.schemas.CreateExportDto.properties);
    for (const [name, schema] of fields) {
      expect([name, schema]).not.toEqual([name, expect.objectContaining({ default: expect.anything() })]);
      expect([name, schema]).toEqual([
        name,
        expect.objectContaining({ description: expect.stringMatching(/Provider default: [^ ]+\.$/) }),
      ]);
    }
  });

  it('serves Swagger UI', async () => {
    const res = await t.http.get('/api/docs').redirects(1);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/swagger-ui/i);
  });
});

describe('health', () => {
  it('200 while the database answers, 503 once it does not', async () => {
    const t = await startTestApp();
    try {
      const ok = await t.http.get('/health');
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('ok');
      await t.database.drop();
      const down = await t.http.get('/health');
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(down.body.details.database.status).toBe('down');
    } finally {
      await t.dispose();
    }
  });
});
