import { readFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Response } from 'superagent';
import { Test } from 'supertest';
import TestAgent from 'supertest/lib/agent';

/**
 * Checks HTTP answers against the committed openapi.json: the status is declared for the
 * operation, every header the operation declares as required is there, every header sent is
 * declared and matches its schema, and the body has a declared media type and matches its schema.
 * startTestApp's agent and ServerProcess.http run every answer through it, so an undocumented
 * status, header or body fails the test that received it.
 */

type Schema = Record<string, unknown>;

interface HeaderDeclaration {
  required?: boolean;
  schema?: Schema;
}

interface ResponseDeclaration {
  headers?: Record<string, HeaderDeclaration>;
  content?: Record<
    string,
    { schema?: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }
  >;
}

type MediaDeclarations = NonNullable<ResponseDeclaration['content']>;

interface OperationDeclaration {
  operationId: string;
  parameters?: { name: string; in: string; schema?: Schema; example?: unknown }[];
  requestBody?: { content: MediaDeclarations };
  responses: Record<string, ResponseDeclaration>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationDeclaration>>;
  components: { schemas: Record<string, Schema> };
}

/** One answer as the checker sees it. `body`: parsed JSON, text, a Buffer, or undefined when empty. */
export interface Exchange {
  method: string;
  /** The request target: a path with an optional query, or a whole URL. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The test streams the body or drops it: only its media type is checked. */
  bodyUnread?: boolean;
}

