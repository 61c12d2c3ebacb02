/**
 * Keys issued by a service's REST admin API, described declaratively by a profile (create / verify / revoke
 * requests, JSON paths to the new key and its id, success statuses). The admin credential comes from its own
 * secret. Retry safety: the create request carries an idempotency key derived from the rotation token (where
 * the API supports one), new keys are named after the token, and a profile with `findOrphans` revokes a key an
 * earlier attempt of the same rotation created but never stored before creating again.
 * Response bodies hold keys: they are parsed, never logged or quoted in errors.
 */
import { createHash } from 'node:crypto';
import { PROVIDER_KINDS, PROVIDER_SETTINGS } from '../core/constants';
import { ProviderError } from '../core/errors';
import type { IssuedKey, KeyContext, KeyProvider, Verification } from '../core/provider';
import type { RetryPolicy, Sleep } from '../core/retry';
import type { StoredKey } from '../core/stored-key';
import type { AdminCredentialReader } from '../aws/admin-credentials';
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, sendHttp, type HttpResult } from './http/client';
import { evaluateJsonPath } from './http/json-path';
import type { HttpRequestSpec, ProfilesOutcome, RuntimeProfile } from './http/profile';
import {
  render,
  renderHeader,
  renderJson,
  renderPath,
  TemplateError,
  type TemplateVars,
} from './http/template';

const HTTP_ADMIN_API = PROVIDER_KINDS.httpAdminApi;
export const DEFAULT_KEY_NAME_TEMPLATE = 'keyturn-{{keyName}}-{{environment}}-{{token}}';
/** A new key may take a moment to reach every node of a SaaS API: ~7 s at most. */
export const HTTP_VERIFY_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 4000 };

interface HttpAdminApiProviderDeps {
  profiles: ProfilesOutcome;
  credentials: AdminCredentialReader;
  sleep?: Sleep;
  fetch?: typeof fetch;
}

type Operation = 'create' | 'verify' | 'revoke' | 'findOrphans';

/** Stable per secret and rotation: a retried create sends the same idempotency key, another key never does. */
export function idempotencyKeyFor(ctx: KeyContext): string {
  return 'keyturn-' + createHash('sha256').update(`${ctx.secretId}\n${ctx.token}`).digest('hex').slice(0, 32);
}

export class HttpAdminApiProvider implements KeyProvider {
  readonly kind = HTTP_ADMIN_API;
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  readonly verifyRetry = HTTP_VERIFY_RETRY;

  constructor(private readonly deps: HttpAdminApiProviderDeps) {}

  private fail(message: string, retryable = false, cause?: unknown): ProviderError {
    return new ProviderError(this.kind, message, retryable, cause === undefined ? undefined : { cause });
  }

  private profileOf(ctx: KeyContext): { name: string; profile: RuntimeProfile } {
    const name = ctx.policy.providerSettings[PROVIDER_SETTINGS.httpAdminApi.profile];
    if (!this.deps.profiles.ok) throw this.fail(this.deps.profiles.reason);
    const profile = name ? this.deps.profiles.profiles.get(name) : undefined;
    if (!name || !profile) {
      throw this.fail(
        `profile "${name ?? ''}" is not among this function's HTTP API profiles (tag keyturn:provider:profile)`,
      );
    }
    return { name, profile };
  }

