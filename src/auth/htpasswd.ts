/**
 * htpasswd files, as Distribution's htpasswd auth reads them: `user:hash` lines. Only bcrypt
 * hashes are accepted (Distribution accepts nothing else either); other lines are reported.
 */

/** One importable entry. */
export interface HtpasswdEntry {
  username: string;
  hash: string;
}

/** What a file held: entries to import, and lines refused with the reason. */
export interface HtpasswdParse {
  entries: HtpasswdEntry[];
  refused: { line: number; reason: string }[];
}

/** Parses an htpasswd file's text. */
export function parseHtpasswd(text: string): HtpasswdParse {
  const result: HtpasswdParse = { entries: [], refused: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const username = colon > 0 ? line.slice(0, colon) : '';
    const hash = colon > 0 ? line.slice(colon + 1) : '';
    if (username === '' || hash === '') {
      result.refused.push({ line: index + 1, reason: 'not a user:hash line' });
    } else if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      result.refused.push({ line: index + 1, reason: `user ${username}: only bcrypt hashes ($2y$) can be imported; re-create it with htpasswd -B` });
    } else {
      result.entries.push({ username, hash });
    }
  });
  return result;
}