/** Headers every HTTP answer may carry, which describe the message rather than the API. */
const TRANSPORT_HEADERS = new Set([
  'content-type', // checked against the declared media types instead
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

/**
 * Served by Swagger UI itself (SwaggerModule.setup), not by the API: the document describes the
 * API, not the page that shows it.
 */
const DOCUMENTATION_PATHS = /^\/api\/docs(-json|-yaml|\/.*)?$/;

const COMPONENT_REF = /^#\/components\/schemas\/([^/]+)$/;

/** OpenAPI 3.0 schema keywords that only annotate (Ajv knows `nullable` itself). */
const ANNOTATIONS = ['example', 'xml', 'externalDocs', 'discriminator'];

function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function isBinary(schema: Schema | undefined): boolean {
  return schema?.type === 'string' && schema.format === 'binary';
}

/** `#/components/schemas/X` becomes `X`, the id under which each component is registered. */
function withComponentIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withComponentIds);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => {
      const component = key === '$ref' && typeof value === 'string' ? COMPONENT_REF.exec(value) : null;
      return [key, component ? component[1] : withComponentIds(value)];
    }),
  );
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message}`).join('; ');
}

/** The path of a request target; hostile ones that are no URL are taken as they are. */
function pathnameOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return url.split('?', 1)[0];
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export class OpenApiContract {
  private readonly bodies: Ajv;
  /** Header values are text; this instance turns `5` into the integer a schema asks for. */
  private readonly headers: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: { template: string; pattern: RegExp }[];

  constructor(readonly document: OpenApiDocument) {
    this.bodies = this.createAjv(false);
    this.headers = this.createAjv(true);
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      this.bodies.addSchema({ ...(withComponentIds(schema) as Schema), $id: name });
    }
    // Literal paths before templates, so `/health/ready` is not taken for a `{id}`.
    this.routes = Object.keys(document.paths)
      .sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }));
  }

  private createAjv(coerceTypes: boolean): Ajv {
    const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes });
    addFormats(ajv);
    ajv.addFormat('binary', true);
    for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword);
    return ajv;
  }

  private validator(ajv: Ajv, schema: Schema): ValidateFunction {
    const key = `${ajv === this.headers ? 'header' : 'body'}:${JSON.stringify(schema)}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = ajv.compile(withComponentIds(schema) as Schema);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Why `value` does not match `schema`, or undefined when it does. */
  schemaProblem(schema: Schema, value: unknown): string | undefined {
    const validate = this.validator(this.bodies, schema);
    return validate(value) ? undefined : describeErrors(validate.errors);
  }

  /** The path template and operation that answer `method` on `url`, or undefined for none. */
  operationFor(
    method: string,
    url: string,
  ): { template: string; operation: OperationDeclaration } | undefined {
    const pathname = pathnameOf(url);
    const route = this.routes.find(({ pattern }) => pattern.test(pathname));
    // Express answers HEAD with the GET route, without the body.
    const operation = route && this.document.paths[route.template][method === 'head' ? 'get' : method];
    return operation && route ? { template: route.template, operation } : undefined;
  }

  /**
   * Every example in the document that its own schema refuses: those of media types (request and
   * response bodies), of parameters and headers, and of schemas and their properties.
   */
  exampleViolations(): string[] {
    const problems: string[] = [];
    const check = (where: string, schema: Schema | undefined, example: unknown) => {
      if (schema === undefined || example === undefined) return;
      const problem = this.schemaProblem(schema, example);
      if (problem) problems.push(`${where}: ${problem}`);
    };
    const checkMedia = (where: string, content: MediaDeclarations | undefined) => {
      for (const [mediaType, media] of Object.entries(content ?? {})) {
        check(`${where} ${mediaType} example`, media.schema, media.example);
        for (const [name, example] of Object.entries(media.examples ?? {})) {
          check(`${where} ${mediaType} example ${name}`, media.schema, example.value);
        }
      }
    };
    for (const [template, item] of Object.entries(this.document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${template}`;
        for (const parameter of operation.parameters ?? []) {
          check(`${where} parameter ${parameter.name}`, parameter.schema, parameter.example);
          this.schemaExampleViolations(`${where} parameter ${parameter.name}`, parameter.schema, problems);
        }
        checkMedia(`${where} request`, operation.requestBody?.content);
        for (const [status, response] of Object.entries(operation.responses)) {
          checkMedia(`${where} ${status}`, response.content);
          for (const [name, header] of Object.entries(response.headers ?? {})) {
            this.schemaExampleViolations(`${where} ${status} header ${name}`, header.schema, problems);
          }
        }
      }
    }
    for (const [name, schema] of Object.entries(this.document.components.schemas)) {
      this.schemaExampleViolations(`schema ${name}`, schema, problems);
    }
    return problems;
  }

  /** Checks the `example` of `schema` and of every schema inside it. */
  private schemaExampleViolations(where: string, schema: unknown, problems: string[]): void {
    if (typeof schema !== 'object' || schema === null) return;
    if (Array.isArray(schema)) {
      schema.forEach((entry, index) => this.schemaExampleViolations(`${where}[${index}]`, entry, problems));
      return;
    }
    const { example, ...rest } = schema as Schema;
    if (example !== undefined) {
      const problem = this.schemaProblem(rest, example);
      if (problem) problems.push(`${where} example: ${problem}`);
    }
    for (const [key, value] of Object.entries(rest)) {
      this.schemaExampleViolations(`${where}/${key}`, value, problems);
    }
  }

  /**
   * For an answer outside the API (no operation): an error must still be a problem document,
   * as the document promises for every error.
   */
  problemViolations(exchange: Exchange): string[] {
    if (exchange.status < 400) return [];
    const problem: ResponseDeclaration = {
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocument' } } },
    };
    return this.bodyViolations(problem, exchange);
  }

  /** Every way `exchange` differs from the document; empty when it conforms. */
  violations(exchange: Exchange): string[] {
    const method = exchange.method.toLowerCase();
    const found = this.operationFor(method, exchange.url);
    if (!found) return [`no operation in openapi.json answers ${method.toUpperCase()} ${exchange.url}`];
    const declared = found.operation.responses[String(exchange.status)];
    if (!declared) {
      const statuses = Object.keys(found.operation.responses).join(', ');
      return [
        `status ${exchange.status} is not declared for ${found.operation.operationId} (declared: ${statuses})`,
      ];
    }
    return [
      ...this.headerViolations(declared, exchange),
      ...(method === 'head' ? [] : this.bodyViolations(declared, exchange)),
    ];
  }

  private headerViolations(declared: ResponseDeclaration, exchange: Exchange): string[] {
    const declarations = new Map(
      Object.entries(declared.headers ?? {}).map(([name, header]) => [name.toLowerCase(), header]),
    );
    const problems: string[] = [];
    for (const [name, header] of declarations) {
      if (header.required && exchange.headers[name] === undefined)
        problems.push(`required header ${name} is missing`);
    }
    for (const [name, raw] of Object.entries(exchange.headers)) {
      const value = headerValue(raw);
      if (value === undefined || TRANSPORT_HEADERS.has(name.toLowerCase())) continue;
      const header = declarations.get(name.toLowerCase());
      if (!header) {
        problems.push(`header ${name}: ${value} is not declared for status ${exchange.status}`);
        continue;
      }
      if (!header.schema) continue;
      const validate = this.validator(this.headers, { type: 'object', properties: { value: header.schema } });
      if (!validate({ value })) {
        const reasons = (validate.errors ?? []).map((error) => error.message).join('; ');
        problems.push(`header ${name}: ${value} ${reasons}`);
      }
    }
    return problems;
  }

  private bodyViolations(declared: ResponseDeclaration, exchange: Exchange): string[] {
    const contentType = headerValue(exchange.headers['content-type']);
    const empty =
      (exchange.bodyUnread === true && contentType === undefined) ||
      exchange.body === undefined ||
      exchange.body === '' ||
      (Buffer.isBuffer(exchange.body) && exchange.body.length === 0);
    if (!declared.content) {
      return empty
        ? []
        : [`a body (${contentType ?? 'untyped'}) is sent, but status ${exchange.status} declares none`];
    }
    const mediaType = contentType?.split(';', 1)[0].trim().toLowerCase();
    const media = mediaType === undefined ? undefined : declared.content[mediaType];
    if (!media) {
      const declaredTypes = Object.keys(declared.content).join(', ');
      return [
        `media type ${contentType ?? '(none)'} is not declared for status ${exchange.status} (${declaredTypes})`,
      ];
    }
    if (!media.schema || isBinary(media.schema) || exchange.bodyUnread) return [];
    if (empty && !isJsonMediaType(mediaType!)) return [];
    const problem = this.schemaProblem(media.schema, exchange.body);
    return problem
      ? [`body does not match the ${mediaType} schema of status ${exchange.status}: ${problem}`]
      : [];
  }
}

let committed: OpenApiContract | undefined;

/** The contract of the committed openapi.json (read once per test file). */
export function openApiContract(): OpenApiContract {
  committed ??= new OpenApiContract(
    JSON.parse(readFileSync(path.resolve(__dirname, '../../openapi.json'), 'utf8')) as OpenApiDocument,
  );
  return committed;
}

const exemptions = new WeakMap<Test, string>();

/**
 * Exempts one request from the contract check, visibly and with a reason: for requests that are
 * deliberately outside the API (unknown paths, methods no route has).
 */
export function outsideTheApi<T extends Test>(test: T, reason: string): T {
  if (reason.trim() === '') throw new Error('outsideTheApi needs a reason');
  exemptions.set(test, reason);
  return test;
}

/**
 * The error that says how an answer does not conform, or undefined when it does. `outside`: the
 * request is exempt from the operations (outsideTheApi), so only the problem-document rule applies.
 */
export function contractError(exchange: Exchange, outside = false): Error | undefined {
  if (DOCUMENTATION_PATHS.test(pathnameOf(exchange.url))) return undefined;
  const contract = openApiContract();
  const violations = outside ? contract.problemViolations(exchange) : contract.violations(exchange);
  if (violations.length === 0) return undefined;
  const body = Buffer.isBuffer(exchange.body)
    ? `<${exchange.body.length} bytes>`
    : (JSON.stringify(exchange.body) ?? '');
  return new Error(
    `${exchange.method.toUpperCase()} ${exchange.url} answered ${exchange.status}, which openapi.json does not describe:\n` +
      violations.map((violation) => `  - ${violation}`).join('\n') +
      `\n  body: ${body.slice(0, 500)}`,
  );
}

/** Fails with every violation when an answer does not conform (see contractError). */
export function assertConforms(exchange: Exchange, outside = false): void {
  const error = contractError(exchange, outside);
  if (error) throw error;
}

function mediaTypeOf(contentType: string | string[] | null | undefined): string {
  return (headerValue(contentType ?? undefined) ?? '').split(';', 1)[0].trim().toLowerCase();
}

/** The body as the checker wants it: JSON parsed, text as text, anything else as bytes; undefined when empty. */
function parsedBody(mediaType: string, bytes: Buffer | undefined, text: string | undefined): unknown {
  if (text === undefined || text === '') return bytes && bytes.length > 0 ? bytes : undefined;
  if (isJsonMediaType(mediaType)) return JSON.parse(text) as unknown;
  return mediaType.startsWith('text/') || !bytes ? text : bytes;
}

/** What superagent received; a test's own parser (binaryParser) hands over bytes whatever the type. */
function bodyOf(res: Response): unknown {
  const bytes = Buffer.isBuffer(res.body) ? res.body : undefined;
  return parsedBody(
    mediaTypeOf(res.headers['content-type']),
    bytes,
    bytes ? bytes.toString('utf8') : res.text,
  );
}

/** fetch, with every answer checked against openapi.json: for clients such as clients/typescript. */
export async function contractCheckedFetch(request: Request): Promise<globalThis.Response> {
  const response = await fetch(request);
  const bytes = Buffer.from(await response.clone().arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  assertConforms({
    method: request.method,
    url: request.url,
    status: response.status,
    headers,
    body: parsedBody(mediaTypeOf(response.headers.get('content-type')), bytes, bytes.toString('utf8')),
  });
  return response;
}

/**
 * For tests that speak node:http themselves (exact bytes, chosen source addresses, open
 * streams): the contractError of an answer, for their response callbacks to reject with.
 * `body`: the bytes read, or undefined when the test streams or drops them. `outside`: the request
 * is deliberately outside the API (see outsideTheApi).
 */
export function rawContractError(
  request: { method: string; path: string },
  res: Pick<IncomingMessage, 'statusCode' | 'headers'>,
  body: Buffer | undefined,
  outside = false,
): Error | undefined {
  return contractError(
    {
      method: request.method,
      url: request.path,
      status: res.statusCode ?? 0,
      headers: res.headers,
      body: body && parsedBody(mediaTypeOf(res.headers['content-type']), body, body.toString('utf8')),
      bodyUnread: body === undefined,
    },
    outside,
  );
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options'] as const;

/**
 * Makes every request of `agent` (supertest's agent, or `request(url)`) check its answer against
 * openapi.json when it completes.
 */
export function checkedAgainstContract<T extends TestAgent>(agent: T): T {
  const methods = agent as unknown as Partial<Record<(typeof METHODS)[number], (...args: unknown[]) => Test>>;
  for (const method of METHODS) {
    const original = methods[method];
    if (!original) continue;
    const send = original.bind(agent);
    methods[method] = (...args: unknown[]) => {
      const test = send(...args);
      return test.expect((res: Response) => {
        assertConforms(
          { method: test.method, url: test.url, status: res.status, headers: res.headers, body: bodyOf(res) },
          exemptions.has(test),
        );
      });
    };
  }
  return agent;
}
