import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { TerraformSetup } from '../../src/exporter/terraform-setup';
import { openApiContract, rawContractError } from '../support/openapi-contract';
import { sleep, waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TEST_TOKEN, TestApp } from '../support/test-app';
import { withClient } from '../support/test-database';
import { BOOLEAN_ATTRIBUTES } from '../support/export-attributes';

/*
 * A corpus of malformed and hostile requests, every one of which must be refused with a 4xx
 * problem document, without a stack trace, a job row or a file anywhere. The few hostile-looking
 * inputs the rules do accept (a symlink inside the export base dir, literal dot names) are checked
 * separately: their files must land inside the job's own folder.
 */

const EXPORTS = '/api/v1/exports';
const PROBLEM = /^application\/problem\+json/;
const STACK_TRACE = /at .+\.(js|ts):\d+/;
/** body-parser's `limit: '64kb'`. */
const BODY_LIMIT = 64 * 1024;
/** Unique to this run: every traversal payload carries it, so anything it creates can be found. */
const MARKER = `pwned-${randomBytes(6).toString('hex')}`;
const BEARER = `Bearer ${TEST_TOKEN}`;
/** A body the server accepts: header abuse is sent with it, so that only the header is wrong. */
const VALID_BODY = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group'] };

type Category =
  | 'wrong types'
  | 'size and shape'
  | 'unicode tricks'
  | 'prototype pollution'
  | 'directory traversal'
  | 'filter entries'
  | 'conflicting attributes'
  | 'unknown and duplicate fields'
  | 'content types and encodings'
  | 'malformed JSON'
  | 'authorization headers'
  | 'idempotency keys'
  | 'list query values'
  | 'job ids';

interface HostileRequest {
  category: Category;
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
  expectedStatus: number;
}

interface PostOptions {
  /** null sends the body without any Content-Type. */
  contentType?: string | null;
  headers?: Record<string, string>;
  expectedStatus?: number;
  chunked?: boolean;
}

