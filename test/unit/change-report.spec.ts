import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareParameters } from '../../src/changes/comparability';
import { ExportTooLargeError, readExportedResources } from '../../src/changes/export-reader';
import {
  addConfigResources,
  addStateIds,
  ExportedResources,
  parseConfigFile,
  UnreadableExportError,
} from '../../src/changes/exported-resources';
import { diffResources } from '../../src/changes/resource-diff';
import { isSensitiveAttribute } from '../../src/changes/sensitive-attributes';

const QUEUE = 'genesyscloud_routing_queue';

function resourcesOf(document: unknown, state?: unknown): ExportedResources {
  const resources: ExportedResources = new Map();
  addConfigResources(document, 'genesyscloud.tf.json', resources);
  if (state) addStateIds(state, 'terraform.tfstate', resources);
  return resources;
}

const queue = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `${name} queue`,
  members: [{ user_id: '${genesyscloud_user.jane.id}', ring_num: 1 }],
  wrapup_codes: ['${genesyscloud_routing_wrapupcode.a.id}'],
  ...extra,
});

describe('diffResources', () => {
  const before = resourcesOf({
    resource: {
      [QUEUE]: { support: queue('Support'), sales: queue('Sales'), billing: queue('Billing') },
      genesyscloud_user: { jane: { name: 'Jane', email: 'jane@example.com', password: 'old-secret' } },
    },
    data: { genesyscloud_user: { bob: { name: 'Bob' } } },
  });

  it('lists added, removed and changed resources by address, with the attributes that differ', () => {
    const after = resourcesOf({
      resource: {
        [QUEUE]: {
          support: queue('Support', {
            description: 'Front line',
            members: [{ user_id: '${genesyscloud_user.jane.id}', ring_num: 2 }],
          }),
          sales: queue('Sales', { wrapup_codes: ['${genesyscloud_routing_wrapupcode.a.id}', 'b'] }),
          marketing: queue('Marketing'),
        },
        genesyscloud_user: { jane: { name: 'Jane', email: 'jane@example.com', password: 'new-secret' } },
      },
      data: { genesyscloud_user: { bob: { name: 'Bob' } } },
    });

    const diff = diffResources(before, after);

    expect(diff.changes).toEqual([
      {
        address: 'genesyscloud_routing_queue.billing',
        type: QUEUE,
        change: 'removed',
      },
      { address: 'genesyscloud_routing_queue.marketing', type: QUEUE, change: 'added' },
      {
        address: 'genesyscloud_routing_queue.sales',
        type: QUEUE,
        change: 'changed',
        attributes: [
          {
            attribute: 'wrapup_codes',
            old: ['${genesyscloud_routing_wrapupcode.a.id}'],
            new: ['${genesyscloud_routing_wrapupcode.a.id}', 'b'],
          },
        ],
      },
      {
        address: 'genesyscloud_routing_queue.support',
        type: QUEUE,
        change: 'changed',
        attributes: [
          { attribute: 'description', old: 'Support queue', new: 'Front line' },
          { attribute: 'members[0].ring_num', old: 1, new: 2 },
        ],
      },
      {
        address: 'genesyscloud_user.jane',
        type: 'genesyscloud_user',
        change: 'changed',
        attributes: [{ attribute: 'password', sensitive: true }],
      },
    ]);
    expect(diff.totals).toEqual({ added: 1, removed: 1, changed: 3, renamed: 0 });
    expect(diff.totalsByType).toEqual({
      [QUEUE]: { added: 1, removed: 1, changed: 2, renamed: 0 },
      genesyscloud_user: { added: 0, removed: 0, changed: 1, renamed: 0 },
    });
    expect(JSON.stringify(diff)).not.toMatch(/secret/);
  });

  it('reports an attribute that appears or disappears with only the side that has it', () => {
    const { description: _dropped, ...withoutDescription } = queue('Support');
    const old = resourcesOf({ resource: { [QUEUE]: { support: queue('Support') } } });
    const now = resourcesOf({
      resource: { [QUEUE]: { support: { ...withoutDescription, acw_timeout_ms: 300000 } } },
    });

    expect(diffResources(old, now).changes).toEqual([
      {
        address: `${QUEUE}.support`,
        type: QUEUE,
        change: 'changed',
        attributes: [
          { attribute: 'acw_timeout_ms', new: 300000 },
          { attribute: 'description', old: 'Support queue' },
        ],
      },
    ]);
  });

  it('pairs a removed and an added address with the same id from the state files as one rename', () => {
    const state = (label: string) => ({
      version: 4,
      resources: [
        { mode: 'managed', type: QUEUE, name: label, instances: [{ attributes_flat: { id: 'queue-1' } }] },
        { mode: 'managed', type: QUEUE, name: 'sales', instances: [{ attributes: { id: 'queue-2' } }] },
      ],
    });
    const old = resourcesOf(
      { resource: { [QUEUE]: { support: queue('Support'), sales: queue('Sales') } } },
      state('support'),
    );
    const renamed = resourcesOf(
      {
        resource: {
          [QUEUE]: {
            front_line: queue('Front Line', { description: 'Support queue' }),
            sales: queue('Sales'),
          },
        },
      },
      state('front_line'),
    );

    expect(diffResources(old, renamed).changes).toEqual([
      {
        address: 'genesyscloud_routing_queue.front_line',
        type: QUEUE,
        change: 'renamed',
        id: 'queue-1',
        previous_address: 'genesyscloud_routing_queue.support',
        attributes: [{ attribute: 'name', old: 'Support', new: 'Front Line' }],
      },
    ]);
  });

  it('without ids, a new label is a removal and an addition', () => {
    const old = resourcesOf({ resource: { [QUEUE]: { support: queue('Support') } } });
    const renamed = resourcesOf({ resource: { [QUEUE]: { front_line: queue('Support') } } });

    expect(diffResources(old, renamed).changes.map((c) => [c.change, c.address])).toEqual([
      ['added', 'genesyscloud_routing_queue.front_line'],
      ['removed', 'genesyscloud_routing_queue.support'],
    ]);
  });

  it('reads the v3 state the exporter writes', () => {
    const resources = resourcesOf(
      {
        resource: { [QUEUE]: { support: queue('Support') } },
        data: { genesyscloud_user: { bob: { name: 'Bob' } } },
      },
      {
        version: 3,
        modules: [
          {
            path: ['root'],
            resources: {
              'genesyscloud_routing_queue.support': { type: QUEUE, primary: { id: 'queue-1' } },
              'data.genesyscloud_user.bob': { type: 'genesyscloud_user', primary: { id: 'user-1' } },
            },
          },
        ],
      },
    );
    expect([...resources.values()].map((r) => [r.address, r.id])).toEqual([
      ['genesyscloud_routing_queue.support', 'queue-1'],
      ['data.genesyscloud_user.bob', 'user-1'],
    ]);
  });
});

