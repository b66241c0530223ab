import {
  compareProviderSchema,
  EXPECTED_EXPORT_ATTRIBUTE_TYPES,
} from '../../src/exporter/provider-schema-drift';

function schemaWith(attributes: Record<string, { type: unknown }>) {
  return {
    format_version: '1.0',
    provider_schemas: {
      'registry.terraform.io/mypurecloud/genesyscloud': {
        resource_schemas: { genesyscloud_tf_export: { version: 0, block: { attributes } } },
      },
    },
  };
}

const SAME = Object.fromEntries(
  Object.entries(EXPECTED_EXPORT_ATTRIBUTE_TYPES).map(([name, type]) => [name, { type }]),
);

describe('compareProviderSchema', () => {
  it('finds no drift in the schema of provider v1.84.1 (plus the SDK id)', () => {
    expect(compareProviderSchema(schemaWith({ ...SAME, id: { type: 'string' } }))).toEqual({
      differences: [],
      missing: [],
    });
  });

  it('reports missing, retyped and new attributes; only missing ones are refused', () => {
    const { export_deprecated: _dropped, ...rest } = SAME;
    const drift = compareProviderSchema(
      schemaWith({ ...rest, max_concurrent_threads: { type: 'string' }, export_yaml: { type: 'bool' } }),
    );
    expect(drift.missing).toEqual(['export_deprecated']);
    expect(drift.differences).toEqual([
      'max_concurrent_threads: type "string" in the installed provider, "number" here',
      'export_deprecated: not in the installed provider (refused in requests)',
      'export_yaml: in the installed provider, unknown to this server (not offered)',
    ]);
  });

  it('a provider without the resource is one difference', () => {
    expect(compareProviderSchema({ provider_schemas: {} }).differences).toEqual([
      'the installed provider has no genesyscloud_tf_export resource',
    ]);
  });
});