function post(
  category: Category,
  name: string,
  body: string | Buffer,
  options: PostOptions = {},
): HostileRequest {
  const { contentType = 'application/json', headers = {}, expectedStatus = 400, chunked } = options;
  return {
    category,
    name,
    method: 'POST',
    path: EXPORTS,
    headers: contentType === null ? headers : { 'Content-Type': contentType, ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    chunked,
    expectedStatus,
  };
}

/** A POST of `value` serialised by JSON.stringify (lone surrogates become `\ud800` escapes). */
function postJson(category: Category, name: string, value: unknown, expectedStatus = 400): HostileRequest {
  return post(category, name, JSON.stringify(value), { expectedStatus });
}

function call(
  category: Category,
  name: string,
  method: HostileRequest['method'],
  urlPath: string,
  { headers = {}, expectedStatus }: { headers?: Record<string, string>; expectedStatus: number },
): HostileRequest {
  return { category, name, method, path: urlPath, headers, expectedStatus };
}

const deepObject = (depth: number, leaf = 'true') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** A JSON body of exactly `size` bytes whose only field is unknown. */
const paddedBody = (size: number) => `{"padding":"${'x'.repeat(size - '{"padding":""}'.length)}"}`;
/** Text with raw bytes in the middle (invalid UTF-8 cannot be written as a JavaScript string). */
const withBytes = (before: string, bytes: number[], after: string) =>
  Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
const USER = ['genesyscloud_user'];
const GROUP = ['genesyscloud_group'];

// --- the corpus, one table per category -------------------------------------------------------

/** Each list attribute with one entry it accepts, so that mixing it with a bad entry isolates the bad one. */
const LIST_ATTRIBUTES: Record<string, string> = {
  resource_types: 'genesyscloud_user',
  include_filter_resources: 'genesyscloud_user',
  include_filter_resources_by_id: 'genesyscloud_user::3a9f3b3c-6f0e-4c52-9a0e-0c2b8f4f1d2e',
  exclude_filter_resources: 'genesyscloud_user',
  replace_with_datasource: 'genesyscloud_user',
  exclude_attributes: 'genesyscloud_user.skills',
};

const NOT_BOOLEANS: [string, unknown][] = [
  ['the string "true"', 'true'],
  ['the string "false"', 'false'],
  ['the number 1', 1],
  ['the number 0', 0],
  ['an object', { value: true }],
  ['an array holding true', [true]],
];

const notStringLists = (validEntry: string): [string, unknown][] => [
  ['a bare string', validEntry],
  ['a number', 42],
  ['true', true],
  ['an object', { 0: validEntry }],
  ['a nested array', [[validEntry]]],
  ['null inside the array', [validEntry, null]],
  ['a number inside the array', [validEntry, 7]],
  ['an object inside the array', [{ type: validEntry }]],
];

const wrongTypes: HostileRequest[] = [
  ...BOOLEAN_ATTRIBUTES.flatMap((attribute) =>
    NOT_BOOLEANS.map(([what, value]) =>
      postJson('wrong types', `${attribute} as ${what}`, { [attribute]: value }),
    ),
  ),
  ...Object.entries(LIST_ATTRIBUTES).flatMap(([attribute, validEntry]) =>
    notStringLists(validEntry).map(([what, value]) =>
      postJson('wrong types', `${attribute} as ${what}`, { [attribute]: value }),
    ),
  ),
  ...(
    [
      ['a number', 42],
      ['true', true],
      ['an empty array', []],
      ['an array of one folder', ['genesyscloud']],
      ['an object', { path: 'genesyscloud' }],
    ] as [string, unknown][]
  ).map(([what, value]) => postJson('wrong types', `directory as ${what}`, { directory: value })),
  ...(
    [
      ['a number', 1],
      ['true', true],
      ['an array', ['hcl']],
      ['an object', { format: 'hcl' }],
      ['an unknown format', 'xml'],
      ['an empty string', ''],
      ['a padded name', ' hcl '],
    ] as [string, unknown][]
  ).map(([what, value]) => postJson('wrong types', `export_format as ${what}`, { export_format: value })),
  ...(
    [
      ['a numeric string', '10'],
      ['an empty string', ''],
      ['a float', 1.5],
      ['a float just above an integer', 10.000001],
      ['a negative number', -1],
      ['one above the maximum', 101],
      ['a huge number', 1e308],
      ['true', true],
      ['an array', [10]],
      ['an object', { threads: 10 }],
    ] as [string, unknown][]
  ).map(([what, value]) =>
    postJson('wrong types', `max_concurrent_threads as ${what}`, { max_concurrent_threads: value }),
  ),
  // Numbers JSON.stringify cannot write: sent as raw text.
  ...['1e400', '-1e400', '9007199254740993', '-9007199254740993', '100.0000000000000001e1'].map((number) =>
    post(
      'wrong types',
      `max_concurrent_threads as the raw number ${number}`,
      `{"max_concurrent_threads":${number}}`,
    ),
  ),
];

const DEEP_BODIES: [string, string][] = [
  ['an object nested 1000 deep under an unknown field', `{"nested":${deepObject(1000)}}`],
  ['an object nested 1000 deep as directory', `{"directory":${deepObject(1000, '"genesyscloud"')}}`],
  ['an object nested 1000 deep as compress', `{"compress":${deepObject(1000)}}`],
  ['arrays nested 1000 deep as include_filter_resources', `{"include_filter_resources":${deepArray(1000)}}`],
  ['an object nested 1000 deep inside exclude_attributes', `{"exclude_attributes":[${deepObject(1000)}]}`],
  ['arrays nested 1000 deep as the whole body', deepArray(1000)],
  // Deeper, still well within 64 KB: nesting must be refused as cleanly as any other bad value.
  ['an object nested 5000 deep under an unknown field (30 KB)', `{"nested":${deepObject(5000)}}`],
  ['an object nested 5000 deep as directory (30 KB)', `{"directory":${deepObject(5000)}}`],
  [
    'arrays nested 5000 deep as include_filter_resources (10 KB)',
    `{"include_filter_resources":${deepArray(5000)}}`,
  ],
  [
    'arrays nested 30 000 deep as include_filter_resources (60 KB)',
    `{"include_filter_resources":${deepArray(30_000)}}`,
  ],
];

const TOP_LEVEL_NON_OBJECTS = [
  ...['[]', '[{}]', '[{"export_format":"hcl"}]'],
  ...['"genesyscloud"', '""', '42', '-1', 'null', 'true', 'false', '   '],
];

const sizeAndShape: HostileRequest[] = [
  postJson('size and shape', 'include_filter_resources with 10 000 empty entries', {
    include_filter_resources: Array(10_000).fill(''),
  }),
  postJson('size and shape', 'resource_types with 10 000 nulls', {
    resource_types: Array(10_000).fill(null),
  }),
  postJson('size and shape', 'exclude_attributes with 10 000 zeros', {
    exclude_attributes: Array(10_000).fill(0),
  }),
  postJson('size and shape', 'replace_with_datasource with 10 000 empty arrays', {
    replace_with_datasource: Array(10_000).fill([]),
  }),
  postJson('size and shape', 'exclude_filter_resources with 201 valid entries (one over the limit)', {
    exclude_filter_resources: Array(201).fill('genesyscloud_user'),
  }),
  post('size and shape', 'a body of exactly 64 KB with an unknown field', paddedBody(BODY_LIMIT)),
  post('size and shape', 'a body of 64 KB + 1 byte', paddedBody(BODY_LIMIT + 1), { expectedStatus: 413 }),
  postJson(
    'size and shape',
    'include_filter_resources with 20 000 entries (beyond 64 KB)',
    { include_filter_resources: Array(20_000).fill('genesyscloud_user') },
    413,
  ),
  postJson(
    'size and shape',
    'a 100 000-character directory (beyond 64 KB)',
    { directory: 'a'.repeat(100_000) },
    413,
  ),
  post(
    'size and shape',
    'a chunked body of 200 KB without Content-Length',
    `{"directory":"${'a'.repeat(200_000)}"}`,
    {
      chunked: true,
      expectedStatus: 413,
    },
  ),
  postJson('size and shape', 'a 201-character directory', { directory: 'a'.repeat(201) }),
  postJson('size and shape', 'a 60 000-character directory', { directory: 'a'.repeat(60_000) }),
  postJson('size and shape', 'a 60 000-character export_format', { export_format: 'h'.repeat(60_000) }),
  postJson('size and shape', 'a 513-character filter entry', {
    include_filter_resources: [`genesyscloud_user::${'a'.repeat(513 - 'genesyscloud_user::'.length)}`],
  }),
  postJson('size and shape', 'a 257-character regex', {
    include_filter_resources: [`genesyscloud_user::${'a'.repeat(257)}`],
  }),
  postJson('size and shape', 'a 60 000-character unknown field name', { ['k'.repeat(60_000)]: 1 }),
  postJson('size and shape', 'a 10-level directory (more than 8 levels)', {
    directory: 'a/b/c/d/e/f/g/h/i/j',
  }),
  ...DEEP_BODIES.map(([what, body]) => post('size and shape', what, body)),
  ...TOP_LEVEL_NON_OBJECTS.map((body) =>
    post('size and shape', `the whole body is ${JSON.stringify(body)}`, body),
  ),
];

const UNICODE_RESOURCE_TYPES: [string, string][] = [
  ['fullwidth letters', 'ｇｅｎｅｓｙｓｃｌｏｕｄ_user'],
  ['a fullwidth low line', 'genesyscloud＿user'],
  ['a Cyrillic е in genesyscloud', 'g\u0435nesyscloud_user'],
  ['a Cyrillic о in cloud', 'genesyscl\u043eud_user'],
  ['a Greek ο in cloud', 'genesyscl\u03bfud_user'],
  ['a long s (ſ, NFKC s)', 'genesyscloud_u\u017fer'],
  ['a mathematical bold g (astral)', '\u{1d420}enesyscloud_user'],
  ['a zero-width joiner', 'genesyscloud_\u200duser'],
  ['a zero-width space', 'genesyscloud_user\u200b'],
  ['a zero-width non-joiner', '\u200cgenesyscloud_user'],
  ['a word joiner', 'genesys\u2060cloud_user'],
  ['a soft hyphen', 'genesys\u00adcloud_user'],
  ['a byte order mark', '\ufeffgenesyscloud_user'],
  ['a right-to-left override', '\u202egenesyscloud_user'],
  ['a combining acute accent', 'genesyscloud_use\u0301r'],
  ['a no-break space', 'genesyscloud_user\u00a0'],
  ['a NUL', 'genesyscloud_user\u0000'],
  ['a NUL before the regex', 'genesyscloud_user\u0000::.*'],
  ['a lone high surrogate', 'genesyscloud_user\ud800'],
  ['a lone low surrogate', '\udc00genesyscloud_user'],
  ['capitals', 'GENESYSCLOUD_USER'],
  ['a NUL in the regex', 'genesyscloud_user::a\u0000'],
  ['a lone surrogate in the regex', 'genesyscloud_user::\ud800'],
];

const UNICODE_DIRECTORIES: [string, string][] = [
  ['fullwidth letters', 'ｇｅｎｅｓｙｓｃｌｏｕｄ'],
  ['a Cyrillic е', 'g\u0435nesyscloud'],
  ['a zero-width joiner', `${MARKER}\u200d`],
  ['a zero-width space', `gen\u200besyscloud`],
  ['a right-to-left override', `\u202e${MARKER}`],
  ['a combining character', `${MARKER}\u0301`],
  ['a NUL', `${MARKER}\u0000`],
  ['a NUL between folders', `${MARKER}\u0000/../x`],
  ['a lone surrogate', `${MARKER}\ud800`],
  ['a two dot leader ‥ (NFKC ..)', `\u2025/${MARKER}`],
  ['a presentation form ︰ (NFKC ..)', `\ufe30/${MARKER}`],
  ['fullwidth full stops ．． (NFKC ..)', `\uff0e\uff0e/${MARKER}`],
  ['one dot leaders ․․', `\u2024\u2024/${MARKER}`],
  ['ideographic full stops 。。', `\u3002\u3002/${MARKER}`],
  ['a fullwidth solidus after ..', `..\uff0f${MARKER}`],
  ['a division slash after ..', `..\u2215${MARKER}`],
  ['a zero-width space between two dots', `.\u200b./${MARKER}`],
  ['a no-break space after two dots', `..\u00a0/${MARKER}`],
];

const unicodeTricks: HostileRequest[] = [
  ...UNICODE_RESOURCE_TYPES.map(([what, entry]) =>
    postJson('unicode tricks', `include_filter_resources type with ${what}`, {
      include_filter_resources: [entry],
    }),
  ),
  ...UNICODE_RESOURCE_TYPES.slice(0, 6).map(([what, entry]) =>
    postJson('unicode tricks', `resource_types type with ${what}`, { resource_types: [entry] }),
  ),
  postJson('unicode tricks', 'exclude_filter_resources type with a zero-width joiner', {
    exclude_filter_resources: ['genesyscloud_\u200duser'],
  }),
  postJson('unicode tricks', 'replace_with_datasource type with a Cyrillic е', {
    replace_with_datasource: ['g\u0435nesyscloud_user'],
  }),
  postJson('unicode tricks', 'include_filter_resources_by_id type with fullwidth letters', {
    include_filter_resources_by_id: ['ｇｅｎｅｓｙｓｃｌｏｕｄ_user::1234'],
  }),
  postJson('unicode tricks', 'exclude_attributes type with a Cyrillic е', {
    exclude_attributes: ['g\u0435nesyscloud_user.skills'],
  }),
  postJson('unicode tricks', 'exclude_attributes attribute with fullwidth letters', {
    exclude_attributes: ['genesyscloud_user.ｓｋｉｌｌｓ'],
  }),
  ...UNICODE_DIRECTORIES.map(([what, directory]) =>
    postJson('unicode tricks', `directory with ${what}`, { directory }),
  ),
  post(
    'unicode tricks',
    'directory with an overlong UTF-8 encoding of ../ (raw bytes)',
    withBytes('{"directory":"', [0xc0, 0xae, 0xc0, 0xae, 0x2f], `${MARKER}"}`),
  ),
  postJson('unicode tricks', 'an unknown field named by a lone surrogate', { '\ud800': 1 }),
  postJson('unicode tricks', 'a field name with a zero-width space', { 'export_format\u200b': 'hcl' }),
  postJson('unicode tricks', 'a field name in fullwidth letters', { ｄｉｒｅｃｔｏｒｙ: 'genesyscloud' }),
  postJson('unicode tricks', 'export_format in fullwidth letters', { export_format: 'ＨＣＬ' }),
  postJson('unicode tricks', 'export_format with a Cyrillic с', { export_format: 'h\u0441l' }),
];

// Raw JSON text: a JavaScript object literal would turn "__proto__" into a prototype, not a key.
const PROTOTYPE_POLLUTION_BODIES: [string, string][] = [
  ['__proto__ at the top level', '{"__proto__":{"polluted":true}}'],
  ['__proto__ beside a valid field', '{"__proto__":{"polluted":true},"export_format":"hcl"}'],
  ['__proto__ holding a valid attribute', '{"__proto__":{"include_filter_resources":["genesyscloud_user"]}}'],
  ['__proto__ holding a traversal directory', `{"__proto__":{"directory":"../${MARKER}"}}`],
  ['__proto__ set to null', '{"__proto__":null}'],
  ['__proto__ set to an array', '{"__proto__":[]}'],
  ['__proto__ set to a string', '{"__proto__":"x"}'],
  ['constructor.prototype at the top level', '{"constructor":{"prototype":{"polluted":true}}}'],
  [
    'constructor.prototype beside a valid field',
    '{"constructor":{"prototype":{"polluted":true}},"export_format":"hcl"}',
  ],
  ['constructor set to null', '{"constructor":null}'],
  ['constructor set to a string', '{"constructor":"Object"}'],
  ['constructor naming the DTO', '{"constructor":{"name":"CreateExportDto"}}'],
  ['prototype at the top level', '{"prototype":{"polluted":true}}'],
  ['__proto__ inside directory', '{"directory":{"__proto__":{"polluted":true}}}'],
  ['__proto__ inside compress', '{"compress":{"__proto__":{"polluted":true}}}'],
  ['__proto__ inside a list entry', '{"include_filter_resources":[{"__proto__":{"polluted":true}}]}'],
  [
    'an array-like object with __proto__ as a list',
    '{"include_filter_resources":{"__proto__":{"polluted":true},"length":1,"0":"genesyscloud_user"}}',
  ],
  [
    'constructor.prototype inside a list entry',
    '{"exclude_attributes":[{"constructor":{"prototype":{"polluted":true}}}]}',
  ],
  ['__proto__ nested in unknown fields', '{"a":{"b":{"__proto__":{"polluted":true}}}}'],
  ['hasOwnProperty as a field', '{"hasOwnProperty":1}'],
  ['toString as a field', '{"toString":"x"}'],
  ['valueOf as a field', '{"valueOf":{}}'],
  ['__defineGetter__ as a field', '{"__defineGetter__":1}'],
  ['isPrototypeOf as a field', '{"isPrototypeOf":{"polluted":true}}'],
];

const prototypePollution: HostileRequest[] = [
  ...PROTOTYPE_POLLUTION_BODIES.map(([what, body]) => post('prototype pollution', what, body)),
  post(
    'prototype pollution',
    '__proto__ at the top level, with a bearer token',
    '{"__proto__":{"polluted":true}}',
    {
      headers: { Authorization: BEARER },
    },
  ),
  ...['__proto__[polluted]=1', '__proto__=x', 'constructor[prototype][polluted]=1', 'constructor=x'].map(
    (query) =>
      call('prototype pollution', `list query ?${query}`, 'GET', `${EXPORTS}?${query}`, {
        expectedStatus: 400,
      }),
  ),
];

const TRAVERSAL_DIRECTORIES: string[] = [
  `../${MARKER}`,
  `../../${MARKER}`,
  `../../../../../../../../tmp/${MARKER}`,
  '..',
  '../',
  `..\\${MARKER}`,
  `..\\..\\${MARKER}`,
  `%2e%2e/${MARKER}`,
  `%2e%2e%2f${MARKER}`,
  `..%2f${MARKER}`,
  `%252e%252e/${MARKER}`,
  `..%c0%af${MARKER}`,
  `....//....//${MARKER}/..`,
  `....\\\\${MARKER}`,
  `/etc/${MARKER}`,
  `/tmp/${MARKER}`,
  `//server/share/${MARKER}`,
  `C:\\Windows\\${MARKER}`,
  `C:/Windows/${MARKER}`,
  `\\\\server\\share\\${MARKER}`,
  `\\\\?\\C:\\${MARKER}`,
  `file:///tmp/${MARKER}`,
  `~/${MARKER}`,
  `~root/${MARKER}`,
  `a/../../${MARKER}`,
  `a/../${MARKER}`,
  `./../${MARKER}`,
  `${MARKER}/..`,
  `${MARKER}/./x`,
  '.',
  './',
  './/',
  './.',
  '',
  `${MARKER}\u0000/../../x`,
  `$HOME/${MARKER}`,
  `\${path.root}/${MARKER}`,
  `\`touch ${MARKER}\``,
  `${MARKER};touch x`,
  `${MARKER} x`,
  `${MARKER}\n`,
  `${MARKER}\t`,
  `${MARKER}:x`,
  'export.zip',
  `EXPORT.ZIP/${MARKER}`,
  `export.zip/${MARKER}`,
  `${'a/'.repeat(120)}${MARKER}`,
  `${'x'.repeat(190)}/${MARKER}`,
];

const directoryTraversal: HostileRequest[] = [
  ...TRAVERSAL_DIRECTORIES.map((directory) =>
    postJson('directory traversal', `directory ${JSON.stringify(directory).slice(0, 60)}`, {
      ...VALID_BODY,
      directory,
    }),
  ),
  postJson('directory traversal', 'a traversal as export_format', { export_format: `../${MARKER}` }),
  postJson('directory traversal', 'a traversal as a filter entry', {
    include_filter_resources: [`../${MARKER}`],
  }),
  postJson('directory traversal', 'a traversal as an id', {
    include_filter_resources_by_id: [`../${MARKER}`],
  }),
  postJson('directory traversal', 'a traversal as an excluded attribute', {
    exclude_attributes: [`../${MARKER}.x`],
  }),
];

const INVALID_RE2: string[] = [
  '(',
  '[',
  ')',
  '*',
  'a**',
  'a++',
  '(a)\\1',
  '(?=x)',
  '(?!x)',
  '(?<=x)',
  '(?<n>a)(?<n>b)',
  'a{1001}',
  'x{2,1}',
  '[z-a]',
  '\\p{Bogus}',
  '[[:foo:]]',
  '(?z)',
  '(?i',
  '(?#comment)',
  '\\C',
  '\\k<n>',
  '\\',
];

const UNKNOWN_TYPES: string[] = [
  'genesyscloud_nope',
  'aws_s3_bucket',
  'genesyscloud',
  'genesyscloud_',
  'user',
  '*',
  '.*',
  'genesyscloud_users',
  'genesyscloud_usr',
  'Genesyscloud_user',
  'genesyscloud-user',
  ' genesyscloud_user',
  'genesyscloud_user ',
  'genesyscloud_user:.*',
  'genesyscloud_user:',
  '',
  ' ',
  '::',
  '::.*',
];

const TEMPLATE_INJECTIONS: [string, string, string][] = [
  ['include_filter_resources', 'genesyscloud_user::${file("/etc/passwd")}', '${file(...)}'],
  ['include_filter_resources', 'genesyscloud_user::%{ if true }x%{ endif }', '%{ if }'],
  ['exclude_filter_resources', 'genesyscloud_user::%{ for x in ["a"] }${x}%{ endfor }', '%{ for }'],
  ['replace_with_datasource', 'genesyscloud_user::${path.module}', '${path.module}'],
  ['include_filter_resources_by_id', 'genesyscloud_user::${file("/etc/passwd")}', '${file(...)}'],
  ['resource_types', 'genesyscloud_user::${file("/etc/passwd")}', '${file(...)}'],
  ['exclude_attributes', 'genesyscloud_user.skills${x}', '${x}'],
  ['include_filter_resources', 'genesyscloud_user::$${escaped}', '$${...}'],
];

const filterEntries: HostileRequest[] = [
  ...UNKNOWN_TYPES.map((entry) =>
    postJson('filter entries', `include_filter_resources entry ${JSON.stringify(entry)}`, {
      include_filter_resources: [entry],
    }),
  ),
  ...['genesyscloud_nope', '', '::'].flatMap((entry) =>
    ['exclude_filter_resources', 'replace_with_datasource', 'resource_types'].map((attribute) =>
      postJson('filter entries', `${attribute} entry ${JSON.stringify(entry)}`, { [attribute]: [entry] }),
    ),
  ),
  ...INVALID_RE2.map((regex) =>
    postJson('filter entries', `include_filter_resources regex ${JSON.stringify(regex)} is not RE2`, {
      include_filter_resources: [`genesyscloud_user::${regex}`],
    }),
  ),
  ...['(', '(a)\\1', '(?=x)'].flatMap((regex) =>
    ['exclude_filter_resources', 'replace_with_datasource'].map((attribute) =>
      postJson('filter entries', `${attribute} regex ${JSON.stringify(regex)} is not RE2`, {
        [attribute]: [`genesyscloud_user::${regex}`],
      }),
    ),
  ),
  ...['(', '[a', '(?=x)'].map((regex) =>
    postJson('filter entries', `exclude_attributes type regex ${JSON.stringify(regex)} is not RE2`, {
      exclude_attributes: [`${regex}.skills`],
    }),
  ),
  postJson('filter entries', '30 regexes over the list’s compile budget', {
    include_filter_resources: Array(30).fill('genesyscloud_user::(?:a{1,30}){1,30}'),
  }),
  ...TEMPLATE_INJECTIONS.map(([attribute, entry, what]) =>
    postJson('filter entries', `Terraform template ${what} in ${attribute}`, { [attribute]: [entry] }),
  ),
  ...['genesyscloud_user', 'genesyscloud_user::', 'genesyscloud_user::a b', 'genesyscloud_user::\t1'].map(
    (entry) =>
      postJson('filter entries', `include_filter_resources_by_id entry ${JSON.stringify(entry)}`, {
        include_filter_resources_by_id: [entry],
      }),
  ),
  postJson('filter entries', 'resource_types entry with an empty label', {
    resource_types: ['genesyscloud_user::'],
  }),
  ...[
    'genesyscloud_user',
    '.skills',
    'genesyscloud_user.',
    'genesyscloud_user.Skills',
    'genesyscloud_user.skills..x',
    'genesyscloud_user.skills-x',
    'nomatch_xyz.skills',
  ].map((entry) =>
    postJson('filter entries', `exclude_attributes entry ${JSON.stringify(entry)}`, {
      exclude_attributes: [entry],
    }),
  ),
  postJson('filter entries', 'exclude_attributes for a type the export does not run', {
    include_filter_resources: ['genesyscloud_group'],
    exclude_attributes: ['genesyscloud_user.skills'],
  }),
];

const GROUP_BY_ID = ['genesyscloud_group::1'];
const CONFLICTS: [string, Record<string, unknown>][] = [
  ['include + exclude', { include_filter_resources: USER, exclude_filter_resources: GROUP }],
  ['include + resource_types', { include_filter_resources: USER, resource_types: GROUP }],
  [
    'include + include_by_id',
    { include_filter_resources: USER, include_filter_resources_by_id: GROUP_BY_ID },
  ],
  [
    'exclude + include_by_id',
    { exclude_filter_resources: USER, include_filter_resources_by_id: GROUP_BY_ID },
  ],
  ['resource_types + exclude', { resource_types: USER, exclude_filter_resources: GROUP }],
  ['resource_types + include_by_id', { resource_types: USER, include_filter_resources_by_id: GROUP_BY_ID }],
  [
    'all four filters',
    {
      resource_types: USER,
      include_filter_resources: USER,
      include_filter_resources_by_id: GROUP_BY_ID,
      exclude_filter_resources: GROUP,
    },
  ],
  [
    'include [] + exclude [] (empty arrays count)',
    { include_filter_resources: [], exclude_filter_resources: [] },
  ],
  ['include [] + resource_types', { include_filter_resources: [], resource_types: USER }],
  ['include_by_id [] + exclude', { include_filter_resources_by_id: [], exclude_filter_resources: USER }],
  ['resource_types [] + include', { resource_types: [], include_filter_resources: USER }],
  ['export_as_hcl true + export_format hcl', { export_as_hcl: true, export_format: 'hcl' }],
  ['export_as_hcl false + export_format json', { export_as_hcl: false, export_format: 'json' }],
  ['export_as_hcl false + export_format hcl', { export_as_hcl: false, export_format: 'hcl' }],
];

const conflictingAttributes = CONFLICTS.map(([what, body]) => postJson('conflicting attributes', what, body));

const UNKNOWN_FIELDS: [string, unknown][] = [
  ['exportFormat', 'hcl'],
  ['Export_Format', 'hcl'],
  ['EXPORT_FORMAT', 'hcl'],
  ['export_format ', 'hcl'],
  [' export_format', 'hcl'],
  ['export-format', 'hcl'],
  ['includeFilterResources', ['genesyscloud_user']],
  ['include_filter_resource', ['genesyscloud_user']],
  ['resourceTypes', ['genesyscloud_user']],
  ['maxConcurrentThreads', 10],
  ['dir', 'genesyscloud'],
  ['job_id', '00000000-0000-4000-8000-000000000000'],
  ['status', 'completed'],
  ['owner', 'someone-else'],
  ['credentials', { clientId: 'x', clientSecret: 'y' }],
  ['GENESYSCLOUD_OAUTHCLIENT_SECRET', 'x'],
  ['terraform', { required_providers: {} }],
  ['', 'empty name'],
  ['$where', '1 == 1'],
];

const DUPLICATE_KEY_BODIES: [string, string][] = [
  ['export_format twice, the last one invalid', '{"export_format":"hcl","export_format":"xml"}'],
  ['directory twice, the last one a traversal', `{"directory":"genesyscloud","directory":"../${MARKER}"}`],
  ['compress twice, the last one a string', '{"compress":true,"compress":"yes"}'],
  [
    'include_filter_resources twice, the last one unknown',
    '{"include_filter_resources":["genesyscloud_user"],"include_filter_resources":["genesyscloud_nope"]}',
  ],
  ['a duplicate valid key beside an unknown one', '{"export_format":"hcl","export_format":"hcl","nope":1}'],
];

const unknownAndDuplicateFields: HostileRequest[] = [
  ...UNKNOWN_FIELDS.map(([field, value]) =>
    postJson('unknown and duplicate fields', `unknown field ${JSON.stringify(field)}`, {
      ...VALID_BODY,
      [field]: value,
    }),
  ),
  ...DUPLICATE_KEY_BODIES.map(([what, body]) => post('unknown and duplicate fields', what, body)),
];

const VALID_JSON = JSON.stringify(VALID_BODY);
const WRONG_CONTENT_TYPES: [string, string][] = [
  ['text/plain', VALID_JSON],
  ['text/plain; charset=utf-8', VALID_JSON],
  ['application/x-www-form-urlencoded', 'include_filter_resources=genesyscloud_user'],
  [
    'multipart/form-data; boundary=x',
    `--x\r\nContent-Disposition: form-data; name="directory"\r\n\r\n../${MARKER}\r\n--x--\r\n`,
  ],
  ['application/json-patch+json', '[{"op":"add","path":"/directory","value":"x"}]'],
  ['application/merge-patch+json', VALID_JSON],
  ['application/problem+json', VALID_JSON],
  ['application/vnd.api+json', VALID_JSON],
  ['text/json', VALID_JSON],
  ['application/jsonp', VALID_JSON],
  ['application/xml', '<export><directory>x</directory></export>'],
  ['application/javascript', VALID_JSON],
  ['application/octet-stream', VALID_JSON],
  ['*/*', VALID_JSON],
  ['application/json, text/plain', VALID_JSON],
];

const contentTypesAndEncodings: HostileRequest[] = [
  ...WRONG_CONTENT_TYPES.map(([contentType, body]) =>
    post('content types and encodings', `Content-Type ${contentType}`, body, {
      contentType,
      expectedStatus: 415,
    }),
  ),
  post('content types and encodings', 'a JSON body without any Content-Type', VALID_JSON, {
    contentType: null,
    expectedStatus: 415,
  }),
  // body-parser reads JSON in any UTF charset: UTF-8 bytes read as UTF-16 are not JSON.
  post('content types and encodings', 'UTF-8 bytes labelled charset=utf-16', VALID_JSON, {
    contentType: 'application/json; charset=utf-16',
  }),
  ...['iso-8859-1', 'windows-1252', 'bogus-charset'].map((charset) =>
    post('content types and encodings', `application/json with charset=${charset}`, VALID_JSON, {
      contentType: `application/json; charset=${charset}`,
      expectedStatus: 415,
    }),
  ),
  post('content types and encodings', 'Content-Encoding gzip with bytes that are not gzip', VALID_JSON, {
    headers: { 'Content-Encoding': 'gzip' },
  }),
  post('content types and encodings', 'an unsupported Content-Encoding', VALID_JSON, {
    headers: { 'Content-Encoding': 'compress' },
    expectedStatus: 415,
  }),
  post(
    'content types and encodings',
    'a gzip bomb (10 KB that inflate to 10 MB)',
    gzipSync(Buffer.from(`{"directory":"${' '.repeat(10_000_000)}"}`)),
    { headers: { 'Content-Encoding': 'gzip' }, expectedStatus: 413 },
  ),
  post(
    'content types and encodings',
    'gzip of JSON with invalid fields',
    gzipSync(Buffer.from('{"compress":"yes"}')),
    {
      headers: { 'Content-Encoding': 'gzip' },
    },
  ),
  post('content types and encodings', 'a chunked body with invalid fields', '{"compress":"yes"}', {
    chunked: true,
  }),
];

const BOM = '\ufeff';
const MALFORMED_JSON: [string, string | Buffer][] = [
  ['a truncated value', '{"export_format":'],
  ['a missing closing brace', '{"export_format":"hcl"'],
  ['a truncated array', '{"include_filter_resources":["genesyscloud_user"'],
  ['a lone opening brace', '{'],
  ['a lone closing brace', '}'],
  ['a lone opening bracket', '['],
  ['an unterminated key', '{"a'],
  ['a trailing comma in an object', '{"export_format":"hcl",}'],
  ['a trailing comma in an array', '{"include_filter_resources":["genesyscloud_user",]}'],
  ['a line comment', '// comment\n{}'],
  ['a block comment', '{/* comment */}'],
  ['a trailing comment', '{"export_format":"hcl"} // comment'],
  ['single quotes', "{'export_format':'hcl'}"],
  ['unquoted keys', '{export_format:"hcl"}'],
  ['NaN', '{"max_concurrent_threads":NaN}'],
  ['Infinity', '{"max_concurrent_threads":Infinity}'],
  ['undefined', '{"directory":undefined}'],
  ['a hexadecimal number', '{"max_concurrent_threads":0x10}'],
  ['a leading zero', '{"max_concurrent_threads":010}'],
  ['a leading plus', '{"max_concurrent_threads":+1}'],
  ['a leading dot', '{"max_concurrent_threads":.5}'],
  ['two concatenated objects', '{}{}'],
  ['an object followed by an array', '{} []'],
  ['a raw newline inside a string', '{"directory":"a\nb"}'],
  ['a raw tab inside a string', '{"directory":"a\tb"}'],
  ['a raw NUL byte inside a string', '{"directory":"a\u0000b"}'],
  ['an invalid escape', '{"directory":"\\x41"}'],
  ['a short unicode escape', '{"directory":"\\u12"}'],
  ['a byte order mark before invalid fields', `${BOM}{"export_format":"xml"}`],
  ['two byte order marks', `${BOM}${BOM}${VALID_JSON}`],
  ['a byte order mark after the object', `${VALID_JSON}${BOM}`],
  ['UTF-16LE bytes', Buffer.from(VALID_JSON, 'utf16le')],
  [
    'UTF-16LE bytes with their byte order mark',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID_JSON, 'utf16le')]),
  ],
  ['invalid UTF-8 bytes in place of a key', withBytes('{', [0xff, 0xfe, 0xfd], ':1}')],
  ['invalid UTF-8 bytes inside a key', withBytes('{"export_', [0xc3, 0x28], 'format":"hcl"}')],
  [
    'invalid UTF-8 bytes inside a resource type',
    withBytes('{"include_filter_resources":["genesyscloud_', [0xe2, 0x28, 0xa1], 'user"]}'),
  ],
  [
    'a CESU-8 encoded lone surrogate inside a resource type',
    withBytes('{"include_filter_resources":["genesyscloud_user', [0xed, 0xa0, 0x80], '"]}'),
  ],
  ['invalid UTF-8 bytes after the object', withBytes(VALID_JSON, [0xc0, 0x80], '')],
];

