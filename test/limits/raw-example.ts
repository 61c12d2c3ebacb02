/** A fresh, mutable copy of the shipped example configuration (raw JSON, before the schema). */
import { readFileSync } from 'node:fs';
import { EXAMPLE_CONFIG } from '../helpers/synth';

export function exampleConfigRaw(): { keys: Array<Record<string, unknown>>; [k: string]: unknown } {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
}
