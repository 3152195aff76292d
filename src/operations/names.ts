/** The names management accepts for accounts, robots and personal access tokens. */
import { invalid } from '../errors/management-error.js';

/** Account and robot names: lower-case words joined by '.', '_' or '-' (safe in paths and logins). */
export const ACCOUNT_NAME_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** The longest account or robot name. */
export const ACCOUNT_NAME_MAX = 64;

/** Token names are labels for people ("CI laptop"): letters, digits, space, '.', '_', '-'. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?$/;

/** Throws 'invalid' unless the text is a valid account (or robot) name. */
export function checkAccountName(name: string, field = 'name'): string {
  if (name.length === 0 || name.length > ACCOUNT_NAME_MAX || !ACCOUNT_NAME_PATTERN.test(name)) {
    throw invalid(field, `"${name.slice(0, 80)}" is not a valid name: at most ${ACCOUNT_NAME_MAX} characters matching ${ACCOUNT_NAME_PATTERN.source}`);
  }
  return name;
}

/** Throws 'invalid' unless the text is a valid token name. */
export function checkTokenName(name: string): string {
  if (!TOKEN_NAME_PATTERN.test(name)) throw invalid('name', `"${name.slice(0, 80)}" is not a valid token name: 1 to 64 letters, digits, spaces, '.', '_' or '-'`);
  return name;
}
