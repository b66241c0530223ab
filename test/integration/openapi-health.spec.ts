import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';

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
      '/api/v1/exports/{id}/download',
      '/api/v1/exports/{id}/events',
      '/api/v1/exports/{id}/logs',
      '/api/v1/exports/{id}/results',
      '/health',
      '/health/live',
      '/health/ready',
    ]);
    expect(doc.components.schemas.CreateExportDto.properties).toHaveProperty('include_filter_resources');
    expect(Object.keys(doc.components.schemas.CreateExportDto.properties)).toHaveLength(20);
    expect(doc.paths['/api/v1/exports/{id}'].get.responses['404'].content).toHaveProperty(
      'application/problem+json',
    );
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
