import { standaloneExporterToggles } from '../../src/exporter/standalone-exporters';
import { buildTerraformEnvironment } from '../../src/exporter/terraform-environment';

describe('standalone exporter feature toggles', () => {
  it('are set for the standalone types an include filter names, and only those', () => {
    expect(
      standaloneExporterToggles({
        include_filter_resources: [
          'genesyscloud_routing_queue_conditional_group_activation::^Sales',
          'genesyscloud_routing_queue_outbound_email_address',
          'genesyscloud_routing_queue',
        ],
      }),
    ).toEqual(['ENABLE_STANDALONE_CGA', 'ENABLE_STANDALONE_EMAIL_ADDRESS']);
    expect(
      standaloneExporterToggles({
        include_filter_resources_by_id: ['genesyscloud_routing_queue_conditional_group_routing::abc'],
      }),
    ).toEqual(['ENABLE_STANDALONE_CGR']);
  });

  it('unfiltered and exclude-filtered jobs keep the provider default (no toggle)', () => {
    expect(standaloneExporterToggles({})).toEqual([]);
    expect(
      standaloneExporterToggles({
        exclude_filter_resources: ['genesyscloud_routing_queue_conditional_group_routing'],
      }),
    ).toEqual([]);
  });

  it('reach Terraform’s environment', () => {
    const env = buildTerraformEnvironment({
      serverEnv: { PATH: '/bin' },
      credentials: { kind: 'access_token', accessToken: 't', region: 'us-east-1' },
      featureToggles: ['ENABLE_STANDALONE_CGR'],
    });
    expect(env.ENABLE_STANDALONE_CGR).toBe('true');
    expect(env.ENABLE_STANDALONE_CGA).toBeUndefined();
  });
});