const malformedJson = MALFORMED_JSON.map(([what, body]) => post('malformed JSON', what, body));

const MALFORMED_AUTHORIZATIONS: [string, string][] = [
  ['an empty header', ''],
  ['Bearer without a token', 'Bearer'],
  ['Bearer and spaces', 'Bearer   '],
  ['Basic credentials', 'Basic dXNlcjpwYXNzd29yZA=='],
  ['another scheme', 'Token abc123'],
  ['a token with a space', 'Bearer abc def'],
  ['two bearer tokens', 'Bearer abc, Bearer def'],
  ['a 4097-character token', `Bearer ${'a'.repeat(4097)}`],
  ['a token of padding only', 'Bearer ==='],
  ['a token with Latin-1 letters', 'Bearer t\u00f6k\u00e9n'],
  ['a quoted token', 'Bearer "abc"'],
  ['a JSON token', 'Bearer {"sub":"admin"}'],
];

const authorizationHeaders: HostileRequest[] = MALFORMED_AUTHORIZATIONS.flatMap(([what, authorization]) => [
  post('authorization headers', `POST with ${what}`, VALID_JSON, {
    headers: { Authorization: authorization },
    expectedStatus: 401,
  }),
  call('authorization headers', `GET list with ${what}`, 'GET', EXPORTS, {
    headers: { Authorization: authorization },
    expectedStatus: 401,
  }),
]);

