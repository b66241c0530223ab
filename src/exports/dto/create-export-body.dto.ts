import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, getSchemaPath } from '@nestjs/swagger';
import { WebhookDto, WebhookField, webhookFieldDescription } from '../../webhooks/dto/webhook.dto';
import { CREATE_EXPORT_EXAMPLES, CreateExportDto } from './create-export.dto';

const WEBHOOK_FIELD = {
  removable: false,
  description:
    'When the job ends (completed, failed or cancelled), the server POSTs a signed JSON document to this URL.',
};

/** The body of POST /api/v1/exports: the export's attributes, and optionally a webhook for its end. */
export class CreateExportBodyDto extends CreateExportDto {
  @WebhookField(WEBHOOK_FIELD) webhook?: WebhookDto;
}

/**
 * The body as documented: the attributes' schema (CreateExportDto, which schedules share) and the
 * webhook, by reference, so the document does not repeat the 20 attributes.
 */
export const ApiCreateExportBody = () =>
  applyDecorators(
    ApiExtraModels(CreateExportDto, WebhookDto),
    ApiBody({
      schema: {
        allOf: [
          { $ref: getSchemaPath(CreateExportDto) },
          {
            type: 'object',
            properties: {
              webhook: { description: webhookFieldDescription(WEBHOOK_FIELD), allOf: [{ $ref: getSchemaPath(WebhookDto) }] },
            },
          },
        ],
      },
      examples: CREATE_EXPORT_EXAMPLES,
    }),
  );
