/**
 * Moving from Distribution's htpasswd auth: every bcrypt entry becomes a local account keeping
 * its hash, which the authenticator replaces with argon2id at the account's first login. Nothing
 * existing is overwritten; every line that didn't become an account is reported with its number.
 */
import { parseHtpasswd } from '../auth/htpasswd.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import type { ManagementDeps } from './operation-deps.js';
import { ManagementError } from '../errors/management-error.js';
import { ACCOUNT_NAME_MAX, ACCOUNT_NAME_PATTERN } from './names.js';

/** What an import did. */
export interface HtpasswdImportResult {
  /** Accounts created, in file order. */
  created: string[];
  /** Entries whose name already had an account. */
  skipped: { line: number; name: string; reason: string }[];
  /** Lines that could not be imported, with why. */
  refused: { line: number; reason: string }[];
}

/** The largest file accepted (a million users' worth of lines is not an htpasswd file). */
export const HTPASSWD_MAX_ENTRIES = 100_000;

/** Imports an htpasswd file's text (admins only). */
export async function importHtpasswd(deps: ManagementDeps, by: ActingPrincipal, text: string): Promise<HtpasswdImportResult> {
  const audit = new ManagementAudit(deps.audit);
  if (!isSystemAdmin(by.principal)) throw audit.denied(by, 'user.import', 'htpasswd', 'only admins may import users');
  const { entries, refused } = numberedEntries(text);
  if (entries.length > HTPASSWD_MAX_ENTRIES) throw new ManagementError('invalid', `at most ${HTPASSWD_MAX_ENTRIES} entries per import`);
  const result: HtpasswdImportResult = { created: [], skipped: [], refused };
  for (const { line, username, hash } of entries) {
    if (username.length > ACCOUNT_NAME_MAX || !ACCOUNT_NAME_PATTERN.test(username)) {
      result.refused.push({ line, reason: `user ${username.slice(0, 80)}: not a valid user name (${ACCOUNT_NAME_PATTERN.source}, at most ${ACCOUNT_NAME_MAX} characters)` });
      continue;
    }
    const created = await deps.store.accounts.create({ name: username, kind: 'local', passwordHash: hash });
    if (created) result.created.push(username);
    else result.skipped.push({ line, name: username, reason: 'a user of that name exists' });
  }
  result.refused.sort((a, b) => a.line - b.line);
  audit.success(by, 'user.import', 'htpasswd', { created: result.created, skipped: result.skipped.map((s) => s.name), refused: result.refused.length });
  return result;
}

/** The file's entries and refused lines, each with its 1-based line number (parsed line by line). */
function numberedEntries(text: string): { entries: { line: number; username: string; hash: string }[]; refused: HtpasswdImportResult['refused'] } {
  const entries: { line: number; username: string; hash: string }[] = [];
  const refused: HtpasswdImportResult['refused'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const parsed = parseHtpasswd(raw);
    for (const entry of parsed.entries) entries.push({ line: index + 1, ...entry });
    for (const refusal of parsed.refused) refused.push({ line: index + 1, reason: refusal.reason });
  });
  return { entries, refused };
}
