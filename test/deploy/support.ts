import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root (this file runs from dist/test/deploy/). */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function read(path: string): string {
  return readFileSync(resolve(root, path), 'utf8');
}

/** Every file under `dir` (relative to the root), sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(resolve(root, dir));
  return out.sort();
}

/** A parsed YAML mapping, as plain JSON values. */
export type Yaml = Record<string, unknown>;

/**
 * Every document of a YAML file, failing on any parse error or warning. Merge keys (`<<: *x`)
 * are on because Compose resolves them.
 */
export function yamlDocuments(path: string): Yaml[] {
  const docs = parseAllDocuments(read(path), { merge: true });
  return docs.map((doc, i) => {
    const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${path}, document ${i + 1}: ${problems.join('; ')}`);
    return doc.toJS() as Yaml;
  }).filter((doc) => doc !== null);
}

export function yamlDocument(path: string): Yaml {
  const docs = yamlDocuments(path);
  if (docs.length !== 1) throw new Error(`${path}: expected one document, found ${docs.length}`);
  return docs[0]!;
}

/** Walks `obj` along a dotted path; undefined when any step is missing. */
export function at(obj: unknown, path: string): unknown {
  let node = obj;
  for (const step of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(step in node)) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  op: string;
  args: string;
}

/** A build stage: its FROM arguments and its instructions. */
export interface Stage {
  from: string;
  instructions: Instruction[];
}

/** Parses a Dockerfile into its global instructions (ARG before the first FROM) and stages. */
export function parseDockerfile(text: string): { globals: Instruction[]; stages: Stage[] } {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const globals: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`not an instruction: ${line}`);
    const instruction = { op: match[1]!.toUpperCase(), args: match[2]!.replace(/\s+/g, ' ') };
    if (instruction.op === 'FROM') stages.push({ from: instruction.args, instructions: [] });
    else if (stages.length === 0) globals.push(instruction);
    else stages[stages.length - 1]!.instructions.push(instruction);
  }
  return { globals, stages };
}

/** Every `BERTH_*` name a text mentions. */
export function berthNames(text: string): string[] {
  return [...new Set(text.match(/\bBERTH_[A-Z0-9_]+/g) ?? [])];
}
