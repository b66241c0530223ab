import { buildTerraformEnvironment } from '../../src/exporter/terraform-environment';
import { buildWorkspaceConfig } from '../../src/exporter/terraform-workspace';
import { describeDiagnostic, parseDiagnosticLine } from '../../src/exporter/terraform-diagnostics';
import { createScrubber } from '../../src/exporter/log-scrubber';

describe('buildTerraformEnvironment', () => {
  const serverEnv = {
    PATH: '/usr/bin',
    HOME: '/home/app',
    DATABASE_URL: 'postgres://secret@db/x',
    GENESYSCLOUD_OAUTHCLIENT_SECRET: 'server-secret',
    AWS_SECRET_ACCESS_KEY: 'nope',
  };

  it('passes a bearer token as GENESYSCLOUD_ACCESS_TOKEN with the region, and nothing of the server', () => {
    const env = buildTerraformEnvironment({
      serverEnv,
      credentials: { kind: 'access_token', accessToken: 'tok', region: 'eu-west-1' },
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/app',
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      TF_INPUT: '0',
      TF_LOG_PROVIDER: 'INFO',
      GENESYSCLOUD_ACCESS_TOKEN: 'tok',
      GENESYSCLOUD_REGION: 'eu-west-1',
    });
  });

  it('passes client credentials, and the CLI config and plugin cache when the server has them', () => {
    const env = buildTerraformEnvironment({
      serverEnv,
      credentials: { kind: 'client_credentials', clientId: 'id', clientSecret: 'sec', region: 'r' },
      cliConfigFile: '/etc/tf.rc',
      pluginCacheDir: '/cache',
    });
    expect(env).toMatchObject({
      GENESYSCLOUD_OAUTHCLIENT_ID: 'id',
      GENESYSCLOUD_OAUTHCLIENT_SECRET: 'sec',
      GENESYSCLOUD_REGION: 'r',
      TF_CLI_CONFIG_FILE: '/etc/tf.rc',
      TF_PLUGIN_CACHE_DIR: '/cache',
    });
    expect(env).not.toHaveProperty('GENESYSCLOUD_ACCESS_TOKEN');
    expect(env).not.toHaveProperty('DATABASE_URL');
    expect(env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    // The provider log comes on stderr, to be scrubbed before it is written anywhere.
    expect(env).not.toHaveProperty('TF_LOG_PATH');
  });
});

describe('buildWorkspaceConfig', () => {
  it('writes only the given attributes, with the absolute export directory', () => {
    const config = buildWorkspaceConfig(
      { export_format: 'hcl', include_filter_resources: ['genesyscloud_user'], directory: 'out' },
      '/exports/job/out',
      '~> 1.84',
    );
    expect(config).toEqual({
      terraform: {
        required_providers: { genesyscloud: { source: 'mypurecloud/genesyscloud', version: '~> 1.84' } },
      },
      provider: { genesyscloud: {} },
      resource: {
        genesyscloud_tf_export: {
          export: {
            export_format: 'hcl',
            include_filter_resources: ['genesyscloud_user'],
            directory: '/exports/job/out',
          },
        },
      },
    });
  });

  it('keeps hostile strings as data, with Terraform template sequences escaped', () => {
    const hostile = 'genesyscloud_user::"}\nresource "null" "x" {${file("/etc/passwd")} %{ if true }';
    const config = buildWorkspaceConfig({ include_filter_resources: [hostile] }, '/e', '1');
    const parsed = JSON.parse(JSON.stringify(config));
    expect(parsed.resource.genesyscloud_tf_export.export.include_filter_resources).toEqual([
      'genesyscloud_user::"}\nresource "null" "x" {$${file("/etc/passwd")} %%{ if true }',
    ]);
    expect(Object.keys(parsed.resource)).toEqual(['genesyscloud_tf_export']);
  });
});

describe('Terraform diagnostics', () => {
  it('reads error and warning diagnostics from -json output', () => {
    const line = JSON.stringify({
      '@level': 'error',
      '@message': 'Error: No valid resource types to export.',
      type: 'diagnostic',
      diagnostic: { severity: 'error', summary: 'No valid resource types to export.', detail: '' },
    });
    expect(parseDiagnosticLine(line)).toEqual({
      severity: 'error',
      summary: 'No valid resource types to export.',
      detail: '',
    });
    const warning = parseDiagnosticLine(
      JSON.stringify({ type: 'diagnostic', diagnostic: { severity: 'warning', summary: 'S', detail: 'D' } }),
    );
    expect(warning && describeDiagnostic(warning)).toBe('S: D');
  });

  it.each(['not json', '{"type":"apply_progress"}', 'null', '[]', '{"type":"diagnostic"}'])(
    'ignores %s',
    (line) => expect(parseDiagnosticLine(line)).toBeNull(),
  );
});

describe('createScrubber', () => {
  const scrub = createScrubber(['s3cr3t-token', 'client-secret-value']);

  it('removes known secrets wherever they appear', () => {
    expect(scrub('token=s3cr3t-token and again s3cr3t-token')).toBe('token=[REDACTED] and again [REDACTED]');
    expect(scrub('{"secret":"client-secret-value"}')).toBe('{"secret":"[REDACTED]"}');
  });

  it('removes Authorization values even when the secret is unknown', () => {
    expect(scrub('Authorization: Bearer other-token-123')).toBe('Authorization: [REDACTED]');
    expect(scrub('"authorization":"Basic abc=="')).toBe('"authorization":"[REDACTED]"');
  });

  it('leaves ordinary lines alone', () => {
    const line = '[INFO]  provider: Found 5 resources for type genesyscloud_user';
    expect(scrub(line)).toBe(line);
  });
});
