import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsUrl,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import ms, { StringValue } from 'ms';
import { AllowedHost, parseAllowedHosts } from '../webhooks/allowed-hosts';
import { RetrySettings } from '../webhooks/retry-policy';

/** pino's level names; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's validated, typed configuration. Built once at start from the environment. */
export interface AppConfig {
  port: number;
  host: string;
  /** Absent: main.ts starts an embedded PostgreSQL and fills this in. */
  databaseUrl?: string;
  exportBaseDir: string;
  /**
   * This server process's identity among servers sharing the database: new at every start, so a
   * restarted or replaced server never mistakes the jobs of its predecessor for its own.
   */
  serverId: string;
  maxConcurrentJobs: number;
  jobTimeoutMs: number;
  /** How long a job's lease lasts without renewal; a dead server's jobs fail within it (plus a sweep). */
  jobLeaseMs: number;
  /** The safety net under LISTEN/NOTIFY: how often pending jobs, cancellations and job ends are looked up. */
  signalFallbackPollMs: number;
  /** Follow streams (`logs?follow=true`) one principal may hold open at once on this server. */
  maxFollowStreams: number;
  /** How long a stopped exporter gets between SIGINT and SIGKILL. */
  stopGraceMs: number;
  terraformBin: string;
  providerVersion: string;
  terraformCliConfigFile?: string;
  terraformPluginCacheDir?: string;
  genesys: GenesysEnvironment;
  logLevel: LogLevel;
  /** How long running exports may finish after SIGTERM before they are stopped. */
  shutdownGraceMs: number;
  /** Finished jobs older than this lose their files (and become `expired`). */
  jobRetentionMs: number;
  cleanupIntervalMs: number;
  /** Whether a request without a bearer token may use the server's own credentials. */
  allowEnvCredentials: boolean;
  /** Deflate level of download zips, 0 (store) to 9; already-compressed files are always stored. */
  zipLevel: number;
  /**
   * When set, downloads are handed to a fronting proxy (nginx's X-Accel-Redirect): the answer
   * names `<prefix><job id>/export.zip` instead of carrying the bytes.
   */
  downloadAccelRedirect?: string;
  /** Who may see a job besides its creator: nobody (`owner`) or its creator's whole organization. */
  jobVisibility: JobVisibility;
  /**
   * Token buckets per minute; each applies per client address (before authentication) and per
   * principal (after it). Polls have their own budget; creates count against both theirs and the
   * request budget.
   */
  rateLimits: { requestsPerMinute: number; createsPerMinute: number; pollsPerMinute: number };
  /**
   * The shortest time between two runs of one schedule (at most 3600 s / this many runs an hour);
   * also how late a run may still start: later than this after its time, it is missed.
   */
  scheduleMinIntervalMs: number;
  /** Schedules one owner may have; 0: no limit. */
  maxSchedulesPerOwner: number;
  webhooks: WebhookSettings;
}

/** Where webhooks may go, and how each delivery is attempted and retried. */
export interface WebhookSettings extends RetrySettings {
  /** WEBHOOK_ALLOWED_HOSTS; empty: webhooks are off. */
  allowedHosts: readonly AllowedHost[];
  /** How long one attempt may take, from connecting to the answer's status. */
  timeoutMs: number;
}

export const JOB_VISIBILITIES = ['owner', 'organization'] as const;
export type JobVisibility = (typeof JOB_VISIBILITIES)[number];

/**
 * The server's own Genesys Cloud settings. The region is passed to the provider verbatim and the two
 * URLs are used as given: no host is ever derived from a region name.
 */
export interface GenesysEnvironment {
  oauthClientId?: string;
  oauthClientSecret?: string;
  region?: string;
  /** Base URL of the Platform API (`https://api.mypurecloud.com`); set: bearer tokens are verified. */
  apiUrl?: string;
  /** Base URL of the login service (`https://login.mypurecloud.com`); set: the client credentials are checked. */
  loginUrl?: string;
  /** How long one call to Genesys Cloud may take before it counts as unreachable. */
  requestTimeoutMs: number;
  /** How often the server's client credentials are checked again. */
  credentialsCheckIntervalMs: number;
}

/** A base URL without its trailing slashes, so paths can be appended. */
const baseUrl = (url: string | undefined) => url?.replace(/\/+$/, '');

