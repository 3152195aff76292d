import type { z } from 'zod';
import { configSchema, type ConfigSchema } from './schema.js';

/** One leaf setting of the schema: its dotted key, environment variable, default and help. */
export interface Setting {
  key: string;
  env: string;
  description: string;
  defaultValue: unknown;
}

type Wrapper = { type: string; innerType?: z.ZodType; defaultValue?: unknown; shape?: Record<string, z.ZodType> };

function def(schema: z.ZodType): Wrapper {
  return (schema as unknown as { _zod: { def: Wrapper } })._zod.def;
}

/** chunkMinLength → CHUNK_MIN_LENGTH */
function envSegment(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function walk(schema: z.ZodType, path: string[], description: string | undefined, defaultValue: unknown, out: Setting[]): void {
  const d = def(schema);
  const text = description ?? schema.description;
  if ((d.type === 'default' || d.type === 'prefault' || d.type === 'optional') && d.innerType) {
    walk(d.innerType, path, text, d.type === 'optional' ? defaultValue : d.defaultValue, out);
    return;
  }
  if (d.type === 'object' && d.shape) {
    for (const [name, child] of Object.entries(d.shape)) walk(child, [...path, name], undefined, undefined, out);
    return;
  }
  out.push({
    key: path.join('.'),
    env: `BERTH_${path.map(envSegment).join('_')}`,
    description: text ?? '',
    defaultValue,
  });
}

/** Every leaf setting of the schema (the core's unless told), in schema order. */
export function listSettings(schema: ConfigSchema = configSchema): Setting[] {
  const out: Setting[] = [];
  walk(schema, [], undefined, undefined, out);
  return out;
}