const BAD_IDEMPOTENCY_KEYS: [string, string][] = [
  ['256 characters', 'k'.repeat(256)],
  ['8000 characters', 'k'.repeat(8000)],
  ['a quoted 256-character key', `"${'k'.repeat(256)}"`],
  ['an empty key', ''],
  ['an empty quoted key', '""'],
  ['a space inside', 'my key'],
  ['a tab inside', 'my\tkey'],
  ['Latin-1 letters', 'cl\u00e9-\u00fc'],
];

const idempotencyKeys = BAD_IDEMPOTENCY_KEYS.map(([what, key]) =>
  post('idempotency keys', `Idempotency-Key of ${what}`, VALID_JSON, { headers: { 'Idempotency-Key': key } }),
);

const BAD_LIST_QUERIES: string[] = [
  'limit=0',
  'limit=101',
  'limit=-1',
  'limit=abc',
  'limit=1.5',
  'limit=',
  'limit=NaN',
  'limit=Infinity',
  'limit=1e400',
  'limit=99999999999999999999',
  'limit=1&limit=2',
  'limit[]=1',
  'limit=%00',
  'offset=-1',
  'offset=abc',
  'offset=1.5',
  'offset=1e400',
  'offset=0',
  'cursor=',
  'cursor=abc',
  'cursor=%00',
  'cursor[]=x',
  `cursor=${Buffer.from('["not a time","x"]').toString('base64url')}`,
  'status=bogus',
  'status=PENDING',
  'status=',
  'status=pending&status=running',
  'status[$ne]=x',
  "status=pending'--",
  'status=pending%00',
  'unknown=1',
  `directory=../${MARKER}`,
];

