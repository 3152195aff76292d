/**
 * Standard Webhooks signatures (the `standardwebhooks` package): `webhook-id` (the same on every
 * attempt of one message, so receivers de-duplicate on it), `webhook-timestamp` (seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`). Secrets are `whsec_` and
 * base64 of 24 to 64 random bytes, as the spec recommends.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const PREFIX = 'whsec_';

/** A fresh secret, shown once when a webhook is created without --secret. */
export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** Throws a RangeError saying what is wrong with a secret a user gave. */
export function checkSecret(secret: string): void {
  if (!secret.startsWith(PREFIX)) throw new RangeError('a webhook secret is a Standard Webhooks secret: whsec_ followed by base64 (leave --secret out to have one generated)');
  const body = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new RangeError('a webhook secret is whsec_ followed by base64');
  const bytes = Buffer.from(body, 'base64').length;
  if (bytes < 24 || bytes > 64) throw new RangeError(`a webhook secret holds 24 to 64 bytes (this one ${bytes})`);
}

/** The signature headers of one attempt. */
export function signatureHeaders(secret: string, messageId: string, body: string, at = new Date()): Record<string, string> {
  const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(messageId, timestamp, body),
  };
}
