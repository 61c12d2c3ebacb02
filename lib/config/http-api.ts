/**
 * HTTP admin API profiles: how to create, verify and revoke a key at a service that issues keys over REST.
 * Declared once at the top of the configuration (`httpApis`) or picked from the shipped presets, referenced by
 * keys by name, validated here at synth, and handed to the functions as one JSON environment variable.
 * The runtime parses the same shape again (lambdas/providers/http/profile.ts); a test keeps the two in step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { HTTP_PLACEHOLDER, KEY_ID_PATTERN_SYNTAX } from '../../lambdas/core/constants';

const PRESETS_DIR = path.join(__dirname, '..', '..', 'lambdas', 'providers', 'presets');

/** `$.a.b[0]['c-d']`: dot names, array indexes and quoted names; no wildcards, filters or recursion. */
export const JSON_PATH = /^\$(?:\.[A-Za-z_$][\w$-]*|\[\d{1,4}\]|\['[^'\\]{1,64}'\])+$/;

/** Placeholders a template may use; `key` only in the verify request (the key is sent only to be checked). */
const COMMON_PLACEHOLDERS =
  /^(?:keyId|keyName|environment|token|newKeyName|idempotencyKey|admin(?:\.[A-Za-z_][\w-]{0,63})?)$/;

/** The runtime builds a RegExp from keyIdPattern: one of the allowed shape may still not compile (`^[z-a]{1,8}$`). */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const jsonPath = (what: string) =>
  z
    .string({ error: `${what} is required (a JSON path such as "$.data.id")` })
    .regex(
      JSON_PATH,
      `${what} must be a JSON path like "$.data.id" or "$.items[0]['api-key']" (no wildcards)`,
    );

const statusList = z.array(z.number().int().min(100).max(599)).min(1).max(10);

const templateString = z.string().max(1024);
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string().max(1024),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'header names are letters, digits and dashes');