const DURATION = /^\d+(ms|s|m|h|d)$/;
const POSITIVE_DURATION = /^[1-9]\d*(ms|s|m|h|d)$/;

/** What is wrong with a WEBHOOK_ALLOWED_HOSTS value; undefined when it reads. */
function allowedHostsProblem(value: unknown): string | undefined {
  try {
    parseAllowedHosts(String(value));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** One property per environment variable, so validation messages name the variable. */
class EnvironmentVariables {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  EXPORT_BASE_DIR = './exports';

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  MAX_CONCURRENT_JOBS = 5;

  @IsOptional()
  @Matches(DURATION, { message: 'JOB_TIMEOUT must be a duration such as 45s, 30m or 2h' })
  JOB_TIMEOUT = '30m';

  @IsOptional()
  @Matches(DURATION, { message: 'JOB_LEASE must be a duration such as 30s' })
  JOB_LEASE = '30s';

  @IsOptional()
  @Matches(DURATION, { message: 'SIGNAL_FALLBACK_POLL must be a duration such as 5s' })
  SIGNAL_FALLBACK_POLL = '5s';

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  MAX_FOLLOW_STREAMS = 10;

  @IsOptional()
  @Matches(DURATION, { message: 'EXPORTER_STOP_GRACE must be a duration such as 10s' })
  EXPORTER_STOP_GRACE = '5s';

  @IsOptional()
  @IsString()
  @MinLength(1)
  TERRAFORM_BIN = 'terraform';

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[0-9A-Za-z .,<>=~!-]+$/, {
    message: 'GENESYSCLOUD_PROVIDER_VERSION must be a Terraform version constraint such as ~> 1.84',
  })
  GENESYSCLOUD_PROVIDER_VERSION = '~> 1.84';

  @IsOptional()
  @IsString()
  TF_CLI_CONFIG_FILE?: string;

  @IsOptional()
  @IsString()
  TF_PLUGIN_CACHE_DIR?: string;

  @IsOptional()
  @IsString()
  GENESYSCLOUD_OAUTHCLIENT_ID?: string;

  @IsOptional()
  @IsString()
  GENESYSCLOUD_OAUTHCLIENT_SECRET?: string;

  @IsOptional()
  @IsString()
  GENESYSCLOUD_REGION?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'GENESYSCLOUD_API_URL must be an http(s) URL such as https://api.mypurecloud.com' },
  )
  GENESYSCLOUD_API_URL?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'GENESYSCLOUD_LOGIN_URL must be an http(s) URL such as https://login.mypurecloud.com' },
  )
  GENESYSCLOUD_LOGIN_URL?: string;

  @IsOptional()
  @Matches(DURATION, { message: 'GENESYSCLOUD_TIMEOUT must be a duration such as 5s' })
  GENESYSCLOUD_TIMEOUT = '5s';

  @IsOptional()
  @Matches(DURATION, { message: 'CREDENTIALS_CHECK_INTERVAL must be a duration such as 5m' })
  CREDENTIALS_CHECK_INTERVAL = '5m';

  @IsOptional()
  @IsIn(JOB_VISIBILITIES, { message: `JOB_VISIBILITY must be one of ${JOB_VISIBILITIES.join(', ')}` })
  JOB_VISIBILITY: JobVisibility = 'owner';

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsOptional()
  @Matches(DURATION, { message: 'SHUTDOWN_GRACE must be a duration such as 30s' })
  SHUTDOWN_GRACE = '15s';

  @IsOptional()
  @Matches(DURATION, { message: 'JOB_RETENTION must be a duration such as 7d or 12h' })
  JOB_RETENTION = '7d';

  @IsOptional()
  @Matches(DURATION, { message: 'CLEANUP_INTERVAL must be a duration such as 1h' })
  CLEANUP_INTERVAL = '1h';

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'ALLOW_ENV_CREDENTIALS must be true or false' })
  ALLOW_ENV_CREDENTIALS = 'true';

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  RATE_LIMIT_PER_MINUTE = 300;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  CREATE_RATE_LIMIT_PER_MINUTE = 20;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  ZIP_LEVEL = 6;

  @IsOptional()
  @Matches(/^\/[\x21-\x7e]*\/$/, {
    message:
      'DOWNLOAD_ACCEL_REDIRECT must be a URL path that starts and ends with /, such as /protected-exports/',
  })
  DOWNLOAD_ACCEL_REDIRECT?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  POLL_RATE_LIMIT_PER_MINUTE = 600;

  // Whole seconds at least: croner's finest field is the second.
  @IsOptional()
  @Matches(/^([1-9]\d*(s|m|h|d))$/, {
    message: 'SCHEDULE_MIN_INTERVAL must be a duration of 1s or more, such as 1m',
  })
  SCHEDULE_MIN_INTERVAL = '1m';

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  MAX_SCHEDULES_PER_OWNER = 50;

  @IsOptional()
  @ValidateBy({
    name: 'allowedHosts',
    validator: {
      validate: (value) => allowedHostsProblem(value) === undefined,
      defaultMessage: (args) =>
        `WEBHOOK_ALLOWED_HOSTS must be comma-separated host names or addresses, each optionally with ` +
        `:port (e.g. hooks.example.com,10.0.0.5:8443): ${allowedHostsProblem(args?.value)}`,
    },
  })
  WEBHOOK_ALLOWED_HOSTS = '';

  @IsOptional()
  @Matches(POSITIVE_DURATION, { message: 'WEBHOOK_TIMEOUT must be a duration above 0, such as 10s' })
  WEBHOOK_TIMEOUT = '10s';

  @IsOptional()
  @Matches(POSITIVE_DURATION, { message: 'WEBHOOK_RETRY_DELAY must be a duration above 0, such as 30s' })
  WEBHOOK_RETRY_DELAY = '30s';

  @IsOptional()
  @Matches(DURATION, { message: 'WEBHOOK_RETRY_FOR must be a duration such as 24h (0s: no retries)' })
  WEBHOOK_RETRY_FOR = '24h';
}

