import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ServerSecrets } from '../database/server-secrets';

/** The server secret that webhook secrets are encrypted with. */
const KEY_NAME = 'webhook-secret-key';
const VERSION = 'v1';

/** A sealed secret that this database's key cannot open (altered, or sealed under another key). */
export class UnreadableWebhookSecret extends Error {}

/**
 * Keeps webhook secrets out of plain text: sealed with AES-256-GCM under a key the servers share
 * through the database (server_secrets). The rows, a dump of the webhook tables and the logs never
 * show a secret; whoever holds the whole database holds the key too, so this is not a defence
 * against them (a secret must stay usable for signing after a restart, by any server).
 */
@Injectable()
export class WebhookSecretBox {
  private key?: Promise<Buffer>;

  constructor(private readonly serverSecrets: ServerSecrets) {}

  async seal(secret: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.keyOnce(), iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, ...[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'))].join(
      '.',
    );
  }

  /** Throws UnreadableWebhookSecret when `sealed` was not sealed with this database's key, or was altered. */
  async open(sealed: string): Promise<string> {
    const key = await this.keyOnce();
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || data === undefined) throw new UnreadableWebhookSecret('unknown format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new UnreadableWebhookSecret('it does not open with the key in server_secrets');
    }
  }

  private keyOnce(): Promise<Buffer> {
    this.key ??= this.serverSecrets.getOrCreate(KEY_NAME).catch((error: unknown) => {
      this.key = undefined; // the database may be back next time
      throw error;
    });
    return this.key;
  }
}
