import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ExamplesObject } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CreateExportDto, CREATE_EXPORT_EXAMPLES } from '../../exports/dto/create-export.dto';
import { WebhookField } from '../../webhooks/dto/webhook.dto';

/** Most finished runs a schedule may keep. */
export const MAX_KEEP_RUNS = 1000;
export const DEFAULT_KEEP_RUNS = 7;

/**
 * The fields of a schedule, each declared once for creating (`required`) and changing. A change
 * omits what stays; unlike an export attribute, null is no value here, so it is refused.
 */
const field = (required: boolean, schema: Parameters<typeof ApiProperty>[0], ...rules: PropertyDecorator[]) =>
  applyDecorators(
    required ? ApiProperty(schema) : ApiPropertyOptional(schema),
    ...(required ? [] : [ValidateIf((_object: object, value: unknown) => value !== undefined)]),
    ...rules,
  );

export const NameField = (required: boolean) =>
  field(
    required,
    { minLength: 1, maxLength: 200, example: 'Nightly backup', description: 'What the schedule is for' },
    IsString(),
    Length(1, 200),
  );

export const CronField = (required: boolean) =>
  field(
    required,
    {
      maxLength: 120,
      example: '0 2 * * *',
      description:
        'When to run, in `time_zone`: 5 fields (minute hour day-of-month month day-of-week) or 6 with ' +
        'seconds first; names (MON, JAN), ranges, lists, steps, L and # as croner reads them; day-of-month ' +
        'and day-of-week are OR-ed as in Vixie cron. It must fire, and runs must be SCHEDULE_MIN_INTERVAL ' +
        'apart or more (by default at most 60 runs an hour).',
    },
    IsString(),
    MaxLength(120),
  );

export const TimeZoneField = (required: boolean) =>
  field(
    required,
    { maxLength: 64, example: 'Europe/Berlin', description: 'The IANA time zone the cron is read in' },
    IsString(),
    MaxLength(64),
  );

export const KeepRunsField = (required: boolean) =>
  field(
    required,
    {
      type: 'integer',
      minimum: 1,
      maximum: MAX_KEEP_RUNS,
      default: DEFAULT_KEEP_RUNS,
      description:
        'Finished runs kept with their files; an older one expires (its files are removed, its job stays ' +
        '`expired`) as soon as a newer run finishes. JOB_RETENTION applies too.',
    },
    IsInt(),
    Min(1),
    Max(MAX_KEEP_RUNS),
  );

export const ExportField = (required: boolean) =>
  field(
    required,
    {
      type: CreateExportDto,
      description: 'The export every run starts: the body of POST /api/v1/exports, validated the same way',
    },
    IsObject({ message: 'export must be an object: the body of POST /api/v1/exports' }),
    ValidateNested(),
    Type(() => CreateExportDto),
  );

export const PausedField = () =>
  field(
    false,
    { description: 'true pauses the schedule (no runs, none counted as missed); false resumes it' },
    IsBoolean({ message: 'paused must be a JSON boolean (true or false)' }),
  );

export const ScheduleWebhookField = (removable: boolean) =>
  WebhookField({
    removable,
    description:
      "Given to each run's job: when the job ends, the server POSTs a signed JSON document to this URL, with " +
      "the schedule's id and, once recorded, the run's change summary.",
  });

export const CREATE_SCHEDULE_EXAMPLES = {
  'nightly-backup': {
    summary: 'Every night at 02:00 Berlin time, everything as HCL; keep two weeks',
    value: {
      name: 'Nightly backup',
      cron: '0 2 * * *',
      time_zone: 'Europe/Berlin',
      keep_runs: 14,
      export: { export_format: 'hcl' },
    },
  },
  'weekday-queues': {
    summary: 'The Sales queues and flows at 07:30 New York time on weekdays',
    value: {
      name: 'Sales queues before opening',
      cron: '30 7 * * MON-FRI',
      time_zone: 'America/New_York',
      export: CREATE_EXPORT_EXAMPLES['sales-queues-and-flows'].value,
    },
  },
} satisfies ExamplesObject;
