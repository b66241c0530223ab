import { OpenApiContract, openApiContract } from '../support/openapi-contract';

/** The checker every integration answer goes through must itself catch what it claims to. */
describe('the OpenAPI contract checker', () => {
  const contract = openApiContract();
  const JOB = '3f0e8e52-6f1a-4a55-9d7e-2b1c0e7a9a10';
  const notFound = {
    method: 'GET',
    url: `/api/v1/exports/${JOB}`,
    status: 404,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', 'x-request-id': 'abc' },
    body: {
      type: 'urn:genesyscloud-export-server:problem:job-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No export job exists.',
      instance: `/api/v1/exports/${JOB}`,
    },
  };

  it('accepts an answer the document describes', () => {
    expect(contract.violations(notFound)).toEqual([]);
  });

  it('refuses an undeclared status', () => {
    expect(contract.violations({ ...notFound, status: 418 })).toEqual([
      expect.stringMatching(/^status 418 is not declared for getExport/),
    ]);
  });

  it('refuses a path no operation has', () => {
    expect(contract.violations({ ...notFound, url: '/api/v2/nothing' })).toEqual([
      expect.stringMatching(/no operation/),
    ]);
  });

  it('refuses a missing required header, an undeclared one, and a value its schema refuses', () => {
    const completed = {
      method: 'GET',
      url: `/api/v1/exports/${JOB}?x=1`,
      status: 204,
      headers: {
        'x-request-id': 'abc',
        etag: '"v1"',
        'job-status': 'finished',
        'x-debug': '1',
      },
      body: undefined,
    };
    expect(contract.violations(completed)).toEqual([
      'required header link is missing',
      expect.stringMatching(/^header job-status: finished must be equal to one of the allowed values/),
      'header x-debug: 1 is not declared for status 204',
    ]);
  });

  it('types header values: Retry-After is an integer', () => {
    const limited = {
      ...notFound,
      status: 429,
      headers: { ...notFound.headers, 'retry-after': 'soon' },
      body: { ...notFound.body, status: 429, title: 'Too Many Requests', type: 'urn:x:rate-limited' },
    };
    expect(contract.violations(limited)).toEqual(['header retry-after: soon must be integer']);
    expect(contract.violations({ ...limited, headers: { ...limited.headers, 'retry-after': '5' } })).toEqual(
      [],
    );
  });

  it('refuses a body its schema refuses, or of an undeclared media type', () => {
    expect(contract.violations({ ...notFound, body: { ...notFound.body, status: '404' } })).toEqual([
      expect.stringMatching(/^body does not match .*\/status must be integer/),
    ]);
    expect(
      contract.violations({ ...notFound, headers: { ...notFound.headers, 'content-type': 'text/html' } }),
    ).toEqual([expect.stringMatching(/^media type text\/html is not declared/)]);
  });

  it('refuses a body on a status that declares none', () => {
    const withBody = {
      method: 'DELETE',
      url: `/api/v1/exports/${JOB}`,
      status: 204,
      headers: {
        'x-request-id': 'abc',
        'job-status': 'completed',
        link: `</api/v1/exports/${JOB}/results>; rel="results"`,
      },
      body: 'surprise',
    };
    expect(contract.violations(withBody)).toEqual([expect.stringMatching(/declares none/)]);
    expect(contract.violations({ ...withBody, body: undefined })).toEqual([]);
  });

  it('reports an example that its schema refuses, wherever it is', () => {
    const document = structuredClone(contract.document);
    const operation = document.paths['/api/v1/exports/{id}'].get;
    operation.responses['404'].content!['application/problem+json'].examples!['job-not-found'].value = {
      status: 404,
    };
    document.components.schemas.JobView.properties = {
      ...(document.components.schemas.JobView.properties as object),
      progress: { type: 'integer', example: 'half' },
    };
    expect(new OpenApiContract(document).exampleViolations()).toEqual([
      expect.stringMatching(
        /^GET \/api\/v1\/exports\/\{id\} 404 application\/problem\+json example job-not-found: /,
      ),
      expect.stringMatching(/^schema JobView\/properties\/progress example: \(root\) must be integer/),
    ]);
  });

  it('finds every example in the document valid against its schema', () => {
    expect(contract.exampleViolations()).toEqual([]);
  });
});