  /** The template variables of one request; `admin` / `admin.<field>` from the admin credential secret. */
  private async varsFor(
    ctx: KeyContext,
    profile: RuntimeProfile,
    extra: TemplateVars = {},
  ): Promise<TemplateVars> {
    const arn = ctx.policy.providerSettings[PROVIDER_SETTINGS.httpAdminApi.adminSecretArn];
    if (!arn) throw this.fail('tag keyturn:provider:admin-secret-arn is missing');
    // Bound at synth: a credential goes only to the profile (and so the server) that the deployment paired it with.
    if (!profile.adminSecretArns.includes(arn)) {
      throw this.fail(
        `the admin credential secret is not bound to this profile (synth binds each profile to the admin secrets of ` +
          `the keys that use it): refused before reading it`,
      );
    }
    let credential: string;
    try {
      credential = await this.deps.credentials.read(arn);
    } catch (error) {
      throw this.fail(`cannot read the admin credential secret (${(error as Error).name})`, true, error);
    }
    const vars: TemplateVars = {
      keyName: ctx.policy.keyName,
      environment: ctx.policy.environment,
      token: ctx.token,
      idempotencyKey: idempotencyKeyFor(ctx),
      admin: credential,
      ...extra,
    };
    try {
      const fields: unknown = JSON.parse(credential);
      if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
        for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') vars[`admin.${k}`] = v;
      }
    } catch {
      // A plain-string credential: only {{admin}} is available.
    }
    vars.newKeyName = render(profile.keyNameTemplate ?? DEFAULT_KEY_NAME_TEMPLATE, vars);
    return vars;
  }

  private async send(
    op: Operation,
    profile: RuntimeProfile,
    spec: HttpRequestSpec,
    vars: TemplateVars,
    extraHeaders: Record<string, string> = {},
    retryServerErrors = true,
  ): Promise<HttpResult> {
    let url: string;
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    let body: string | undefined;
    try {
      url = profile.baseUrl.replace(/\/$/, '') + renderPath(spec.path, vars, profile.keyIdPattern);
      for (const [name, value] of Object.entries(spec.headers ?? {}))
        headers[name] = renderHeader(value, vars);
      if (spec.body !== undefined) {
        body = JSON.stringify(renderJson(spec.body, vars));
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json';
      }
    } catch (error) {
      if (error instanceof TemplateError) throw this.fail(`${op} request: ${error.message}`, false, error);
      throw error;
    }
    if (new URL(url).origin !== new URL(profile.baseUrl).origin)
      throw this.fail(`${op} request leaves the profile's origin`);
    return sendHttp(
      this.kind,
      { label: op, method: spec.method, url, headers, body, retryServerErrors },
      {
        timeoutMs: profile.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxRetries: profile.maxRetries ?? DEFAULT_MAX_RETRIES,
        sleep: this.deps.sleep,
        fetch: this.deps.fetch,
        rateLimitReset: profile.rateLimitReset,
      },
    );
  }

  private json(op: Operation, result: HttpResult): unknown {
    try {
      return JSON.parse(result.text);
    } catch {
      throw this.fail(`the ${op} response (HTTP ${result.status}) is not JSON`);
    }
  }

  async create(ctx: KeyContext): Promise<IssuedKey> {
    const { name, profile } = this.profileOf(ctx);
    const vars = await this.varsFor(ctx, profile);
    if (profile.findOrphans) await this.revokeOrphans(profile, vars);
    const spec = profile.create;
    const idempotent = spec.idempotencyHeader !== undefined;
    const headers: Record<string, string> = idempotent
      ? { [spec.idempotencyHeader!]: vars.idempotencyKey! }
      : {};
    // Without an idempotency key a 5xx may hide a created key: fail, and let the next attempt clean up first.
    const result = await this.send('create', profile, spec, vars, headers, idempotent);
    const success = spec.successStatus ?? [200, 201];
    if (!success.includes(result.status)) {
      // A vendor at its key cap refuses a create with a 4xx: say so, since the fix is at the vendor.
      const cap =
        profile.keyCap && result.status >= 400 && result.status < 500 && result.status !== 429
          ? ` (the vendor caps keys at ${profile.keyCap.keys} per ${profile.keyCap.per}: if the ${profile.keyCap.per} ` +
            `is full, delete unused keys there; the current key stays in use)`
          : '';
      throw this.fail(
        `the create request answered HTTP ${result.status}${cap}`,
        result.status === 429 || result.status >= 500,
      );
    }
    const document = this.json('create', result);
    const key = evaluateJsonPath(document, spec.keyPath);
    const id = evaluateJsonPath(document, spec.idPath);
    if (typeof key !== 'string' || key.length === 0)
      throw this.fail(`the create response has no key at ${spec.keyPath}`);
    if ((typeof id !== 'string' || id.length === 0) && typeof id !== 'number') {
      throw this.fail(`the create response has no key id at ${spec.idPath}`);
    }
    return { keyId: String(id), key, attributes: { profile: name, name: vars.newKeyName! } };
  }

  /** Keys named after this rotation that exist at the provider were never stored (else create would not run). */
  private async revokeOrphans(profile: RuntimeProfile, vars: TemplateVars): Promise<void> {
    const spec = profile.findOrphans!;
    const result = await this.send('findOrphans', profile, spec, vars);
    if (result.status !== 200)
      throw this.fail(
        `the findOrphans request answered HTTP ${result.status}`,
        result.status >= 500 || result.status === 429,
      );
    const items = evaluateJsonPath(this.json('findOrphans', result), spec.itemsPath);
    if (!Array.isArray(items)) throw this.fail(`the findOrphans response has no list at ${spec.itemsPath}`);
    for (const item of items) {
      if (evaluateJsonPath(item, spec.namePath) !== vars.newKeyName) continue;
      const id = evaluateJsonPath(item, spec.idPath);
      if (typeof id !== 'string' && typeof id !== 'number') continue;
      await this.revokeById(profile, { ...vars, keyId: String(id) });
    }
  }

  async verify(ctx: KeyContext, stored: StoredKey): Promise<Verification> {
    const { profile } = this.profileOf(ctx);
    const vars = await this.varsFor(ctx, profile, { key: stored.key, keyId: stored.keyId });
    const result = await this.send('verify', profile, profile.verify, vars);
    if ((profile.verify.acceptStatus ?? [200]).includes(result.status)) return { accepted: true };
    if ((profile.verify.refuseStatus ?? [401, 403]).includes(result.status)) {
      return { accepted: false, reason: `the API refused key ${stored.keyId} (HTTP ${result.status})` };
    }
    // Neither accepted nor refused (e.g. 500 after retries): never count it as a refusal.
    throw this.fail(
      `the verify request answered HTTP ${result.status}`,
      result.status === 429 || result.status >= 500,
    );
  }

  /** The profile's wait before a revocation is proven (slow-propagating vendors); 0 when it has none. */
  proofDelayMs(ctx: KeyContext): number {
    return this.profileOf(ctx).profile.proofWaitMs ?? 0;
  }

  async revoke(ctx: KeyContext, stored: StoredKey): Promise<void> {
    const { profile } = this.profileOf(ctx);
    await this.revokeById(profile, await this.varsFor(ctx, profile, { keyId: stored.keyId }));
  }

  private async revokeById(profile: RuntimeProfile, vars: TemplateVars): Promise<void> {
    const result = await this.send('revoke', profile, profile.revoke, vars);
    if (!(profile.revoke.successStatus ?? [200, 202, 204, 404]).includes(result.status)) {
      throw this.fail(
        `the revoke request answered HTTP ${result.status}`,
        result.status === 429 || result.status >= 500,
      );
    }
  }
}
