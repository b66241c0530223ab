import { CreateExportDto } from '../../exports/dto/create-export.dto';
import {
  CronField,
  DEFAULT_KEEP_RUNS,
  ExportField,
  KeepRunsField,
  NameField,
  TimeZoneField,
} from './schedule-fields.dto';

export class CreateScheduleDto {
  @NameField(true) name: string;
  @CronField(true) cron: string;
  @TimeZoneField(true) time_zone: string;
  @KeepRunsField(false) keep_runs: number = DEFAULT_KEEP_RUNS;
  @ExportField(true) export: CreateExportDto;
}
