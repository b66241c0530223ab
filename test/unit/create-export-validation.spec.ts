import { ValidationError } from 'class-validator';
import { FieldProblem, RequestValidationError } from '../../src/common/validation/request-validation.error';
import { createValidationPipe, toFieldProblems } from '../../src/common/validation/validation-pipe';
import { CreateExportDto } from '../../src/exports/dto/create-export.dto';
import {
  EXPORTABLE_RESOURCE_TYPES,
  EXPORTABLE_RESOURCE_TYPE_SET,
} from '../../src/exports/exportable-resource-types';
import { EXPORT_ATTRIBUTE_NAMES } from '../../src/export-parameters/export-attributes';
import { EXPORT_DEFAULT_DIRECTORY } from '../../src/export-parameters/export-parameters';
import { toExportParameters } from '../../src/exports/request-parameters';
import { BOOLEAN_ATTRIBUTES } from '../support/export-attributes';

const FILTER_LISTS = [
  'resource_types',
  'include_filter_resources',
  'include_filter_resources_by_id',
  'exclude_filter_resources',
];
const REGEX_FILTER_LISTS = [
  'include_filter_resources',
  'exclude_filter_resources',
  'replace_with_datasource',
];
const STRING_LISTS = [...FILTER_LISTS, 'replace_with_datasource', 'exclude_attributes'];

/** Runs the body through the pipe exactly as the HTTP layer does. */
function validate(body: unknown): Promise<CreateExportDto> {
  const pipe = createValidationPipe();
  return pipe.transform(body, {
    type: 'body',
    metatype: CreateExportDto,
    data: undefined,
  }) as Promise<CreateExportDto>;
}

function pointersOf(problems: FieldProblem[]): string[] {
  return problems.map((problem) => problem.pointer);
}