const requestFields = {
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  /** Path under baseUrl, may use placeholders such as `{{keyId}}` (URL-encoded when substituted). */
  path: templateString.regex(/^\//, 'path must start with "/"'),
  headers: z.record(headerName, templateString).optional(),
  body: jsonValue.optional(),
};

export const httpApiProfileSchema = z.strictObject({
  /** `https://` origin (and optional base path) of the admin API. */
  baseUrl: z
    .string({ error: 'baseUrl is required' })
    .regex(
      /^https:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/,
      'baseUrl must be an https:// URL without query or fragment',
    ),
  /**
   * Key ids as the vendor issues them: one character class and a length, e.g. `^[0-9a-f-]{36}$`. Path placeholders
   * refuse any other key id (and `.`, `..`, `/` always), so a planted id cannot turn a DELETE into another path.
   * @default '^[A-Za-z0-9_-]{1,128}$'
   */
  keyIdPattern: z
    .string()
    .regex(
      KEY_ID_PATTERN_SYNTAX,
      'keyIdPattern must be one character class and a length, like "^[A-Za-z0-9_-]{1,64}$" (always linear to match)',
    )
    .refine(
      compiles,
      'keyIdPattern does not compile: write each range and the length low to high, like "^[a-z0-9]{1,64}$" (not "z-a" or "{64,1}")',
    )
    .optional(),
  /** How the vendor's `X-RateLimit-Reset` header reads on a 429 (honoured up to the Retry-After cap). */
  rateLimitReset: z.enum(['unix-seconds', 'delta-seconds']).optional(),
  /** Milliseconds to wait before proving a revocation, for vendors whose revocation propagates slowly (≤ 60 s). */
  proofWaitMs: z.number().int().min(0).max(60000).optional(),
  /** The vendor's cap on keys per account: synth checks the keys sharing an admin secret fit under it. */
  keyCap: z
    .strictObject({
      keys: z.number().int().min(1),
      per: z.string().regex(/^[a-z ]{1,64}$/, 'keyCap.per names the account unit, e.g. "organization"'),
    })
    .optional(),
  /** Per-request timeout. */
  timeoutMs: z.number().int().min(100).max(30000).optional(),
  /** Retries on 429/5xx/timeouts (Retry-After honoured, capped). */
  maxRetries: z.number().int().min(0).max(5).optional(),
  /** Name given to new keys (used in the create body as `{{newKeyName}}` and to find orphans). */
  keyNameTemplate: templateString.optional(),
  create: z.strictObject({
    ...requestFields,
    method: z.enum(['POST', 'PUT']),
    successStatus: statusList.optional(),
    keyPath: jsonPath('create.keyPath'),
    idPath: jsonPath('create.idPath'),
    /** Header that carries the idempotency key derived from the rotation token, where the API supports one. */
    idempotencyHeader: headerName.optional(),
  }),
  /**
   * Optional: list keys, to revoke a key an earlier attempt of the same rotation created but never stored
   * (its value is lost; a new one is created).
   */
  findOrphans: z
    .strictObject({
      ...requestFields,
      method: z.literal('GET'),
      itemsPath: jsonPath('findOrphans.itemsPath'),
      namePath: jsonPath('findOrphans.namePath'),
      idPath: jsonPath('findOrphans.idPath'),
    })
    .optional(),
  verify: z.strictObject({
    ...requestFields,
    acceptStatus: statusList.optional(),
    refuseStatus: statusList.optional(),
  }),
  revoke: z.strictObject({
    ...requestFields,
    successStatus: statusList.optional(),
  }),
});

/** A profile as the functions receive it: bound to the admin secrets of the keys that use it. */
export const boundHttpApiProfileSchema = httpApiProfileSchema.extend({
  adminSecretArns: z.array(z.string()).min(1),
});

export type HttpApiProfile = z.output<typeof httpApiProfileSchema>;
type BoundHttpApiProfile = z.output<typeof boundHttpApiProfileSchema>;

/** Every placeholder used anywhere in a request (path, headers, body). */
export function placeholdersOf(request: {
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') for (const m of value.matchAll(HTTP_PLACEHOLDER)) found.push(m[1].trim());
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(request.path);
  visit(request.headers ?? {});
  visit(request.body);
  return found;
}

/** Problems with placeholders, as `[field, message]`: unknown names, the key sent anywhere but verify. */
export function profileProblems(profile: HttpApiProfile): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const requests = {
    create: profile.create,
    verify: profile.verify,
    revoke: profile.revoke,
    findOrphans: profile.findOrphans,
  };
  for (const [name, request] of Object.entries(requests)) {
    if (!request) continue;
    const used = placeholdersOf(request);
    for (const p of used) {
      if (p === 'key' && name === 'verify') continue;
      if (!COMMON_PLACEHOLDERS.test(p)) {
        problems.push([
          name,
          p === 'key'
            ? `{{key}} may appear only in the verify request (the key is never sent elsewhere)`
            : `unknown placeholder {{${p}}}: use keyId, keyName, environment, token, newKeyName, idempotencyKey, admin or admin.<field>`,
        ]);
      }
    }
    if (name === 'verify' && !used.includes('key'))
      problems.push([name, 'the verify request must send the key: use {{key}}']);
    if (name === 'revoke' && !used.includes('keyId'))
      problems.push([name, 'the revoke request must name the key: use {{keyId}}']);
  }
  for (const p of placeholdersOf({ path: profile.keyNameTemplate ?? '' })) {
    if (!['keyName', 'environment', 'token'].includes(p)) {
      problems.push([
        'keyNameTemplate',
        `keyNameTemplate may use only {{keyName}}, {{environment}}, {{token}}`,
      ]);
    }
  }
  return problems;
}

/** The presets shipped under lambdas/providers/presets, by file name without `.json`. */
export function loadPresets(dir: string = PRESETS_DIR): Record<string, unknown> {
  const presets: Record<string, unknown> = {};
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.json'))
      presets[file.slice(0, -5)] = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  }
  return presets;
}

interface ConfigShape {
  keys: Array<{
    name: string;
    provider: { kind: string; profile?: string; adminSecretArn?: string; definition?: BoundHttpApiProfile };
  }>;
  httpApis: Record<string, unknown>;
}

function usesHttpApis(config: ConfigShape): boolean {
  return (
    Object.keys(config.httpApis).length > 0 || config.keys.some((k) => k.provider.kind === 'http-admin-api')
  );
}

/** The raw profile a key names: its `httpApis` entry first, else the preset of that name. */
function rawProfile(config: ConfigShape, name: string, presets: Record<string, unknown>): unknown {
  return Object.hasOwn(config.httpApis, name)
    ? config.httpApis[name]
    : Object.hasOwn(presets, name)
      ? presets[name]
      : undefined;
}

