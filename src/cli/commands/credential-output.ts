/** How robots and personal access tokens print: grants in one cell, and a new secret exactly once. */
import type { CreatedCredential, Credential, Grant } from '../api-types.js';
import { note, printFields, printJson, printTable, say, when, type Column } from '../output.js';

/** Grants as typed on the command line: `team/*:pull,push team/app:pull`. */
export function grantsCell(grants: Grant[] | undefined): string {
  return grants && grants.length > 0 ? grants.map((g) => `${g.repository}:${g.actions.join(',')}`).join(' ') : '-';
}

/** The status of a credential: active, expired or revoked. */
function status(credential: Credential, now = Date.now()): string {
  if (credential.revokedAt) return 'revoked';
  if (credential.expiresAt && Date.parse(credential.expiresAt) <= now) return 'expired';
  return 'active';
}

/** The columns shared by the robot and token tables; `first` come before them. */
export function credentialColumns(first: Column<Credential>[]): Column<Credential>[] {
  return [
    { heading: 'ID', value: (c) => c.id },
    ...first,
    { heading: 'GRANTS', value: (c) => grantsCell(c.grants) },
    { heading: 'STATUS', value: (c) => status(c) },
    { heading: 'EXPIRES', value: (c) => (c.expiresAt ? when(c.expiresAt) : 'never') },
    { heading: 'LAST USED', value: (c) => when(c.lastUsedAt) },
    { heading: 'CREATED', value: (c) => when(c.createdAt) },
  ];
}

/** Prints a list of credentials (JSON with --json). */
export function printCredentials(credentials: Credential[], first: Column<Credential>[], empty: string, json: boolean | undefined): void {
  if (json) return printJson(credentials);
  printTable(credentials, credentialColumns(first), empty);
}

/**
 * Prints a credential just created, with its secret: the only time the server sends it. The
 * secret goes to stdout (for scripts to capture); the warning to stderr.
 */
export function printCreated(what: string, created: CreatedCredential, json: boolean | undefined): void {
  if (json) printJson(created);
  else {
    say(`created ${what} ${created.name} (id ${created.id})`);
    const fields: [string, string][] = [];
    if (created.login) fields.push(['login', created.login]);
    if (created.grants && created.grants.length > 0) fields.push(['grants', grantsCell(created.grants)]);
    fields.push(['expires', created.expiresAt ? when(created.expiresAt) : 'never']);
    fields.push(['secret', created.secret]);
    printFields(fields);
  }
  note('Store the secret now: it is not shown again.');
}
