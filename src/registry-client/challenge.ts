/** A parsed `WWW-Authenticate` challenge (RFC 7235 auth-param list, as registries send it). */
export interface Challenge {
  scheme: 'bearer' | 'basic';
  realm?: string;
  service?: string;
  scope?: string;
}

/**
 * Parses the first Bearer or Basic challenge of a WWW-Authenticate header; undefined for other
 * schemes. Quoted values may hold commas (a scope list), so values are read as quoted strings.
 */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const value of values) {
    const match = /^\s*(bearer|basic)\b\s*(.*)$/i.exec(value);
    if (!match) continue;
    const scheme = (match[1] as string).toLowerCase() as Challenge['scheme'];
    const challenge: Challenge = { scheme };
    for (const param of (match[2] as string).matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
      const key = (param[1] as string).toLowerCase();
      const raw = param[2] ?? param[3] ?? '';
      const text = raw.replace(/\\(.)/g, '$1');
      if (key === 'realm' || key === 'service' || key === 'scope') challenge[key] = text;
    }
    return challenge;
  }
  return undefined;
}