const listQueryValues = BAD_LIST_QUERIES.map((query) =>
  call('list query values', `GET ${EXPORTS}?${query}`, 'GET', `${EXPORTS}?${query}`, { expectedStatus: 400 }),
);

const HOSTILE_JOB_IDS: string[] = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%5C..%5Cwindows%5Cwin.ini',
  '%252e%252e%252fetc%252fpasswd',
  '%00',
  '00000000-0000-4000-8000-000000000000%00',
  '..',
  '%2e%2e',
  '%20',
  'x'.repeat(5000),
  '00000000-0000-4000-8000-00000000000g',
  '00000000-0000-4000-8000-000000000000.json',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  MARKER,
];

const jobIds: HostileRequest[] = [
  ...HOSTILE_JOB_IDS.map((id) =>
    call('job ids', `GET job ${id.slice(0, 60)}`, 'GET', `${EXPORTS}/${id}`, { expectedStatus: 404 }),
  ),
  ...HOSTILE_JOB_IDS.slice(0, 6).flatMap((id) =>
    (
      [
        ['DELETE', ''],
        ['GET', '/results'],
        ['GET', '/download'],
        ['GET', '/events'],
      ] as const
    ).map(([method, suffix]) =>
      call('job ids', `${method} job ${id}${suffix}`, method, `${EXPORTS}/${id}${suffix}`, {
        expectedStatus: 404,
      }),
    ),
  ),
  // Not percent-encoding at all: the router cannot decode the id, which is a bad request.
  ...['%ff', '%E0%A4%A', '%', '..%c0%af..%c0%afetc%c0%afpasswd'].map((id) =>
    call('job ids', `GET job with the undecodable id ${id}`, 'GET', `${EXPORTS}/${id}`, {
      expectedStatus: 400,
    }),
  ),
  call('job ids', 'GET a raw ../../ path', 'GET', `${EXPORTS}/../../../etc/passwd`, { expectedStatus: 404 }),
  call(
    'job ids',
    'GET job with a bearer token and a traversal id',
    'GET',
    `${EXPORTS}/..%2F..%2Fetc%2Fpasswd`,
    {
      headers: { Authorization: BEARER },
      expectedStatus: 404,
    },
  ),
];

