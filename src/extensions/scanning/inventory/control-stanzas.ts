/** One paragraph of a deb822 file: its field names in lower case (they are case-insensitive). */
export interface Stanza {
  /** The 1-based line it starts on, for problems worth reporting. */
  line: number;
  fields: Map<string, string>;
}

/**
 * Parses deb822 paragraphs (Debian Policy §5.1), the format of dpkg's status files and, for the
 * header block, of Python's METADATA (RFC 822): `Name: value` lines, continuation lines starting
 * with a space or tab, paragraphs separated by blank lines. A line that is neither is a problem,
 * noted with its number; the paragraphs around it are kept.
 */
export function parseStanzas(text: string): { stanzas: Stanza[]; problems: string[] } {
  const stanzas: Stanza[] = [];
  const problems: string[] = [];
  let current: Stanza | undefined;
  let lastField: string | undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').replace(/\r$/, '');
    if (line.trim() === '') {
      current = undefined;
      lastField = undefined;
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (current !== undefined && lastField !== undefined) {
        current.fields.set(lastField, `${current.fields.get(lastField) ?? ''}\n${line.trim()}`);
      } else {
        problems.push(`line ${index + 1}: a continuation line outside a field`);
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${index + 1}: not a "Field: value" line`);
      continue;
    }
    if (current === undefined) {
      current = { line: index + 1, fields: new Map() };
      stanzas.push(current);
    }
    lastField = line.slice(0, colon).trim().toLowerCase();
    current.fields.set(lastField, line.slice(colon + 1).trim());
  }
  return { stanzas, problems };
}

/** The header block of an RFC 822 message: everything before the first blank line (the body follows). */
export function headerBlock(text: string): string {
  const end = /\r?\n\r?\n/.exec(text);
  return end === null ? text : text.slice(0, end.index);
}
