/**
 * `berth ci-rule …`: the CI token rules over the admin API (/api/v1/ci-token-rules), for admins.
 * A rule maps CI jobs (claims of their OIDC identity tokens) to grants:
 *   berth ci-rule create app-release --issuer https://token.actions.githubusercontent.com \
 *     --claim repository=org/app --claim ref=refs/heads/main --grant team/app:pull,push
 * The jobs themselves exchange their tokens with POST /api/v1/ci-tokens (docs/access-control.md).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { segment } from '../../cli/api-client.js';
import type { Grant } from '../../cli/api-types.js';
import { grantsCell } from '../../cli/commands/credential-output.js';
import { collectGrant, positiveInteger } from '../../cli/option-parsers.js';
import { printFields, printJson, printTable, say, when, yesNo } from '../../cli/output.js';
import { openSession, withServerOption, type ServerOption } from '../../cli/stored-login.js';

/** A rule as the API answers it. */
interface RuleView {
  name: string;
  issuer: string;
  conditions: Record<string, string>;
  grants: Grant[];
  ttlSeconds: number;
  enabled: boolean;
  description?: string;
  createdBy: string;
  createdAt: string;
}

interface CreateOptions extends ServerOption {
  issuer: string;
  claim: Record<string, string>;
  grant: Grant[];
  ttl?: number;
  description?: string;
  disabled?: boolean;
  json?: boolean;
}

/** `--claim repository=org/app`: a claim and its exact value or glob. Repeatable. */
function collectClaim(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = value.indexOf('=');
  const claim = equals > 0 ? value.slice(0, equals).trim() : '';
  const pattern = equals > 0 ? value.slice(equals + 1) : '';
  if (claim === '' || pattern === '') throw new InvalidArgumentError("expected CLAIM=VALUE, e.g. 'repository=org/app' or 'ref=refs/tags/v*'");
  if (claim in previous) throw new InvalidArgumentError(`claim ${claim} is given twice`);
  return { ...previous, [claim]: pattern };
}

function conditionsCell(conditions: Record<string, string>): string {
  return Object.entries(conditions)
    .map(([claim, pattern]) => `${claim}=${pattern}`)
    .join(' ');
}

function printRule(rule: RuleView): void {
  printFields([
    ['name', rule.name],
    ['issuer', rule.issuer],
    ['conditions', conditionsCell(rule.conditions)],
    ['grants', grantsCell(rule.grants)],
    ['lifetime', `${rule.ttlSeconds} s`],
    ['enabled', yesNo(rule.enabled)],
    ...(rule.description ? ([['description', rule.description]] as [string, string][]) : []),
    ['created', `${when(rule.createdAt)} by ${rule.createdBy}`],
  ]);
}

async function create(name: string, options: CreateOptions): Promise<void> {
  const { api } = await openSession(options.server);
  const rule = await api.post<RuleView>('/ci-token-rules', {
    json: {
      name,
      issuer: options.issuer,
      conditions: options.claim,
      grants: options.grant,
      ...(options.ttl === undefined ? {} : { ttlSeconds: options.ttl }),
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.disabled ? { enabled: false } : {}),
    },
  });
  if (options.json) return printJson(rule);
  say(`created CI token rule ${rule.name}`);
  printRule(rule);
}

async function list(options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const { rules } = await api.get<{ rules: RuleView[] }>('/ci-token-rules');
  if (options.json) return printJson(rules);
  printTable(
    rules,
    [
      { heading: 'NAME', value: (r) => r.name },
      { heading: 'ISSUER', value: (r) => r.issuer },
      { heading: 'CONDITIONS', value: (r) => conditionsCell(r.conditions) },
      { heading: 'GRANTS', value: (r) => grantsCell(r.grants) },
      { heading: 'TTL', value: (r) => `${r.ttlSeconds}s` },
      { heading: 'ENABLED', value: (r) => yesNo(r.enabled) },
    ],
    'no CI token rules',
  );
}

async function show(name: string, options: ServerOption & { json?: boolean }): Promise<void> {
  const { api } = await openSession(options.server);
  const rule = await api.get<RuleView>(`/ci-token-rules/${segment(name)}`);
  if (options.json) return printJson(rule);
  printRule(rule);
}

async function setEnabled(name: string, enabled: boolean, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  const rule = await api.patch<RuleView & { revokedCredentials: number }>(`/ci-token-rules/${segment(name)}`, { json: { enabled } });
  say(enabled ? `enabled CI token rule ${name}` : `disabled CI token rule ${name}; revoked ${rule.revokedCredentials} live credential(s) it had issued`);
}

async function remove(name: string, options: ServerOption): Promise<void> {
  const { api } = await openSession(options.server);
  await api.delete(`/ci-token-rules/${segment(name)}`);
  say(`deleted CI token rule ${name}; the live credentials it had issued are revoked`);
}

/** Registers `berth ci-rule …`. */
export function registerCiTokens(program: Command): void {
  const rule = program.command('ci-rule').description('manage the rules mapping CI jobs (OIDC identity tokens) to registry grants (admins)').exitOverride();
  withServerOption(rule.command('create').description('create a rule: jobs whose token claims all match get the grants'))
    .argument('<name>', 'the rule name (lower-case words joined by ".", "_" or "-")')
    .requiredOption('--issuer <url>', 'a trusted issuer (ciTokens.issuers), e.g. https://token.actions.githubusercontent.com')
    .requiredOption('--claim <claim=value>', "a condition, exact or a glob with '*' (repeatable): repository=org/app, ref=refs/heads/main", collectClaim)
    .requiredOption('--grant <repository:actions>', "what matching jobs may do (repeatable): 'team/app:pull,push'", collectGrant)
    .option('--ttl <seconds>', 'lifetime of the credentials it issues (default ciTokens.defaultTtlSeconds)', positiveInteger)
    .option('--description <text>', 'what the rule is for')
    .option('--disabled', 'create it disabled')
    .option('--json', 'print JSON')
    .action(create);
  withServerOption(rule.command('list').description('list the rules')).option('--json', 'print JSON').action(list);
  withServerOption(rule.command('get').description('show a rule')).argument('<name>').option('--json', 'print JSON').action(show);
  withServerOption(rule.command('disable').description('stop exchanges through a rule and revoke what it issued'))
    .argument('<name>')
    .action((name: string, options: ServerOption) => setEnabled(name, false, options));
  withServerOption(rule.command('enable').description('allow exchanges through a rule again'))
    .argument('<name>')
    .action((name: string, options: ServerOption) => setEnabled(name, true, options));
  withServerOption(rule.command('delete').description('delete a rule and revoke what it issued')).argument('<name>').action(remove);
}