/**
 * Check every profile an `http-admin-api` key uses: it exists, matches the schema (https, JSON paths, statuses)
 * and uses only known placeholders. Messages name the key that uses the profile.
 */
export function checkHttpApiProfiles(config: ConfigShape, ctx: z.RefinementCtx): void {
  if (!usesHttpApis(config)) return;
  const presets = loadPresets();
  const usedBy = new Map<string, string[]>();
  config.keys.forEach((key, index) => {
    if (key.provider.kind !== 'http-admin-api' || !key.provider.profile) return;
    const name = key.provider.profile;
    if (rawProfile(config, name, presets) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys', index, 'provider', 'profile'],
        message: `unknown HTTP API profile "${name}": declare it under httpApis or use a preset (${Object.keys(presets).join(', ')})`,
      });
      return;
    }
    usedBy.set(name, [...(usedBy.get(name) ?? []), key.name]);
  });
  const names = new Set([...Object.keys(config.httpApis), ...usedBy.keys()]);
  for (const name of names) {
    const where = Object.hasOwn(config.httpApis, name) ? ['httpApis', name] : ['presets', name];
    const keys = usedBy.get(name);
    const suffix = keys
      ? ` (profile "${name}", used by key ${keys.map((k) => `"${k}"`).join(', ')})`
      : ` (profile "${name}")`;
    const parsed = httpApiProfileSchema.safeParse(rawProfile(config, name, presets));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          path: [...where, ...issue.path.map(String)],
          message: issue.message + suffix,
        });
      }
      continue;
    }
    for (const [field, message] of profileProblems(parsed.data)) {
      ctx.addIssue({ code: 'custom', path: [...where, field], message: message + suffix });
    }
  }
  checkAdminSecretOrigins(config, presets, ctx);
}

/** One admin secret, one server: a credential shared by profiles of different origins could be sent to either. */
function checkAdminSecretOrigins(
  config: ConfigShape,
  presets: Record<string, unknown>,
  ctx: z.RefinementCtx,
): void {
  const originsOf = new Map<string, Map<string, string>>();
  config.keys.forEach((key, index) => {
    const { kind, profile, adminSecretArn } = key.provider;
    if (kind !== 'http-admin-api' || !profile || !adminSecretArn) return;
    const parsed = httpApiProfileSchema.safeParse(rawProfile(config, profile, presets));
    if (!parsed.success) return;
    const origin = new URL(parsed.data.baseUrl).origin;
    const seen = originsOf.get(adminSecretArn) ?? new Map<string, string>();
    originsOf.set(adminSecretArn, seen);
    const other = [...seen].find(([o]) => o !== origin);
    if (other) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys', index, 'provider', 'adminSecretArn'],
        message:
          `admin secret ${adminSecretArn} is used with profile "${profile}" (${origin}) and profile "${other[1]}" ` +
          `(${other[0]}): an admin credential is bound to one server: give each profile its own admin secret`,
      });
    }
    if (!seen.has(origin)) seen.set(origin, profile);
  });
}

/** Per profile, the admin secrets of the keys that use it, in configuration order. */
function adminSecretsByProfile(config: ConfigShape): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of config.keys) {
    const { kind, profile, adminSecretArn } = key.provider;
    if (kind !== 'http-admin-api' || !profile || !adminSecretArn) continue;
    const list = out.get(profile) ?? [];
    if (!list.includes(adminSecretArn)) list.push(adminSecretArn);
    out.set(profile, list);
  }
  return out;
}

/**
 * After the checks: every `http-admin-api` key carries its parsed profile as `definition`, bound to the admin secrets
 * of the keys that use the profile (the functions refuse any other secret for it).
 */
export function attachHttpApiProfiles<T extends ConfigShape>(config: T): T {
  if (!usesHttpApis(config)) return config;
  const presets = loadPresets();
  const secretsOf = adminSecretsByProfile(config);
  for (const key of config.keys) {
    if (key.provider.kind !== 'http-admin-api' || !key.provider.profile) continue;
    key.provider.definition = {
      ...httpApiProfileSchema.parse(rawProfile(config, key.provider.profile, presets)),
      adminSecretArns: secretsOf.get(key.provider.profile)!,
    };
  }
  return config;
}