/** The variables loadAppConfig reads; everything else in the environment is ignored. */
const CONFIG_VARIABLES: readonly (keyof EnvironmentVariables)[] = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'EXPORT_BASE_DIR',
  'MAX_CONCURRENT_JOBS',
  'JOB_TIMEOUT',
  'JOB_LEASE',
  'SIGNAL_FALLBACK_POLL',
  'MAX_FOLLOW_STREAMS',
  'EXPORTER_STOP_GRACE',
  'TERRAFORM_BIN',
  'GENESYSCLOUD_PROVIDER_VERSION',
  'TF_CLI_CONFIG_FILE',
  'TF_PLUGIN_CACHE_DIR',
  'GENESYSCLOUD_OAUTHCLIENT_ID',
  'GENESYSCLOUD_OAUTHCLIENT_SECRET',
  'GENESYSCLOUD_REGION',
  'GENESYSCLOUD_API_URL',
  'GENESYSCLOUD_LOGIN_URL',
  'GENESYSCLOUD_TIMEOUT',
  'CREDENTIALS_CHECK_INTERVAL',
  'JOB_VISIBILITY',
  'LOG_LEVEL',
  'SHUTDOWN_GRACE',
  'JOB_RETENTION',
  'CLEANUP_INTERVAL',
  'ALLOW_ENV_CREDENTIALS',
  'RATE_LIMIT_PER_MINUTE',
  'CREATE_RATE_LIMIT_PER_MINUTE',
  'ZIP_LEVEL',
  'DOWNLOAD_ACCEL_REDIRECT',
  'POLL_RATE_LIMIT_PER_MINUTE',
  'SCHEDULE_MIN_INTERVAL',
  'MAX_SCHEDULES_PER_OWNER',
  'WEBHOOK_ALLOWED_HOSTS',
  'WEBHOOK_TIMEOUT',
  'WEBHOOK_RETRY_DELAY',
  'WEBHOOK_RETRY_FOR',
];

/** Logged at start and shown by /health/ready when the region is missing. */
export const GENESYS_REGION_MISSING =
  'GENESYSCLOUD_REGION is not set: exports with a bearer token cannot run (the provider needs the region). ' +
  'Set GENESYSCLOUD_REGION, e.g. us-east-1.';

/** `scheme://user:password@host` becomes `scheme://user:***@host` wherever it appears in `text`. */
export function maskDatabaseUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]*@/gi, '$1***@');
}

export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidConfigurationError';
  }
}

