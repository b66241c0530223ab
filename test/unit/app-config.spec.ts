import * as path from 'node:path';
import { InvalidConfigurationError, loadAppConfig, maskDatabaseUrls } from '../../src/config/app-config';

describe('loadAppConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      exportBaseDir: path.resolve('./exports'),
      maxConcurrentJobs: 5,
      jobTimeoutMs: 30 * 60_000,
      stopGraceMs: 5_000,
      // Both within a 30 s termination grace period (Kubernetes' default), with room to spare.
      shutdownGraceMs: 15_000,
      jobLeaseMs: 30_000,
      maxFollowStreams: 10,
      terraformBin: 'terraform',
      genesys: { oauthClientId: undefined, oauthClientSecret: undefined, region: undefined },
      zipLevel: 6,
      downloadAccelRedirect: undefined,
      maxSchedulesPerOwner: 50,
    });
  });

  it('gives every start a new server identity', () => {
    expect(loadAppConfig({}).serverId).not.toBe(loadAppConfig({}).serverId);
  });

  it('reads every override', () => {
    const config = loadAppConfig({
      PORT: '9090',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u:p@db:5432/x',
      EXPORT_BASE_DIR: '/var/exports',
      MAX_CONCURRENT_JOBS: '2',
      JOB_TIMEOUT: '2h',
      EXPORTER_STOP_GRACE: '500ms',
      TERRAFORM_BIN: 'tofu',
      GENESYSCLOUD_PROVIDER_VERSION: '1.84.1',
      TF_CLI_CONFIG_FILE: '/etc/terraformrc',
      TF_PLUGIN_CACHE_DIR: '/var/cache/tf',
      GENESYSCLOUD_OAUTHCLIENT_ID: 'id',
      GENESYSCLOUD_OAUTHCLIENT_SECRET: 'secret',
      GENESYSCLOUD_REGION: 'some-new-region-9',
      ZIP_LEVEL: '9',
      DOWNLOAD_ACCEL_REDIRECT: '/protected-exports/',
      MAX_SCHEDULES_PER_OWNER: '0',
    });
    expect(config).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/x',
      exportBaseDir: '/var/exports',
      maxConcurrentJobs: 2,
      jobTimeoutMs: 2 * 3_600_000,
      stopGraceMs: 500,
      terraformBin: 'tofu',
      providerVersion: '1.84.1',
      terraformCliConfigFile: '/etc/terraformrc',
      terraformPluginCacheDir: '/var/cache/tf',
      // The region is passed through as given, whatever it is.
      genesys: { oauthClientId: 'id', oauthClientSecret: 'secret', region: 'some-new-region-9' },
      zipLevel: 9,
      downloadAccelRedirect: '/protected-exports/',
      maxSchedulesPerOwner: 0,
    });
  });

  it.each([
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
  ])('accepts JOB_TIMEOUT=%s', (value, expected) => {
    expect(loadAppConfig({ JOB_TIMEOUT: value }).jobTimeoutMs).toBe(expected);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['MAX_CONCURRENT_JOBS', '0'],
    ['MAX_CONCURRENT_JOBS', '2.5'],
    ['JOB_TIMEOUT', '30'],
    ['JOB_TIMEOUT', 'soon'],
    ['DATABASE_URL', 'mysql://x'],
    ['GENESYSCLOUD_PROVIDER_VERSION', '1.0"; rm -rf /'],
    ['ZIP_LEVEL', '10'],
    ['ZIP_LEVEL', 'fast'],
    ['DOWNLOAD_ACCEL_REDIRECT', 'protected-exports'],
    ['DOWNLOAD_ACCEL_REDIRECT', '/protected exports/'],
    ['MAX_SCHEDULES_PER_OWNER', '-1'],
    ['MAX_SCHEDULES_PER_OWNER', 'many'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(InvalidConfigurationError);
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });

  it('lists every bad variable at once', () => {
    try {
      loadAppConfig({ PORT: 'x', JOB_TIMEOUT: 'y' });
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as InvalidConfigurationError).problems).toHaveLength(2);
    }
  });
});

describe('maskDatabaseUrls', () => {
  it.each([
    ['postgres://exports:s3cret@db:5432/exports', 'postgres://exports:***@db:5432/exports'],
    ['failed: postgresql://u:p%40ss@h/db (timeout)', 'failed: postgresql://u:***@h/db (timeout)'],
    ['postgres://nobody@h/db', 'postgres://nobody@h/db'],
    ['no url here', 'no url here'],
  ])('%s -> %s', (text, masked) => {
    expect(maskDatabaseUrls(text)).toBe(masked);
  });
});