const corpus: HostileRequest[] = [
  ...wrongTypes,
  ...sizeAndShape,
  ...unicodeTricks,
  ...prototypePollution,
  ...directoryTraversal,
  ...filterEntries,
  ...conflictingAttributes,
  ...unknownAndDuplicateFields,
  ...contentTypesAndEncodings,
  ...malformedJson,
  ...authorizationHeaders,
  ...idempotencyKeys,
  ...listQueryValues,
  ...jobIds,
];

const countsByCategory = corpus.reduce<Record<string, number>>((counts, item) => {
  counts[item.category] = (counts[item.category] ?? 0) + 1;
  return counts;
}, {});

// --- sending raw requests ----------------------------------------------------------------------

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  contentType: string;
  text: string;
}

/** Sends exactly what the item says (no client-side JSON, content type or path normalisation). */
function send(port: number, item: HostileRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...item.headers };
    if (item.body !== undefined && !item.chunked) headers['Content-Length'] = item.body.length;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: item.method,
      path: item.path,
      headers,
      agent: false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    // The server may answer (413) and close before it has read the whole body.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (item.body !== undefined && item.chunked) {
      for (let offset = 0; offset < item.body.length; offset += 16 * 1024) {
        req.write(item.body.subarray(offset, offset + 16 * 1024));
      }
      req.end();
    } else {
      req.end(item.body);
    }
  });
}