describe('reading configuration files', () => {
  // The same resources as the exporter writes them in HCL and in JSON (reference tf_export.md §2).
  const hcl = [
    'terraform {\n  required_providers {\n    genesyscloud = {\n      source  = "registry.terraform.io/mypurecloud/genesyscloud"\n      version = "1.84.1"\n    }\n  }\n}\n',
    'resource "genesyscloud_routing_queue" "support" {\n  depends_on  = [genesyscloud_user.jane]\n  description = "Support queue"\n' +
      '  members {\n    ring_num = 1\n    user_id  = "${genesyscloud_user.jane.id}"\n  }\n  name         = "Support"\n  wrapup_codes = ["a", "b"]\n}\n',
    'data "genesyscloud_user" "bob" {\n  name = "Bob"\n}\n',
    'variable "genesyscloud_flow_x_filepath" {\n  description = "YAML file path"\n}\n',
  ].join('\n');
  const json = {
    terraform: {
      required_providers: {
        genesyscloud: { source: 'registry.terraform.io/mypurecloud/genesyscloud', version: '1.84.1' },
      },
    },
    resource: {
      [QUEUE]: {
        support: {
          depends_on: ['genesyscloud_user.jane'],
          description: 'Support queue',
          members: [{ ring_num: 1, user_id: '${genesyscloud_user.jane.id}' }],
          name: 'Support',
          wrapup_codes: ['a', 'b'],
        },
      },
    },
    data: { genesyscloud_user: { bob: { name: 'Bob' } } },
    variable: { genesyscloud_flow_x_filepath: { description: 'YAML file path' } },
  };

  it('gives the same resources from HCL as from JSON', async () => {
    const fromHcl: ExportedResources = new Map();
    addConfigResources(await parseConfigFile('genesyscloud.tf', hcl, 'hcl'), 'genesyscloud.tf', fromHcl);
    const fromJson = resourcesOf(json);

    expect([...fromHcl.keys()]).toEqual(['genesyscloud_routing_queue.support', 'data.genesyscloud_user.bob']);
    expect(fromHcl).toEqual(fromJson);
    expect(diffResources(fromJson, fromHcl).changes).toEqual([]);
  });

  it('refuses a file that is not a configuration, naming it', async () => {
    await expect(parseConfigFile('genesyscloud.tf', 'resource "x" {', 'hcl')).rejects.toThrow(
      UnreadableExportError,
    );
    await expect(parseConfigFile('genesyscloud.tf.json', '{"resource": ', 'json')).rejects.toThrow(
      /^genesyscloud\.tf\.json: /,
    );
    expect(() => resourcesOf({ resource: { [QUEUE]: { support: 'x' } } })).toThrow(
      'genesyscloud.tf.json: genesyscloud_routing_queue.support is not one block body',
    );
  });

  describe('an export folder', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'change-report-test-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('reads split files of one syntax and ignores the other', async () => {
      await writeFile(path.join(dir, 'provider.tf.json'), JSON.stringify({ terraform: json.terraform }));
      await writeFile(path.join(dir, `${QUEUE}.tf.json`), JSON.stringify({ resource: json.resource }));
      await writeFile(path.join(dir, 'data_genesyscloud_user.tf.json'), JSON.stringify({ data: json.data }));
      await writeFile(
        path.join(dir, 'genesyscloud.tf'),
        'resource "genesyscloud_group" "g" {\n  name = "G"\n}\n',
      );

      const { resources } = await readExportedResources(dir, 'json', 1 << 20);
      expect([...resources.keys()].sort()).toEqual([
        'data.genesyscloud_user.bob',
        'genesyscloud_routing_queue.support',
      ]);
      expect(resources).toEqual(resourcesOf(json));
    });

    it('refuses an export whose files are over the limit before parsing them', async () => {
      await writeFile(path.join(dir, 'genesyscloud.tf.json'), '{'.repeat(2000));
      await writeFile(path.join(dir, 'terraform.tfstate'), '{}');

      await expect(readExportedResources(dir, 'json', 2001)).rejects.toEqual(
        new ExportTooLargeError(2002, 2001),
      );
    });
  });
});

