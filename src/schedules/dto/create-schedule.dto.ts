import { CreateExportDto } from '../../exports/dto/create-export.dto';
import { WebhookDto } from '../../webhooks/dto/webhook.dto';
import {
  CronField,
  DEFAULT_KEEP_RUNS,
  ExportField,
  KeepRunsField,
  NameField,
  ScheduleWebhookField,
  TimeZoneField,
} from './schedule-fields.dto';

export class CreateScheduleDto {
  @NameField(true) name: string;
  @CronField(true) cron: string;
  @TimeZoneField(true) time_zone: string;
  @KeepRunsField(false) keep_runs: number = DEFAULT_KEEP_RUNS;
  @ExportField(true) export: CreateExportDto;
  @ScheduleWebhookField(false) webhook?: WebhookDto;
}