// --- what must not change ----------------------------------------------------------------------

/** Every path under `root` (directories end in "/", symlinks in "@ -> target"), sorted. */
/**
 * Every entry under `root`, except the workspace a server makes ahead for its next job (its name
 * changes each time one is taken, whatever the input was).
 */
async function treeOf(root: string): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.spare-') && path.basename(dir) === '.runs') continue;
      const full = path.join(dir, entry.name);
      const name = path.relative(root, full);
      if (entry.isSymbolicLink()) entries.push(`${name}@ -> ${readlinkSync(full)}`);
      else if (entry.isDirectory()) {
        entries.push(`${name}/`);
        await walk(full);
      } else entries.push(name);
    }
  };
  await walk(root);
  return entries.sort();
}

const SKIPPED_WHILE_SEARCHING = new Set(['node_modules', '.git', 'proc', 'sys', 'dev']);

/** Paths whose name contains the marker, searched `depth` levels below each root (unreadable folders skipped). */
async function findMarker(roots: string[], depth: number): Promise<string[]> {
  const found = new Set<string>();
  const search = async (dir: string, levelsLeft: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.name.includes(MARKER)) found.add(full);
      if (levelsLeft > 1 && entry.isDirectory() && !SKIPPED_WHILE_SEARCHING.has(entry.name)) {
        await search(full, levelsLeft - 1);
      }
    }
  };
  for (const root of roots) await search(root, depth);
  return [...found].sort();
}

