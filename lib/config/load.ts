/**
 * Load and validate the configuration; a wrong file stops synth with one message listing every problem, each
 * with the file's line:column (as editors and compilers print it) and, for a mistyped field or value, the one
 * that was probably meant.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { jsonErrorOffset, lineColumnAt, locate, locateJsonPaths } from './json-locations';
import { configSchema, type KeyturnConfig } from './schema';
import { closest, knownFields, valueAt } from './suggest';

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

/** A word that may be quoted back in a message (a hostile field name must not forge or flood it). */
const QUOTABLE = /^[A-Za-z0-9_-]{1,64}$/;
const didYouMean = (word: unknown, candidates: readonly unknown[]) => {
  if (typeof word !== 'string' || !QUOTABLE.test(word)) return '';
  const best = closest(
    word,
    candidates.filter((c): c is string => typeof c === 'string'),
  );
  return best ? `; did you mean "${best}"?` : '';
};

interface Problem {
  /** Where the problem is (for its line:column). */
  path: PropertyKey[];
  /** The path shown in the message, when it must not name the last segment. @default path */
  shown?: PropertyKey[];
  message: string;
}

function problemsOf(issues: readonly z.core.$ZodIssue[], input: unknown): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownFields(configSchema, issue.path, input);
      return issue.keys.map((key) =>
        QUOTABLE.test(key)
          ? { path: [...issue.path, key], message: `unknown field "${key}"${didYouMean(key, known)}` }
          : {
              path: [...issue.path, key],
              shown: issue.path,
              message: 'unknown field (its name is not shown)',
            },
      );
    }
    if (issue.code === 'invalid_value' && issue.values.length > 1) {
      const suggestion = didYouMean(valueAt(input, issue.path), issue.values);
      return [{ path: issue.path, message: `${issue.message}${suggestion}` }];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/**
 * Validate a parsed configuration. With `text` (the file's JSON), every problem starts with
 * `<source>:<line>:<column>:` pointing at the field (or, for a missing field, its object).
 */
export function parseConfig(input: unknown, source = 'configuration', text?: string): KeyturnConfig {
  const parsed = configSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const paths = text === undefined ? undefined : locateJsonPaths(text);
  throw new ConfigurationError(
    source,
    problemsOf(parsed.error.issues, input).map(({ path, shown, message }) => {
      const at = paths && text !== undefined ? locate(text, paths, path) : undefined;
      const where = at ? `${source}:${at.line}:${at.column}: ` : '';
      return `${where}${describePath(shown ?? path, input)}: ${message}`;
    }),
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
    const at = lineColumnAt(text, jsonErrorOffset((error as Error).message, text));
    throw new ConfigurationError(path, [`${path}:${at.line}:${at.column}: not valid JSON`]);
  }
  return parseConfig(json, path, text);
}