async function problemsFor(body: unknown): Promise<FieldProblem[]> {
  try {
    await validate(body);
  } catch (error) {
    if (error instanceof RequestValidationError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

async function expectAccepted(body: object): Promise<CreateExportDto> {
  try {
    return await validate(body);
  } catch (error) {
    const problems =
      error instanceof RequestValidationError ? JSON.stringify(error.problems, null, 2) : String(error);
    throw new Error(`expected ${JSON.stringify(body)} to be accepted, got ${problems}`, { cause: error });
  }
}

/** Asserts exactly one problem, at `pointer`, whose detail contains every fragment. */
async function expectOneProblem(
  body: unknown,
  pointer: string,
  ...fragments: string[]
): Promise<FieldProblem> {
  const problems = await problemsFor(body);
  expect(problems).toHaveLength(1);
  expect(problems[0].pointer).toBe(pointer);
  for (const fragment of fragments) {
    expect(problems[0].detail).toContain(fragment);
  }
  return problems[0];
}

describe('CreateExportDto through the validation pipe', () => {
  describe('valid bodies', () => {
    const fullBodies: Record<string, unknown>[] = [
      {
        directory: 'genesyscloud/queues',
        include_filter_resources: [
          'genesyscloud_routing_queue::^Sales',
          'genesyscloud_flow',
          'genesyscloud_user::',
        ],
        replace_with_datasource: ['genesyscloud_auth_division::^Home$', 'genesyscloud_routing_skill'],
        include_state_file: true,
        export_format: 'json_hcl',
        split_files_by_resource: true,
        log_permission_errors: true,
        exclude_attributes: ['genesyscloud_routing_queue.members', 'genesyscloud_flow.file_content_hash'],
        enable_dependency_resolution: true,
        ignore_cyclic_deps: false,
        compress: true,
        export_computed: false,
        use_legacy_architect_flow_exporter: false,
        max_concurrent_threads: 20,
        export_deprecated: false,
        export_omit_unresolved_refs: true,
      },
      { resource_types: ['genesyscloud_user', 'genesyscloud_group::Team A'], export_as_hcl: true },
      { include_filter_resources_by_id: ['genesyscloud_user::3a9f3b3c-6f0e-4c52-9a0e-0c2b8f4f1d2e'] },
      {
        exclude_filter_resources: [
          'genesyscloud_user',
          'genesyscloud_routing_queue::^Test',
          'genesyscloud_flow::',
        ],
      },
    ];

    it.each(fullBodies)('accepts %j and keeps every given attribute as given', async (body) => {
      const dto = await expectAccepted(body);
      expect(dto).toBeInstanceOf(CreateExportDto);
      expect(toExportParameters(dto)).toStrictEqual(body);
    });

    it('covers all 20 provider attributes across those bodies', () => {
      const given = new Set(fullBodies.flatMap((body) => Object.keys(body)));
      expect([...given].sort()).toEqual([...EXPORT_ATTRIBUTE_NAMES].sort());
    });

    it('accepts an empty body and stores no attribute, so every provider default applies', async () => {
      const dto = await expectAccepted({});
      expect(toExportParameters(dto)).toStrictEqual({});
    });

    it('accepts null for every attribute and stores none of them (null unsets in Terraform)', async () => {
      const body = Object.fromEntries(EXPORT_ATTRIBUTE_NAMES.map((name) => [name, null]));
      const dto = await expectAccepted(body);
      expect(toExportParameters(dto)).toStrictEqual({});
    });

    it('accepts the boundaries of max_concurrent_threads', async () => {
      await expectAccepted({ max_concurrent_threads: 0 });
      await expectAccepted({ max_concurrent_threads: 100 });
    });

    it('accepts lists of exactly 200 entries', async () => {
      await expectAccepted({
        include_filter_resources: Array.from({ length: 200 }, (_, i) => `genesyscloud_user::^user${i}$`),
      });
    });
  });

  describe('types are enforced without conversion', () => {
    it.each(BOOLEAN_ATTRIBUTES)('rejects the string "true" for %s', async (attribute) => {
      await expectOneProblem({ [attribute]: 'true' }, `/${attribute}`, `${attribute} must be a JSON boolean`);
    });

    it.each(BOOLEAN_ATTRIBUTES)('rejects the number 1 for %s', async (attribute) => {
      await expectOneProblem({ [attribute]: 1 }, `/${attribute}`, 'must be a JSON boolean');
    });

    it.each([['5'], [5.5], [-1], [101], [true], [[5]]])(
      'rejects max_concurrent_threads %j',
      async (value) => {
        await expectOneProblem(
          { max_concurrent_threads: value },
          '/max_concurrent_threads',
          'must be an integer from 0 to 100',
        );
      },
    );

    it.each([[5], [true], [['genesyscloud']], [{ path: 'a' }]])('rejects directory %j', async (value) => {
      await expectOneProblem({ directory: value }, '/directory', 'directory must be a string');
    });

    it.each([[5], [true], [['json']]])('rejects export_format %j', async (value) => {
      await expectOneProblem(
        { export_format: value },
        '/export_format',
        'export_format must be one of hcl, json, json_hcl, hcl_json',
      );
    });

    it.each(STRING_LISTS)('rejects a single string instead of a list for %s', async (attribute) => {
      await expectOneProblem(
        { [attribute]: 'genesyscloud_user' },
        `/${attribute}`,
        `${attribute} must be an array of strings`,
      );
    });

    it.each(STRING_LISTS)('rejects an object instead of a list for %s', async (attribute) => {
      await expectOneProblem(
        { [attribute]: { 0: 'genesyscloud_user' } },
        `/${attribute}`,
        'must be an array of strings',
      );
    });

    it('points at each entry that is not a string', async () => {
      const problems = await problemsFor({
        include_filter_resources: [5, 'genesyscloud_user', null, { a: 1 }, ['genesyscloud_flow']],
      });
      expect(problems).toEqual([
        { pointer: '/include_filter_resources/0', detail: 'include_filter_resources[0]: must be a string' },
        { pointer: '/include_filter_resources/2', detail: 'include_filter_resources[2]: must be a string' },
        { pointer: '/include_filter_resources/3', detail: 'include_filter_resources[3]: must be a string' },
        { pointer: '/include_filter_resources/4', detail: 'include_filter_resources[4]: must be a string' },
      ]);
    });

    it('reports problems in several attributes at once', async () => {
      const problems = await problemsFor({
        compress: 'yes',
        max_concurrent_threads: '5',
        exclude_attributes: ['genesyscloud_user'],
      });
      expect(pointersOf(problems).sort()).toEqual([
        '/compress',
        '/exclude_attributes/0',
        '/max_concurrent_threads',
      ]);
    });
  });

  describe('export_format', () => {
    it.each([
      ['HCL', 'hcl'],
      ['Json', 'json'],
      ['JSON_HCL', 'json_hcl'],
      ['hcl_JSON', 'hcl_json'],
    ])('accepts %s case-insensitively and stores %s', async (given, stored) => {
      const dto = await expectAccepted({ export_format: given });
      expect(toExportParameters(dto)).toEqual({ export_format: stored });
    });

    it.each(['yaml', '', ' json', 'json,hcl', 'hcl-json'])('rejects %j', async (value) => {
      await expectOneProblem({ export_format: value }, '/export_format', 'case-insensitive');
    });
  });

  describe('ConflictsWith, counting presence as the provider does', () => {
    const conflictingPairs = FILTER_LISTS.flatMap((first, i) =>
      FILTER_LISTS.slice(i + 1).map((second) => [first, second]),
    );

    it('checks all six pairs of filter attributes', () => {
      expect(conflictingPairs).toHaveLength(6);
    });

    it.each(conflictingPairs)('rejects %s together with %s, even when both are []', async (first, second) => {
      const problems = await problemsFor({ [first]: [], [second]: [] });
      expect(problems).toEqual(
        expect.arrayContaining([
          {
            pointer: `/${first}`,
            detail: `${first} conflicts with ${second}; the provider accepts only one filter attribute`,
          },
          {
            pointer: `/${second}`,
            detail: `${second} conflicts with ${first}; the provider accepts only one filter attribute`,
          },
        ]),
      );
      expect(problems).toHaveLength(2);
    });

    it('names every conflicting filter in one message', async () => {
      const problems = await problemsFor({
        resource_types: [],
        include_filter_resources: [],
        exclude_filter_resources: ['genesyscloud_user'],
      });
      expect(problems).toContainEqual({
        pointer: '/resource_types',
        detail:
          'resource_types conflicts with include_filter_resources and exclude_filter_resources; ' +
          'the provider accepts only one filter attribute',
      });
      expect(problems).toHaveLength(3);
    });

    it.each(FILTER_LISTS)('accepts %s alone, and the other filters as null', async (attribute) => {
      const others = Object.fromEntries(
        FILTER_LISTS.filter((other) => other !== attribute).map((other) => [other, null]),
      );
      await expectAccepted({ ...others, [attribute]: [] });
    });

    it('rejects export_as_hcl=false together with export_format', async () => {
      const problems = await problemsFor({ export_as_hcl: false, export_format: 'json' });
      expect(problems).toEqual(
        expect.arrayContaining([
          {
            pointer: '/export_as_hcl',
            detail: expect.stringContaining('export_as_hcl conflicts with export_format'),
          },
          {
            pointer: '/export_format',
            detail: expect.stringContaining('export_format conflicts with export_as_hcl'),
          },
        ]),
      );
      expect(problems).toHaveLength(2);
    });

    it('accepts export_as_hcl with export_format null, and the reverse', async () => {
      await expectAccepted({ export_as_hcl: true, export_format: null });
      await expectAccepted({ export_as_hcl: null, export_format: 'hcl' });
    });

    it('does not count replace_with_datasource or exclude_attributes as filters', async () => {
      await expectAccepted({
        include_filter_resources: ['genesyscloud_user'],
        replace_with_datasource: ['genesyscloud_auth_division'],
        exclude_attributes: ['genesyscloud_user.skills'],
      });
    });
  });

  describe('filter entries with regexes (include, exclude, replace_with_datasource)', () => {
    it.each(REGEX_FILTER_LISTS)(
      '%s accepts a type, type::regex and type:: (empty regex)',
      async (attribute) => {
        await expectAccepted({
          [attribute]: [
            'genesyscloud_user',
            'genesyscloud_flow::(?i)^inbound_.*$',
            'genesyscloud_routing_queue::',
            'genesyscloud_group::a::b',
          ],
        });
      },
    );

    it.each(REGEX_FILTER_LISTS)(
      '%s rejects an unknown type and suggests the near miss genesyscloud_userx',
      async (attribute) => {
        await expectOneProblem(
          { [attribute]: ['genesyscloud_userx'] },
          `/${attribute}/0`,
          `${attribute}[0]: "genesyscloud_userx" is not an exportable resource type`,
          'did you mean "genesyscloud_user"?',
          'the provider would accept this entry but export nothing for it',
        );
      },
    );

    it('rejects genesyscloud_flow.** (which the provider silently drops) and suggests genesyscloud_flow', async () => {
      await expectOneProblem(
        { include_filter_resources: ['genesyscloud_user', 'genesyscloud_flow.**'] },
        '/include_filter_resources/1',
        '"genesyscloud_flow.**" is not an exportable resource type',
        'did you mean "genesyscloud_flow"?',
        'Entries are <resource type> or <resource type>::<RE2 regex',
      );
    });

    it.each([
      ['GenesysCloud_User', 'genesyscloud_user'],
      ['routing_queue', 'genesyscloud_routing_queue'],
      ['genesyscloud_routing_queues', 'genesyscloud_routing_queue'],
      [' genesyscloud_flow', 'genesyscloud_flow'],
      ['genesyscloud_routing_queue_sales', 'genesyscloud_routing_queue'],
    ])('suggests the obvious type for %j', async (type, suggestion) => {
      const body = { include_filter_resources: [`${type}::x`] };
      await expectOneProblem(body, '/include_filter_resources/0', `did you mean "${suggestion}"?`);
    });

    it('makes no suggestion when no type is close', async () => {
      const problem = await expectOneProblem(
        { include_filter_resources: ['queues'] },
        '/include_filter_resources/0',
        'is not an exportable resource type',
      );
      expect(problem.detail).not.toContain('did you mean');
      expect(problem.detail).not.toContain('the provider would accept');
    });

    it('rejects an empty entry and an empty type before ::', async () => {
      const problems = await problemsFor({ include_filter_resources: ['', '::^x'] });
      expect(pointersOf(problems)).toEqual(['/include_filter_resources/0', '/include_filter_resources/1']);
      expect(problems[1].detail).toContain('"" is not an exportable resource type');
    });

    it('rejects a regex that does not compile as RE2, with the parser message', async () => {
      await expectOneProblem(
        { include_filter_resources: ['genesyscloud_user::('] },
        '/include_filter_resources/0',
        'regex "(" after "genesyscloud_user::" is not valid RE2 (Go regexp) syntax',
        'missing closing )',
      );
    });

    it.each(['(?=lookahead)', 'a**', '\\8', 'x{1001}', '[z-a]'])(
      'rejects %j, which Go regexp rejects too',
      async (regex) => {
        const body = { exclude_filter_resources: [`genesyscloud_user::${regex}`] };
        await expectOneProblem(body, '/exclude_filter_resources/0', 'is not valid RE2');
      },
    );

    it('points at each bad entry by index', async () => {
      const problems = await problemsFor({
        replace_with_datasource: [
          'genesyscloud_user',
          'genesyscloud_userx',
          'genesyscloud_flow',
          'genesyscloud_user::(',
          'genesyscloud_group',
        ],
      });
      expect(pointersOf(problems)).toEqual(['/replace_with_datasource/1', '/replace_with_datasource/3']);
    });

    it('rejects more than 200 entries at the list itself', async () => {
      await expectOneProblem(
        { include_filter_resources: Array.from({ length: 201 }, () => 'genesyscloud_user') },
        '/include_filter_resources',
        'must have at most 200 entries, not 201',
      );
    });

    it('rejects an entry longer than 512 characters and a regex longer than 256', async () => {
      const problems = await problemsFor({
        include_filter_resources: [
          `genesyscloud_user::${'a'.repeat(494)}`,
          `genesyscloud_user::${'a'.repeat(257)}`,
          `genesyscloud_user::${'a'.repeat(256)}`,
        ],
      });
      expect(problems).toEqual([
        {
          pointer: '/include_filter_resources/0',
          detail: 'include_filter_resources[0]: must be at most 512 characters long, not 513',
        },
        {
          pointer: '/include_filter_resources/1',
          detail: expect.stringContaining('is 257 characters long; at most 256 are allowed'),
        },
      ]);
    });

    it('stops compiling regexes once the list exceeds its compile budget of RE2 program size 50 000', async () => {
      // Each regex has a program size of about 8 000: the seventh takes the list over the budget.
      const heavy = `genesyscloud_user::${'x{1000}'.repeat(8)}`;
      const problems = await problemsFor({
        include_filter_resources: Array.from({ length: 200 }, () => heavy),
      });
      expect(problems).toHaveLength(194);
      expect(problems[0]).toEqual({
        pointer: '/include_filter_resources/6',
        detail: expect.stringContaining("is over the list's budget"),
      });
    });

    it('charges Unicode classes, which are slow to compile although their program size is small', async () => {
      // 80 classes cost 8 000 each time, so again the seventh regex is over the budget.
      const unicodeHeavy = `genesyscloud_user::${'\\pL'.repeat(80)}`;
      const problems = await problemsFor({
        replace_with_datasource: Array.from({ length: 10 }, () => unicodeHeavy),
      });
      expect(pointersOf(problems)).toEqual([
        '/replace_with_datasource/6',
        '/replace_with_datasource/7',
        '/replace_with_datasource/8',
        '/replace_with_datasource/9',
      ]);
    });

    it('stays within the budget for 200 ordinary regexes with a Unicode class each', async () => {
      const entries = Array.from({ length: 200 }, (_, i) => `genesyscloud_user::^\\p{Lu}[a-z]+_${i}$`);
      await expectAccepted({ include_filter_resources: entries });
    });

    it('rejects Terraform template sequences, which Terraform would evaluate in the generated .tf.json', async () => {
      const problems = await problemsFor({
        include_filter_resources: [
          'genesyscloud_user::${file("/etc/passwd")}',
          'genesyscloud_user::%{if true}x%{endif}',
        ],
      });
      expect(pointersOf(problems)).toEqual(['/include_filter_resources/0', '/include_filter_resources/1']);
      expect(problems[0].detail).toContain('Terraform would evaluate as a template sequence');
    });

    it('accepts an escaped dollar and brace, which are no template sequence', async () => {
      await expectAccepted({
        include_filter_resources: ['genesyscloud_user::\\$\\{', 'genesyscloud_user::^a$'],
      });
    });

    it('rejects control characters and unpaired surrogates', async () => {
      const problems = await problemsFor({
        include_filter_resources: [
          'genesyscloud_user::a\u0000b',
          'genesyscloud_user::a\nb',
          'genesyscloud_user::\ud800',
        ],
      });
      expect(pointersOf(problems)).toEqual([
        '/include_filter_resources/0',
        '/include_filter_resources/1',
        '/include_filter_resources/2',
      ]);
      expect(problems[0].detail).toContain('control character or an unpaired surrogate');
    });

    it('keeps caller text with $ intact in messages (class-validator would replace $property)', async () => {
      const body = { include_filter_resources: ['genesyscloud_$property$value'] };
      await expectOneProblem(body, '/include_filter_resources/0', '"genesyscloud_$property$value"');
    });
  });

  describe('resource_types (legacy: type or type::exact label)', () => {
    it('accepts labels with spaces and regex characters, since they match exactly', async () => {
      await expectAccepted({
        resource_types: ['genesyscloud_user', 'genesyscloud_user::Jane Doe', 'genesyscloud_group::Team (A)'],
      });
    });

    it('rejects an empty label', async () => {
      const body = { resource_types: ['genesyscloud_user::'] };
      await expectOneProblem(body, '/resource_types/0', 'has an empty label', 'write "genesyscloud_user"');
    });

    it('rejects near-miss types with a suggestion', async () => {
      await expectOneProblem(
        { resource_types: ['genesyscloud_flow.**'] },
        '/resource_types/0',
        'did you mean "genesyscloud_flow"?',
        'Entries are <resource type> or <resource type>::<exact resource label>',
      );
    });
  });

  describe('include_filter_resources_by_id (type::id)', () => {
    it('accepts type::id', async () => {
      await expectAccepted({
        include_filter_resources_by_id: [
          'genesyscloud_user::3a9f3b3c-6f0e-4c52-9a0e-0c2b8f4f1d2e',
          'genesyscloud_routing_settings::org-1',
        ],
      });
    });

    it.each([
      ['genesyscloud_user', 'has no resource id'],
      ['genesyscloud_user::', 'has no resource id'],
      ['genesyscloud_user::abc def', 'contains whitespace'],
      ['genesyscloud_user::abc\t', 'control character'],
      ['genesyscloud_userx::abc', 'did you mean "genesyscloud_user"?'],
    ])('rejects %j', async (entry, fragment) => {
      await expectOneProblem(
        { include_filter_resources_by_id: [entry] },
        '/include_filter_resources_by_id/0',
        fragment,
      );
    });
  });

  describe('exclude_attributes', () => {
    it.each([
      'genesyscloud_user.skills',
      'genesyscloud_user.addresses.phone_numbers.extension',
      'genesyscloud_routing_[a-z]+.description',
      '^genesyscloud_(user|group)$.description',
      'user.skills',
      'genesyscloud_outbound_campaign.dialing_mode2',
    ])('accepts %j', async (entry) => {
      await expectAccepted({ exclude_attributes: [entry] });
    });

    it.each([
      ['genesyscloud_user', 'has no attribute', 'Entries are <resource type>.<attribute>'],
      ['.skills', 'has no resource type before the first "."'],
      ['genesyscloud_user.', 'attribute path "" must be attribute names'],
      ['genesyscloud_user.Skills', 'attribute path "Skills" must be attribute names'],
      ['genesyscloud_user.skills..name', 'attribute path "skills..name"'],
      ['genesyscloud_user.skills[0]', 'attribute path "skills[0]"'],
      [
        'genesyscloud_user(.skills',
        '"genesyscloud_user(" is not an exportable resource type, and as a regex it is not valid RE2',
      ],
      [
        'genesyscloud_userx.skills',
        'matches no exportable resource type',
        'did you mean "genesyscloud_user"?',
      ],
      ['^user$.skills', 'matches no exportable resource type'],
    ])('rejects %j', async (entry, ...fragments) => {
      await expectOneProblem({ exclude_attributes: [entry] }, '/exclude_attributes/0', ...fragments);
    });

    it('rejects a type the export does not run, as the provider would at apply time', async () => {
      await expectOneProblem(
        { include_filter_resources: ['genesyscloud_flow'], exclude_attributes: ['genesyscloud_user.skills'] },
        '/exclude_attributes/0',
        'matches none of the resource types this export runs (selected by include_filter_resources)',
        '"Resource genesyscloud_user in excluded_attributes is not being exported."',
      );
    });

    it('accepts a type the export does not run when dependency resolution applies (the provider only warns)', async () => {
      await expectAccepted({
        include_filter_resources: ['genesyscloud_flow'],
        enable_dependency_resolution: true,
        exclude_attributes: ['genesyscloud_user.skills'],
      });
    });

    it('still rejects it when dependency resolution is asked for but cannot apply (legacy resource_types)', async () => {
      await expectOneProblem(
        {
          resource_types: ['genesyscloud_flow'],
          enable_dependency_resolution: true,
          exclude_attributes: ['genesyscloud_user.skills'],
        },
        '/exclude_attributes/0',
        'selected by resource_types',
      );
    });

    it('treats a bare type in exclude_filter_resources as removed, and type::regex as still running', async () => {
      await expectOneProblem(
        {
          exclude_filter_resources: ['genesyscloud_group_roles'],
          exclude_attributes: ['genesyscloud_group_roles.roles'],
        },
        '/exclude_attributes/0',
        'removed by exclude_filter_resources',
      );
      await expectAccepted({
        exclude_filter_resources: ['genesyscloud_group_roles::^x'],
        exclude_attributes: ['genesyscloud_group_roles.roles'],
      });
    });

    it('accepts a regex type part that matches one of the types the export runs', async () => {
      await expectAccepted({
        include_filter_resources_by_id: ['genesyscloud_routing_queue::q1'],
        exclude_attributes: ['routing_q.members'],
      });
    });
  });

  describe('directory', () => {
    it.each([
      ['genesyscloud', 'genesyscloud'],
      ['./genesyscloud', EXPORT_DEFAULT_DIRECTORY],
      ['./a//b/', 'a/b'],
      ['.//a', 'a'],
      ['a/b/c/d/e/f/g/h', 'a/b/c/d/e/f/g/h'],
      ['My-Export_2024.v1/out', 'My-Export_2024.v1/out'],
      ['x/export.zip', 'x/export.zip'],
      ['export.zip.d', 'export.zip.d'],
    ])('accepts %j and stores %j', async (directory, stored) => {
      const dto = await expectAccepted({ directory });
      expect(toExportParameters(dto)).toEqual({ directory: stored });
    });

    it('accepts a directory of exactly 200 characters', async () => {
      await expectAccepted({ directory: 'a'.repeat(200) });
    });

    it.each([
      ['../x', '"." or ".." as a folder name'],
      ['a/../../b', '"." or ".." as a folder name'],
      ['a/..', '"." or ".." as a folder name'],
      ['a/./b', '"." or ".." as a folder name'],
      ['././a', '"." or ".." as a folder name'],
      ['/abs', 'must be relative'],
      ['//abs', 'must be relative'],
      ['~/x', '"~" (U+007E)'],
      ['..\\x', '"\\\\" (U+005C)'],
      ['a\\..\\..\\b', '(U+005C)'],
      ['%2e%2e/x', '"%" (U+0025)'],
      ['a\u0000b', '"\\u0000" (U+0000)'],
      ['a b', '" " (U+0020)'],
      ['ａ', '"ａ" (U+FF41)'],
      ['C:/x', '":" (U+003A)'],
      ['.', "must name a folder below the job's folder"],
      ['./', "must name a folder below the job's folder"],
      ['.//', "must name a folder below the job's folder"],
      ['export.zip', 'must not start with "export.zip"'],
      ['./export.zip/x', 'must not start with "export.zip"'],
      ['EXPORT.ZIP', 'must not start with "export.zip"'],
      ['a/b/c/d/e/f/g/h/i', 'at most 8 folder levels, not 9'],
      ['', 'must be 1 to 200 characters long, not 0'],
    ])('rejects %j', async (directory, fragment) => {
      await expectOneProblem({ directory }, '/directory', fragment);
    });

    it('rejects directories longer than 200 characters', async () => {
      await expectOneProblem(
        { directory: 'a'.repeat(201) },
        '/directory',
        'must be 1 to 200 characters long, not 201',
      );
      await expectOneProblem(
        { directory: '../'.repeat(1000) },
        '/directory',
        'must be 1 to 200 characters long, not 3000',
      );
    });

    it.each(['../x', '/abs', '~/x', 'a b', 'a/b/c/d/e/f/g/h/i', ''])(
      'says what is allowed when rejecting %j',
      async (directory) => {
        const allowed =
          'a relative path of 1 to 8 folder names made of A-Z, a-z, 0-9, ".", "_" and "-", separated by "/"';
        await expectOneProblem({ directory }, '/directory', allowed);
      },
    );
  });

  describe('unknown properties and non-object bodies', () => {
    it('rejects an unknown property at its own pointer', async () => {
      await expectOneProblem(
        { unknown_field: 1 },
        '/unknown_field',
        'property unknown_field should not exist',
      );
    });

    it('rejects attribute names that do not exist on the provider resource', async () => {
      const problems = await problemsFor({ export_directory: 'x', include_filter_resources_by_type: [] });
      expect(pointersOf(problems).sort()).toEqual(['/export_directory', '/include_filter_resources_by_type']);
    });

    it('escapes ~ and / in pointers (RFC 6901)', async () => {
      await expectOneProblem({ 'a/b~c': true }, '/a~1b~0c');
    });

    it.each([[[]], [['genesyscloud_user']], ['genesyscloud'], [5], [true], [null], [undefined]])(
      'rejects the body %j as a whole',
      async (body) => {
        await expectOneProblem(body, '', 'the request body must be a JSON object');
      },
    );
  });

  describe('toExportParameters', () => {
    it('keeps only given attributes, drops nulls, lower-cases export_format and normalises directory', async () => {
      const dto = await expectAccepted({
        directory: './out//genesys/',
        export_format: 'HCL_JSON',
        include_state_file: false,
        compress: null,
        include_filter_resources: [],
        max_concurrent_threads: 0,
      });
      const parameters = toExportParameters(dto);
      expect(parameters).toStrictEqual({
        directory: 'out/genesys',
        export_format: 'hcl_json',
        include_state_file: false,
        include_filter_resources: [],
        max_concurrent_threads: 0,
      });
      expect(Object.getPrototypeOf(parameters)).toBe(Object.prototype);
    });

    it('copies lists, so the stored parameters do not share arrays with the DTO', async () => {
      const dto = await expectAccepted({ exclude_filter_resources: ['genesyscloud_user'] });
      const parameters = toExportParameters(dto);
      expect(parameters.exclude_filter_resources).toEqual(dto.exclude_filter_resources);
      expect(parameters.exclude_filter_resources).not.toBe(dto.exclude_filter_resources);
    });
  });
});

describe('toFieldProblems', () => {
  function validationError(
    property: string,
    constraints: Record<string, string>,
    children: ValidationError[] = [],
  ): ValidationError {
    return Object.assign(new ValidationError(), { property, constraints, children });
  }

  it('gives one problem per constraint message, with nested children under their parents', () => {
    const errors = [
      validationError('a/b', { isString: 'first', isNotEmpty: 'second' }, [
        validationError('2', { isInt: 'third' }, [validationError('c~d', { min: 'fourth' })]),
      ]),
      validationError('top', {}),
    ];
    expect(toFieldProblems(errors)).toEqual([
      { pointer: '/a~1b', detail: 'first' },
      { pointer: '/a~1b', detail: 'second' },
      { pointer: '/a~1b/2', detail: 'third' },
      { pointer: '/a~1b/2/c~0d', detail: 'fourth' },
    ]);
  });
});

describe('EXPORTABLE_RESOURCE_TYPES', () => {
  it('holds the 138 types of provider v1.84.1, once each', () => {
    expect(EXPORTABLE_RESOURCE_TYPES).toHaveLength(138);
    expect(EXPORTABLE_RESOURCE_TYPE_SET.size).toBe(138);
    expect(EXPORTABLE_RESOURCE_TYPES.every((type) => /^genesyscloud_[a-z0-9_]+$/.test(type))).toBe(true);
  });
});
