import cvss from 'ae-cvss-calculator';
import type { OsvAffected, OsvRecord, OsvSeverity } from './osv.js';

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

/** How bad a vulnerability is: a level, and the CVSS base score and vector it came from, if any. */
export interface Severity {
  level: SeverityLevel;
  score?: number;
  vector?: string;
}

/**
 * The severity of a record, or of one affected package of it: the package's own `severity[]` when
 * it has one (the schema then forbids the top-level one), else the record's; within that, a CVSS
 * 4.0 vector before a 3.x one (the newer standard, when a database gives both). With no vector
 * that scores, a word: an `Ubuntu` priority, then `database_specific.severity` (GitHub's
 * CRITICAL/HIGH/MODERATE/LOW, Red Hat's Important…). Without `affected`, the worst of the
 * packages' severities stands for a record that keeps them per package.
 */
export function severityOf(record: OsvRecord, affected?: OsvAffected): Severity {
  if (affected?.severity?.length) return fromList(affected.severity, affected.database_specific) ?? fromWord(record.database_specific);
  if (record.severity?.length) return fromList(record.severity, undefined) ?? fromWord(record.database_specific);
  const perPackage = (record.affected ?? []).map((entry) => (entry.severity?.length ? fromList(entry.severity, entry.database_specific) : undefined));
  const known = perPackage.filter((severity): severity is Severity => severity !== undefined && severity.level !== 'unknown');
  if (known.length > 0) return known.reduce((worst, next) => (RANK[next.level] > RANK[worst.level] ? next : worst));
  return fromWord(record.database_specific);
}

const RANK: Record<SeverityLevel, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };

function fromList(list: OsvSeverity[], databaseSpecific: Record<string, unknown> | undefined): Severity | undefined {
  for (const type of ['CVSS_V4', 'CVSS_V3']) {
    for (const entry of list.filter((item) => item.type === type)) {
      const scored = scoreVector(entry.score);
      if (scored) return scored;
    }
  }
  const ubuntu = list.find((item) => item.type === 'Ubuntu');
  const fromPriority = ubuntu ? levelOfWord(ubuntu.score) : 'unknown';
  if (fromPriority !== 'unknown') return { level: fromPriority };
  const word = fromWord(databaseSpecific);
  return word.level === 'unknown' ? undefined : word;
}

/** The base score of a complete CVSS 3.x or 4.0 vector; undefined for a partial or malformed one. */
function scoreVector(vector: string): Severity | undefined {
  if (!/^CVSS:(3\.[01]|4\.0)\//.test(vector)) return undefined;
  try {
    const parsed = cvss.fromVector(vector) as { isBaseFullyDefined(): boolean; calculateScores(): { base?: number } } | undefined;
    if (!parsed?.isBaseFullyDefined()) return undefined;
    const score = parsed.calculateScores().base;
    if (score === undefined || Number.isNaN(score)) return undefined;
    return { level: levelOfScore(score), score, vector };
  } catch {
    return undefined;
  }
}

/** CVSS v3.1 and v4.0 specifications, "Qualitative Severity Rating Scale". */
function levelOfScore(score: number): SeverityLevel {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

function fromWord(databaseSpecific: Record<string, unknown> | undefined): Severity {
  const word = databaseSpecific?.severity;
  return { level: typeof word === 'string' ? levelOfWord(word) : 'unknown' };
}

/**
 * Severity words seen in OSV data: Ubuntu priorities (untriaged, negligible, low, medium, high,
 * critical), GitHub's MODERATE, Red Hat's Important and Moderate. Negligible counts as low, as
 * Ubuntu ranks it just below low; anything unrecognised is unknown.
 */
function levelOfWord(word: string): SeverityLevel {
  switch (word.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
    case 'negligible':
      return 'low';
    case 'none':
      return 'none';
    default:
      return 'unknown';
  }
}
