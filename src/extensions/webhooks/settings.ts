/** The webhooks extension's slice of the configuration (`webhooks.*`): data only, so the CLI loads it cheaply. */
import { z } from 'zod';
import { flag, nonNegativeInt } from '../../config/index.js';

const positive = nonNegativeInt.min(1);

/** The webhooks slice of the configuration (`webhooks.*`). */
export const webhookSettings = z
  .object({
    enabled: flag.default(true).describe('Serve webhooks: their admin routes (`berth webhook …`) and their deliveries. Off: neither; stored webhooks stay as they are.'),
    allowPrivateTargets: flag
      .default(false)
      .describe('Deliver to loopback, private, link-local and other non-public addresses. Off, such a target is refused when a webhook is created and again at each delivery, checked on the address actually connected to (after DNS), so a webhook cannot reach the internal network.'),
    timeoutSeconds: positive.default(10).describe('How long one delivery may take, connecting and answering; past it the attempt fails and is retried.'),
    maxAttempts: positive.default(10).describe('Attempts of one delivery (retried with exponential backoff, jobs.retry*Seconds) before it is dead.'),
    deliveriesKept: positive.default(100).describe("Delivery log entries kept per webhook (the newest; each holds the status, the duration and the first 4 KiB of the receiver's answer)."),
    registryUrl: z.url().optional().describe('The registry as its users reach it (e.g. https://registry.example.com): the base of links in payloads (Distribution `target.url`, Harbor `resource_url`, Docker Hub `repo_url`). Unset: payloads carry names, not links.'),
  })
  .strict()
  .prefault({});

export type WebhookSettings = z.output<typeof webhookSettings>;
