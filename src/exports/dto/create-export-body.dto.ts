import { WebhookDto, WebhookField } from '../../webhooks/dto/webhook.dto';
import { CreateExportDto } from './create-export.dto';

/** The body of POST /api/v1/exports: the export's attributes, and optionally a webhook for its end. */
export class CreateExportBodyDto extends CreateExportDto {
  @WebhookField({
    removable: false,
    description:
      'When the job ends (completed, failed or cancelled), the server POSTs a signed JSON document to this URL.',
  })
  webhook?: WebhookDto;
}
