/** Parsing of the Authorization header (RFC 7617 Basic, RFC 6750 Bearer). */
import type { Credentials } from '../../auth/authenticate.js';

/** What an Authorization header carried: the header's share of the credentials auth/ checks. */
export type Presented = Extract<Credentials, { scheme: 'none' | 'basic' | 'bearer' | 'malformed' }>;

/** Reads the Authorization header; anything unparseable is 'malformed' (answered like bad credentials). */
export function presentedCredentials(header: string | undefined): Presented {
  if (header === undefined || header === '') return { scheme: 'none' };
  const match = /^(\w+) +(\S+)$/.exec(header.trim());
  if (!match) return { scheme: 'malformed' };
  const [, scheme = '', value = ''] = match;
  if (scheme.toLowerCase() === 'bearer') return { scheme: 'bearer', token: value };
  if (scheme.toLowerCase() !== 'basic') return { scheme: 'malformed' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { scheme: 'malformed' };
  return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
