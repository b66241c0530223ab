import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { X_REQUEST_ID } from './response-headers';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Genesys Cloud export server')
    .setDescription(
      'Runs Genesys Cloud CX as Code exports (the `genesyscloud_tf_export` resource of the Genesys ' +
        'Cloud Terraform provider) as asynchronous jobs.\n\n' +
        'Authentication: send your Genesys Cloud OAuth access token as `Authorization: Bearer`. ' +
        'Without one, the server may use its own client credentials; otherwise it answers 401.\n\n' +
        'A 204 response has no body (RFC 9110), so every job response carries the job state in the ' +
        '`Job-Status` header, 204 answers add a `Link` to the next useful URL, and unfinished jobs add ' +
        '`Retry-After`. Send `Prefer: return=representation` to get 200 with a body instead of 204.\n\n' +
        'Every error is an RFC 9457 `application/problem+json` document; every answer carries an ' +
        '`X-Request-Id` to quote when reporting a problem.\n\n' +
        'Webhooks: an export (and a schedule, for each run) may name `webhook: {url, secret}`. When the ' +
        'job ends (completed, failed or cancelled), the server POSTs an `application/json` document to the ' +
        'URL: `{event, delivery_id, job_id, status, error, ended_at, schedule_id, changes, links}` (`event` ' +
        "is `job.completed`, `job.failed` or `job.cancelled`; `changes` a scheduled run's change summary; " +
        '`links` paths of this server: `job`, and for a completed job `results` and `download`). Headers: ' +
        '`Webhook-Id` (the delivery id, the same on every attempt: drop repeats), `Webhook-Timestamp` ' +
        '(Unix seconds when the attempt was sent) and `Webhook-Signature: sha256=<hex>`, the HMAC-SHA-256 of ' +
        '`<Webhook-Timestamp>.<body>` keyed with the secret (UTF-8); compare it in constant time and refuse ' +
        'old timestamps. A 2xx answer delivers it; any other status (redirects are not followed), or none ' +
        'within WEBHOOK_TIMEOUT, is retried with exponential backoff for WEBHOOK_RETRY_FOR. Only hosts in ' +
        "the server's WEBHOOK_ALLOWED_HOSTS are called. `GET /api/v1/exports/{id}/webhook-deliveries` shows " +
        'every attempt.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // Relative: the API is on the same origin as the document, wherever the server is deployed.
    .addServer('/', 'The server that serves this document')
    .addTag('exports', 'Export jobs: start, follow, cancel, download')
    .addTag('schedules', 'Scheduled exports: runs that start export jobs on a cron')
    .addTag('health', 'Liveness and readiness probes; public')
    .addTag('metrics', 'Prometheus metrics; public')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A Genesys Cloud OAuth access token' })
    .build();
  return declareSharedParts(SwaggerModule.createDocument(app, config));
}

/**
 * What every operation has in common, which per-route decorators would only repeat: an
 * `X-Request-Id` on every answer (unless the route declared when it is missing), and
 * `security: []` (public) on the routes that declare no security.
 */
function declareSharedParts(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = pathItem[method];
      if (!operation) continue;
      operation.security ??= [];
      for (const response of Object.values(operation.responses)) {
        if (!response || '$ref' in response) continue;
        response.headers = { 'X-Request-Id': X_REQUEST_ID, ...response.headers };
      }
    }
  }
  return document;
}

/** Swagger UI at /api/docs and the OpenAPI document at /api/docs-json. */
export function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}
