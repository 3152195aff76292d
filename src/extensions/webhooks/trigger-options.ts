/**
 * What each rebuild-trigger format takes beyond a URL, checked when a webhook is created: which
 * options it knows (anything else is refused, so a typo never goes unnoticed until a build fails
 * to start), which it needs, and the credential its CI API answers 401 without.
 */
import { invalid } from '../../errors/management-error.js';
import type { WebhookFormat, WebhookOptions } from './webhook-store.js';

/** The formats that start a build on a CI system; they carry base.moved only. */
export const TRIGGER_FORMATS = ['github', 'gitlab', 'jenkins', 'azure-pipelines'] as const satisfies readonly WebhookFormat[];
export type TriggerFormat = (typeof TRIGGER_FORMATS)[number];

export function isTriggerFormat(format: WebhookFormat): format is TriggerFormat {
  return (TRIGGER_FORMATS as readonly string[]).includes(format);
}

/** The options each format takes, and whether each is required. */
const OPTIONS: Partial<Record<WebhookFormat, Partial<Record<keyof WebhookOptions, 'required' | 'optional'>>>> = {
  github: { eventType: 'optional' },
  // GitLab's trigger API refuses a pipeline without a ref (400 "ref is missing").
  gitlab: { ref: 'required' },
  'azure-pipelines': { ref: 'optional' },
};

/** What the credential is, per trigger format: the words of the refusal when it is missing or malformed. */
const CREDENTIALS: Record<TriggerFormat, string> = {
  github: 'a token that may create repository dispatch events (sent as "Authorization: Bearer …")',
  gitlab: "the project's pipeline trigger token (sent as the body's token)",
  jenkins: 'user:apitoken (sent as HTTP Basic)',
  'azure-pipelines': 'a personal access token with Build (read and execute) scope (sent as HTTP Basic)',
};

/** Refuses options the format doesn't take or lacks, and a trigger without its credential. */
export function checkTriggerInput(format: WebhookFormat, options: WebhookOptions, credential: string | undefined): void {
  const known = OPTIONS[format] ?? {};
  for (const name of Object.keys(options) as (keyof WebhookOptions)[]) {
    if (options[name] === undefined) continue;
    if (known[name] === undefined) {
      const takes = Object.keys(known);
      throw invalid('options', `the ${format} format takes no option ${JSON.stringify(name)}${takes.length === 0 ? '' : `: it takes ${takes.join(', ')}`}`);
    }
  }
  for (const [name, need] of Object.entries(known)) {
    if (need === 'required' && options[name as keyof WebhookOptions] === undefined) throw invalid('options', `the ${format} format needs options.${name} (the branch to build, e.g. main)`);
  }
  if (options.ref !== undefined && !/^[^\s~^:?*[\\\x00-\x1f\x7f]{1,255}$/.test(options.ref)) throw invalid('options', `ref ${JSON.stringify(options.ref)} is not a git ref name`);
  // GitHub: "event_type … maximum of 100 characters".
  if (options.eventType !== undefined && !/^[^\x00-\x1f\x7f]{1,100}$/.test(options.eventType)) throw invalid('options', 'eventType is 1 to 100 characters on one line');
  if (!isTriggerFormat(format)) return;
  if (credential === undefined) throw invalid('authorization', `a ${format} trigger needs a credential, or its API answers 401: ${CREDENTIALS[format]}`);
  if (format === 'jenkins' && !/^[^:]+:.+$/.test(credential)) throw invalid('authorization', `the jenkins credential is ${CREDENTIALS.jenkins}`);
}