describe('hostile input (real HTTP, PostgreSQL and the Terraform stand-in)', () => {
  let t: TestApp;
  let port: number;
  /** Holds the export base dir and a folder outside it; nothing but the base dir may change. */
  let sandbox: string;
  let baseDir: string;
  let outsideDir: string;
  let searchRoots: string[];
  let treeBefore: string[];
  let countsBefore: Awaited<ReturnType<typeof countRows>>;

  async function countRows() {
    return withClient(t.databaseUrl, async (client) => {
      const jobs = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM export_jobs');
      const keys = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys');
      return { jobs: jobs.rows[0].n, idempotencyKeys: keys.rows[0].n };
    });
  }

  async function listTotal(authorization?: string): Promise<number> {
    const req = t.http.get(`${EXPORTS}?limit=100`);
    if (authorization) req.set('Authorization', authorization);
    const res = await req;
    expect(res.status).toBe(200);
    expect(res.body.has_more).toBe(false);
    return res.body.jobs.length;
  }

  beforeAll(async () => {
    sandbox = await mkdtemp(path.join(os.tmpdir(), 'hostile-input-'));
    baseDir = path.join(sandbox, 'exports');
    outsideDir = path.join(sandbox, 'outside');
    await mkdir(baseDir);
    await mkdir(outsideDir);
    // A symlink inside the base dir that leads out of it.
    await symlink(outsideDir, path.join(baseDir, 'escape'));
    t = await startTestApp({ env: ENV_CREDENTIALS, exportBaseDir: baseDir });
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    // The server prepares its Terraform template in the background; the snapshot must come after.
    const setup = t.app.get(TerraformSetup);
    for (let waited = 0; setup.readiness().state === 'checking' && waited < 30_000; waited += 50)
      await sleep(50);
    expect(setup.readiness().state).toBe('ready');
    searchRoots = [...new Set([sandbox, os.tmpdir(), '/tmp', process.cwd(), os.homedir(), '/', '/etc'])];
    treeBefore = await treeOf(sandbox);
    countsBefore = await countRows();
    expect(await findMarker(searchRoots, 3)).toEqual([]);
  });

  afterAll(async () => {
    await t?.dispose();
    if (sandbox) await rm(sandbox, { recursive: true, force: true });
  });

  it(`the corpus holds at least 200 requests (${corpus.length}: ${JSON.stringify(countsByCategory)})`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    for (const category of Object.keys(countsByCategory))
      expect(countsByCategory[category]).toBeGreaterThan(0);
  });

  describe(`every one of the ${corpus.length} hostile requests is refused with a 4xx problem document`, () => {
    it.each(corpus)('$category: $name → $expectedStatus', async (item) => {
      const res = await send(port, item);
      // Path tricks that reach no operation are deliberately outside the API: only the rule that
      // every error is a problem document applies to them.
      const outside = openApiContract().operationFor(item.method.toLowerCase(), item.path) === undefined;
      const violation = rawContractError(
        item,
        { statusCode: res.status, headers: res.headers },
        Buffer.from(res.text),
        outside,
      );
      if (violation) throw violation;
      // One line, so that a failure shows what the server answered.
      expect(`${res.status} ${res.contentType} ${res.text.slice(0, 400)}`).toMatch(
        new RegExp(`^${item.expectedStatus} application/problem\\+json`),
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toMatch(STACK_TRACE);
      const problem = JSON.parse(res.text);
      expect(problem).toMatchObject({
        status: res.status,
        title: expect.any(String),
        type: expect.any(String),
      });
      if (res.status === 400 && item.method === 'POST' && Array.isArray(problem.errors)) {
        for (const error of problem.errors) {
          expect(error).toEqual({ detail: expect.any(String), pointer: expect.any(String) });
        }
      }
    });
  });

  it('an Idempotency-Key beyond Node’s 16 KB header limit is refused with 431 before the app sees it', async () => {
    // Node's HTTP parser answers this itself, with an empty body: no problem document is possible.
    const headers = { 'Idempotency-Key': 'k'.repeat(20_000) };
    const res = await send(port, post('idempotency keys', '20 000 characters', VALID_JSON, { headers }));
    expect(res.status).toBe(431);
  });

  describe('after the corpus', () => {
    it('no rejected request created a job or an idempotency key', async () => {
      const created = await withClient(t.databaseUrl, (client) =>
        client.query<{ parameters: object }>('SELECT parameters FROM export_jobs ORDER BY created_at'),
      );
      expect(created.rows.map((row) => row.parameters)).toEqual([]);
      expect(await countRows()).toEqual(countsBefore);
      expect(await listTotal()).toBe(0);
      expect(await listTotal(BEARER)).toBe(0);
    });

    it('no file or folder was created, inside or outside the export base dir', async () => {
      expect(await treeOf(sandbox)).toEqual(treeBefore);
      expect(await readdir(outsideDir)).toEqual([]);
      expect(await findMarker(searchRoots, 3)).toEqual([]);
    });

    it('no prototype was polluted in the process that runs the server', () => {
      // startTestApp runs the server in this process, so its prototypes are these.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
      for (const key of ['polluted', 'directory', 'include_filter_resources']) {
        expect(Object.prototype).not.toHaveProperty(key);
      }
    });

    it('the server still answers normal requests and runs a normal export', async () => {
      const health = await t.http.get('/health');
      expect(health.status).toBe(200);
      const res = await t.http.post(EXPORTS).send({ ...VALID_BODY, directory: 'after-corpus' });
      expect(res.status).toBe(202);
      const job = await waitForJob(t.http, res.body.job_id);
      expect(job.status).toBe('completed');
      expect(existsSync(path.join(baseDir, res.body.job_id, 'after-corpus', 'genesyscloud.tf.json'))).toBe(
        true,
      );
    });
  });

  describe('hostile-looking input the rules accept: files stay inside the job folder', () => {
    it('a symlink in the export base dir that leads outside is not followed', async () => {
      const directory = `escape/${MARKER}-symlink`;
      const res = await t.http.post(EXPORTS).send({ ...VALID_BODY, directory });
      // A plain relative name: validation may accept it. Then it must resolve under <base>/<job id>/.
      if (res.status !== 202) {
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        return;
      }
      const id: string = res.body.job_id;
      const job = await waitForJob(t.http, id);
      expect(job.status).toBe('completed');
      expect(existsSync(path.join(baseDir, id, directory, 'genesyscloud.tf.json'))).toBe(true);
      expect(lstatSync(path.join(baseDir, id, 'escape')).isSymbolicLink()).toBe(false);
      expect(lstatSync(path.join(baseDir, 'escape')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(baseDir, 'escape'))).toBe(outsideDir);
      expect(await readdir(outsideDir)).toEqual([]);
      const results = await t.http.get(`${EXPORTS}/${id}/results`);
      const names = results.body.files.map((file: { name: string }) => file.name);
      expect(names).toEqual([`${directory}/genesyscloud.tf.json`]);
    });

    it.each([
      ['dots-only folder names from a ....// filter bypass', `....//${MARKER}-dots`, `..../${MARKER}-dots`],
      ['a folder of three dots', `.../${MARKER}-three`, `.../${MARKER}-three`],
      ['a trailing dot (stripped on Windows)', `${MARKER}-trailing.`, `${MARKER}-trailing.`],
      ['a leading ./ and doubled slashes', `./${MARKER}-slashes//x/`, `${MARKER}-slashes/x`],
    ])('%s: a literal folder name under <base>/<job id>/', async (_what, directory, normalised) => {
      const res = await t.http.post(EXPORTS).send({ ...VALID_BODY, directory });
      expect(res.status).toBe(202);
      const id: string = res.body.job_id;
      const job = await waitForJob(t.http, id);
      expect(job.status).toBe('completed');
      expect(existsSync(path.join(baseDir, id, normalised, 'genesyscloud.tf.json'))).toBe(true);
    });

    it('a catastrophic-backtracking regex that is valid RE2 is accepted (RE2 matches in linear time)', async () => {
      const res = await t.http
        .post(EXPORTS)
        .send({ include_filter_resources: ['genesyscloud_user::(a+)+$', 'genesyscloud_group::(x+x+)+y'] });
      expect(res.status).toBe(202);
      expect((await waitForJob(t.http, res.body.job_id)).status).toBe('completed');
    });

    it('nothing carrying the marker exists outside the job folders', async () => {
      const jobFolders = (await readdir(baseDir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && /^[0-9a-f-]{36}$/.test(entry.name))
        .map((entry) => path.join(baseDir, entry.name) + path.sep);
      const found = await findMarker(searchRoots, 4);
      expect(found.filter((hit) => !jobFolders.some((folder) => hit.startsWith(folder)))).toEqual([]);
      expect(found.length).toBeGreaterThan(0);
      expect(await readdir(outsideDir)).toEqual([]);
      expect((await treeOf(sandbox)).filter((entry) => !entry.startsWith(`exports${path.sep}`))).toEqual(
        treeBefore.filter((entry) => !entry.startsWith(`exports${path.sep}`)),
      );
    });
  });
});