describe('isSensitiveAttribute', () => {
  it.each([
    [['password']],
    [['oauth_client_secret']],
    [['clientSecret']],
    [['access_token']],
    [['api_key']],
    [['credentials', 'user']],
    [['settings', 'privateKey']],
    [['pin']],
  ])('masks %j', (segments) => {
    expect(isSensitiveAttribute('genesyscloud_user', segments)).toBe(true);
  });

  it.each([[['name']], [['keyword_sets']], [['monkey']], [['spinner']], [['routing_skills', 'skill_id']]])(
    'shows %j',
    (segments) => {
      expect(isSensitiveAttribute('genesyscloud_user', segments)).toBe(false);
    },
  );

  it('masks the whole fields map of an integration credential, whatever its keys', () => {
    expect(isSensitiveAttribute('genesyscloud_integration_credential', ['fields', 'clientId'])).toBe(true);
    expect(isSensitiveAttribute('genesyscloud_integration', ['fields', 'clientId'])).toBe(false);
  });
});

describe('compareParameters', () => {
  it('compares exports made with the same filters whatever their order, directory or file layout', () => {
    expect(
      compareParameters(
        {
          include_filter_resources: ['b', 'a'],
          directory: 'x',
          split_files_by_resource: true,
          include_state_file: true,
        },
        {
          include_filter_resources: ['a', 'b'],
          export_format: 'json_hcl',
          compress: true,
          export_computed: true,
        },
      ),
    ).toEqual({ syntax: { export: 'json', since: 'json' }, incomparable: [] });
  });

  it('reads HCL from both when one export has only HCL and the other both syntaxes', () => {
    expect(compareParameters({ export_as_hcl: true }, { export_format: 'hcl_json' }).syntax).toEqual({
      export: 'hcl',
      since: 'hcl',
    });
  });

  it('says which attributes differ, with both effective values', () => {
    const { syntax, incomparable } = compareParameters(
      { include_filter_resources: [QUEUE], export_format: 'hcl', export_computed: false },
      { exclude_filter_resources: ['genesyscloud_user'] },
    );
    expect(syntax).toEqual({ export: 'hcl', since: 'json' });
    expect(incomparable.map(({ attribute, export: mine, since }) => [attribute, mine, since])).toEqual([
      ['include_filter_resources', [QUEUE], []],
      ['exclude_filter_resources', [], ['genesyscloud_user']],
      ['export_computed', false, true],
      ['export_format', 'hcl', 'json'],
    ]);
  });
});