const INTEGER_VARIABLES = new Set([
  'PORT',
  'MAX_CONCURRENT_JOBS',
  'MAX_FOLLOW_STREAMS',
  'RATE_LIMIT_PER_MINUTE',
  'CREATE_RATE_LIMIT_PER_MINUTE',
  'ZIP_LEVEL',
  'POLL_RATE_LIMIT_PER_MINUTE',
  'MAX_SCHEDULES_PER_OWNER',
]);

/**
 * Reads and validates the environment. Throws InvalidConfigurationError naming every bad variable,
 * so start-up stops with one clear message instead of failing later.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[name] = INTEGER_VARIABLES.has(name) && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(vars, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new InvalidConfigurationError(
      errors.map((e) => {
        const messages = Object.values(e.constraints ?? {});
        return `${e.property}=${maskDatabaseUrls(JSON.stringify(raw[e.property]))}: ${messages.join('; ')}`;
      }),
    );
  }
  return {
    port: vars.PORT,
    host: vars.HOST,
    databaseUrl: vars.DATABASE_URL,
    exportBaseDir: path.resolve(vars.EXPORT_BASE_DIR),
    serverId: randomUUID(),
    maxConcurrentJobs: vars.MAX_CONCURRENT_JOBS,
    jobTimeoutMs: ms(vars.JOB_TIMEOUT as StringValue),
    jobLeaseMs: ms(vars.JOB_LEASE as StringValue),
    signalFallbackPollMs: ms(vars.SIGNAL_FALLBACK_POLL as StringValue),
    maxFollowStreams: vars.MAX_FOLLOW_STREAMS,
    stopGraceMs: ms(vars.EXPORTER_STOP_GRACE as StringValue),
    terraformBin: vars.TERRAFORM_BIN,
    providerVersion: vars.GENESYSCLOUD_PROVIDER_VERSION,
    terraformCliConfigFile: vars.TF_CLI_CONFIG_FILE,
    terraformPluginCacheDir: vars.TF_PLUGIN_CACHE_DIR,
    genesys: {
      oauthClientId: vars.GENESYSCLOUD_OAUTHCLIENT_ID,
      oauthClientSecret: vars.GENESYSCLOUD_OAUTHCLIENT_SECRET,
      region: vars.GENESYSCLOUD_REGION,
      apiUrl: baseUrl(vars.GENESYSCLOUD_API_URL),
      loginUrl: baseUrl(vars.GENESYSCLOUD_LOGIN_URL),
      requestTimeoutMs: ms(vars.GENESYSCLOUD_TIMEOUT as StringValue),
      credentialsCheckIntervalMs: ms(vars.CREDENTIALS_CHECK_INTERVAL as StringValue),
    },
    logLevel: vars.LOG_LEVEL,
    shutdownGraceMs: ms(vars.SHUTDOWN_GRACE as StringValue),
    jobRetentionMs: ms(vars.JOB_RETENTION as StringValue),
    cleanupIntervalMs: ms(vars.CLEANUP_INTERVAL as StringValue),
    allowEnvCredentials: vars.ALLOW_ENV_CREDENTIALS === 'true',
    jobVisibility: vars.JOB_VISIBILITY,
    rateLimits: {
      requestsPerMinute: vars.RATE_LIMIT_PER_MINUTE,
      createsPerMinute: vars.CREATE_RATE_LIMIT_PER_MINUTE,
      pollsPerMinute: vars.POLL_RATE_LIMIT_PER_MINUTE,
    },
    zipLevel: vars.ZIP_LEVEL,
    downloadAccelRedirect: vars.DOWNLOAD_ACCEL_REDIRECT,
    scheduleMinIntervalMs: ms(vars.SCHEDULE_MIN_INTERVAL as StringValue),
    maxSchedulesPerOwner: vars.MAX_SCHEDULES_PER_OWNER,
    webhooks: {
      allowedHosts: parseAllowedHosts(vars.WEBHOOK_ALLOWED_HOSTS),
      timeoutMs: ms(vars.WEBHOOK_TIMEOUT as StringValue),
      retryDelayMs: ms(vars.WEBHOOK_RETRY_DELAY as StringValue),
      retryForMs: ms(vars.WEBHOOK_RETRY_FOR as StringValue),
    },
  };
}
