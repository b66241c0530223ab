import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { Satisfies } from '../../common/validation/validation-pipe';

const MAX_URL_LENGTH = 2048;
const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 256;

/** What is wrong with a webhook URL as such; whether its host may be called is the server's setting. */
function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'webhook url must be a string';
  if (value.length > MAX_URL_LENGTH) return `webhook url must be at most ${MAX_URL_LENGTH} characters long`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'webhook url must be an absolute http or https URL, such as https://hooks.example.com/exports';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'webhook url must be an http or https URL';
  if (url.username !== '' || url.password !== '') {
    return 'webhook url must not contain credentials (user:password@); the receiver checks the signature instead';
  }
  return undefined;
}

function secretProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'webhook secret must be a string';
  if (value.length < MIN_SECRET_LENGTH || value.length > MAX_SECRET_LENGTH) {
    return `webhook secret must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters long`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'webhook secret must not contain control characters';
  return undefined;
}

/** Where to announce that a job ended, and the secret that signs the announcements. */
export class WebhookDto {
  @ApiProperty({
    format: 'uri',
    maxLength: MAX_URL_LENGTH,
    example: 'https://hooks.example.com/genesys-exports',
    description:
      'An http or https URL without credentials. Its host must be one the server allows ' +
      '(WEBHOOK_ALLOWED_HOSTS); redirects are not followed.',
  })
  @Satisfies('webhookUrl', urlProblem)
  url: string;

  @ApiProperty({
    writeOnly: true,
    minLength: MIN_SECRET_LENGTH,
    maxLength: MAX_SECRET_LENGTH,
    example: 'a-long-random-secret-only-you-know',
    description:
      'Signs every delivery: `Webhook-Signature: sha256=<hex>` is HMAC-SHA-256 of ' +
      '`<Webhook-Timestamp>.<body>` with this secret (UTF-8) as the key. It is never shown again.',
  })
  @Satisfies('webhookSecret', secretProblem)
  secret: string;
}

export interface WebhookFieldOptions {
  /** Which job ends the webhook announces. */
  description: string;
  /** null removes the webhook set before. */
  removable: boolean;
}

/** The documentation of a `webhook` field. */
export function webhookFieldDescription({ description, removable }: WebhookFieldOptions): string {
  return `${description} Failed deliveries are retried with backoff for WEBHOOK_RETRY_FOR.${
    removable ? ' null removes the webhook.' : ''
  }`;
}

/** The `webhook` field of a request, optional. */
export const WebhookField = (options: WebhookFieldOptions) =>
  applyDecorators(
    ApiPropertyOptional({
      type: WebhookDto,
      ...(options.removable ? { nullable: true } : {}),
      description: webhookFieldDescription(options),
    }),
    ValidateIf(
      (_object: object, value: unknown) => value !== undefined && !(options.removable && value === null),
    ),
    IsObject({ message: 'webhook must be an object: {url, secret}' }),
    ValidateNested(),
    Type(() => WebhookDto),
  );
