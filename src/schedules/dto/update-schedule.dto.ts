import { CreateExportDto } from '../../exports/dto/create-export.dto';
import { WebhookDto } from '../../webhooks/dto/webhook.dto';
import {
  CronField,
  ExportField,
  KeepRunsField,
  NameField,
  PausedField,
  ScheduleWebhookField,
  TimeZoneField,
} from './schedule-fields.dto';

/**
 * A change to a schedule: only the fields given change; `export` replaces the export as a whole,
 * `webhook` the webhook (a secret must come with it again), and `webhook: null` removes it.
 */
export class UpdateScheduleDto {
  @NameField(false) name?: string;
  @CronField(false) cron?: string;
  @TimeZoneField(false) time_zone?: string;
  @KeepRunsField(false) keep_runs?: number;
  @ExportField(false) export?: CreateExportDto;
  @PausedField() paused?: boolean;
  @ScheduleWebhookField(true) webhook?: WebhookDto | null;
}
