/**
 * The HTTP admin API profiles the function receives in one environment variable (validated at synth by
 * lib/config/http-api.ts; parsed again here at cold start: the two schemas are kept in step by a test).
 */
import * as z from 'zod';
import { KEY_ID_PATTERN_SYNTAX } from '../../core/constants';
import { parseJsonPath } from './json-path';

/**
 * A key-id pattern of the allowed shape can still fail to compile (`^[z-a]{1,8}$`, `^[a]{5,1}$`): refused here, or
 * every request with `{{keyId}}` would throw a SyntaxError instead of refusing the key id.
 */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const jsonPath = z.string().refine((p) => parseJsonPath(p) !== undefined, 'not a supported JSON path');
const statusList = z.array(z.number().int().min(100).max(599)).min(1);
const requestFields = {
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().startsWith('/'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string()).optional(),
  body: z.unknown().optional(),
};

const runtimeProfileSchema = z.strictObject({
  baseUrl: z.string().url(),
  /**
   * The admin credential secrets this profile may read and send to its baseUrl (the keys that use the profile, bound
   * at synth). A key naming any other secret is refused before the secret is read.
   */
  adminSecretArns: z.array(z.string().startsWith('arn:')).min(1),
  /** Key ids the profile's paths accept (see KEY_ID_PATTERN_SYNTAX). */
  keyIdPattern: z.string().regex(KEY_ID_PATTERN_SYNTAX).refine(compiles, 'does not compile').optional(),
  /** How the vendor's X-RateLimit-Reset reads on a 429: a Unix time, or seconds remaining. */
  rateLimitReset: z.enum(['unix-seconds', 'delta-seconds']).optional(),
  /** Wait before proving a revocation (the vendor's revocation propagates slowly). */
  proofWaitMs: z.number().int().min(0).max(60000).optional(),
  /** The vendor's cap on keys per account, quoted when a create is refused. */
  keyCap: z.strictObject({ keys: z.number().int().min(1), per: z.string().max(64) }).optional(),
  timeoutMs: z.number().int().min(100).max(30000).optional(),
  maxRetries: z.number().int().min(0).max(5).optional(),
  keyNameTemplate: z.string().optional(),
  create: z.strictObject({
    ...requestFields,
    successStatus: statusList.optional(),
    keyPath: jsonPath,
    idPath: jsonPath,
    idempotencyHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/)
      .optional(),
  }),
  findOrphans: z
    .strictObject({ ...requestFields, itemsPath: jsonPath, namePath: jsonPath, idPath: jsonPath })
    .optional(),
  verify: z.strictObject({
    ...requestFields,
    acceptStatus: statusList.optional(),
    refuseStatus: statusList.optional(),
  }),
  revoke: z.strictObject({ ...requestFields, successStatus: statusList.optional() }),
});

export type HttpRequestSpec = z.output<typeof runtimeProfileSchema>['verify'];
export type RuntimeProfile = z.output<typeof runtimeProfileSchema>;

interface ProfileParseOptions {
  /** Tests only: allow `http://127.0.0.1:<port>` base URLs (everything else must be https). */
  allowInsecureLoopback?: boolean;
}

export type ProfilesOutcome =
  { ok: true; profiles: Map<string, RuntimeProfile> } | { ok: false; reason: string };

function allowedBaseUrl(baseUrl: string, options: ProfileParseOptions): boolean {
  const url = new URL(baseUrl);
  // A bare trailing `?` or `#` leaves search and hash empty, yet would turn every path into a query or fragment.
  if (/[?#]/.test(baseUrl) || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return options.allowInsecureLoopback === true && url.protocol === 'http:' && url.hostname === '127.0.0.1';
}

/** Parse the environment variable's JSON; the reason names profiles and fields only. */
export function parseProfiles(json: string | undefined, options: ProfileParseOptions = {}): ProfilesOutcome {
  if (json === undefined || json === '') return { ok: true, profiles: new Map() };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'the HTTP API profiles are not JSON' };
  }
  const parsed = z.record(z.string(), runtimeProfileSchema).safeParse(raw);
  if (!parsed.success) {
    const where = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))];
    return { ok: false, reason: `invalid HTTP API profiles at ${where.join(', ')}` };
  }
  const profiles = new Map<string, RuntimeProfile>();
  for (const [name, profile] of Object.entries(parsed.data)) {
    if (!allowedBaseUrl(profile.baseUrl, options)) {
      return {
        ok: false,
        reason: `profile "${name}": baseUrl must be https:// (without query, fragment or credentials)`,
      };
    }
    profiles.set(name, profile);
  }
  return { ok: true, profiles };
}
