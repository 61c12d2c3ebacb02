/** Load and validate the configuration; a wrong file stops synth with one message listing every problem. */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { configSchema, type KeyturnConfig } from './schema';

export class ConfigurationError extends Error {
  readonly name = 'ConfigurationError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid keyturn configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const KEY_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `keys[2].owner` becomes `keys[2] ("billing-api").owner` so the message names the key. */
function describePath(path: PropertyKey[], input: unknown): string {
  let out = '';
  let node: unknown = input;
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
      node = Array.isArray(node) ? node[segment] : undefined;
      const name = (node as { name?: unknown } | undefined)?.name;
      // Quote the name only when it is a valid key name: a hostile one must not forge or flood the message.
      if (typeof name === 'string' && KEY_NAME.test(name) && path[0] === 'keys' && !out.includes('"')) {
        out += ` ("${name}")`;
      }
    } else {
      out += (out ? '.' : '') + String(segment);
      node =
        node && typeof node === 'object' ? (node as Record<string, unknown>)[String(segment)] : undefined;
    }
  }
  return out || '(file)';
}

export function parseConfig(input: unknown, source = 'configuration'): KeyturnConfig {
  const parsed = configSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(
    source,
    parsed.error.issues.map(
      (issue: z.core.$ZodIssue) => `${describePath(issue.path, input)}: ${issue.message}`,
    ),
  );
}

export function loadConfigFile(path: string): KeyturnConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(path, [`cannot read the file (${(error as NodeJS.ErrnoException).code})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Node's message quotes the file's content: keep only where the problem is.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ConfigurationError(path, [`not valid JSON${position ? ` (at character ${position})` : ''}`]);
  }
  return parseConfig(json, path);
}
