/**
 * The HTTP admin API provider's rules (lambdas/providers/http-admin-api.ts) against a scripted fetch: which
 * profile and credential a key may use (refused before anything is read or sent), how each request is built (the
 * origin, headers, JSON body, idempotency key), which answers count as success, refusal or failure and which
 * failures are retryable, how a create answer is read, and that orphans of the same rotation are revoked first.
 */
import { ProviderError } from '../../lambdas/core/errors';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import { TAGS } from '../../lambdas/core/constants';
import {
  DEFAULT_KEY_NAME_TEMPLATE,
  HTTP_VERIFY_RETRY,
  HttpAdminApiProvider,
  idempotencyKeyFor,
} from '../../lambdas/providers/http-admin-api';
import { parseProfiles, type ProfilesOutcome } from '../../lambdas/providers/http/profile';
import { managedTags } from '../helpers/keys';

const ADMIN_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/admin-AbCdEf';
const OTHER_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/other-AbCdEf';
const BASE = 'https://api.example.com/v1/';

const PROFILE = {
  baseUrl: BASE,
  adminSecretArns: [ADMIN_ARN],
  create: {
    method: 'POST',
    path: '/keys',
    headers: { authorization: 'Bearer {{admin}}' },
    body: { name: '{{newKeyName}}', scopes: ['read'] },
    keyPath: '$.data.key',
    idPath: '$.data.id',
  },
  verify: { method: 'GET', path: '/whoami', headers: { 'x-api-key': '{{key}}' } },
  revoke: { method: 'DELETE', path: '/keys/{{keyId}}', headers: { authorization: 'Bearer {{admin}}' } },
};

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}
type Answer = { status: number; body?: string; headers?: Record<string, string> };

function world(overrides: Record<string, unknown> = {}, profiles?: ProfilesOutcome) {
  const sent: Sent[] = [];
  const answers: Answer[] = [];
  const reads: string[] = [];
  let credential = 'admin-token';
  let credentialFailure: Error | undefined;
  const outcome = profiles ?? parseProfiles(JSON.stringify({ saas: { ...PROFILE, ...overrides } }), {});
  if (!outcome.ok && !profiles) throw new Error(outcome.reason);
  const provider = new HttpAdminApiProvider({
    profiles: outcome,
    credentials: {
      read: async (arn) => {
        reads.push(arn);
        if (credentialFailure) throw credentialFailure;
        return credential;
      },
    },
    sleep: async () => undefined,
    fetch: (async (url: string, init: RequestInit) => {
      sent.push({
        method: String(init.method),
        url: String(url),
        headers: init.headers as Record<string, string>,
        ...(init.body === undefined ? {} : { body: String(init.body) }),
      });
      const answer = answers.shift() ?? { status: 200, body: '{}' };
      // Status 0: the connection fails.
      if (answer.status === 0) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TypeError' });
      return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
    }) as typeof fetch,
  });
  return {
    provider,
    sent,
    reads,
    answer: (...a: Answer[]) => answers.push(...a),
    setCredential: (c: string) => (credential = c),
    failCredential: (e: Error) => (credentialFailure = e),
  };
}

function context(settings: Record<string, string | undefined> = {}): KeyContext {
  const outcome = readKeyPolicy(managedTags({ [TAGS.provider]: 'http-admin-api' }));
  if (!outcome.ok) throw new Error(outcome.reason);
  const providerSettings: Record<string, string> = { profile: 'saas', 'admin-secret-arn': ADMIN_ARN };
  for (const [k, v] of Object.entries(settings)) {
    if (v === undefined) delete providerSettings[k];
    else providerSettings[k] = v;
  }
  return {
    secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/saas-AbCdEf',
    secretName: 'keyturn/prod/saas',
    token: 'tok-1',
    policy: { ...outcome.policy, providerSettings },
  };
}
const stored = (keyId: string, key = 'the-key') => ({
  keyturn: 1 as const,
  provider: 'http-admin-api',
  keyId,
  key,
  createdAt: '2026-12-01T10:00:00.000Z',
});
const created = (id: unknown = 'id-1', key: unknown = 'new-key') => ({
  status: 201,
  body: JSON.stringify({ data: { id, key } }),
});
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('rule: a key uses only its own profile and the admin credential bound to it', () => {
  test('profiles that did not parse refuse every key with their reason', async () => {
    const w = world({}, { ok: false, reason: 'invalid HTTP API profiles at saas.create' });
    const error = await failure(w.provider.create(context()));
    expect(error.message).toBe('http-admin-api: invalid HTTP API profiles at saas.create');
    expect(error.retryable).toBe(false);
    expect(w.sent).toEqual([]);
  });

  test('no profile tag, or a profile not deployed, is refused naming it; nothing read or sent', async () => {
    const w = world();
    expect((await failure(w.provider.create(context({ profile: undefined })))).message).toBe(
      'http-admin-api: profile "" is not among this function\'s HTTP API profiles (tag keyturn:provider:profile)',
    );
    expect((await failure(w.provider.verify(context({ profile: 'other' }), stored('id-1')))).message).toBe(
      'http-admin-api: profile "other" is not among this function\'s HTTP API profiles (tag keyturn:provider:profile)',
    );
    expect(w.reads).toEqual([]);
    expect(w.sent).toEqual([]);
  });

  test('no admin secret tag, or one not bound to the profile, is refused before the secret is read', async () => {
    const w = world();
    expect((await failure(w.provider.create(context({ 'admin-secret-arn': undefined })))).message).toBe(
      'http-admin-api: tag keyturn:provider:admin-secret-arn is missing',
    );
    const unbound = await failure(
      w.provider.revoke(context({ 'admin-secret-arn': OTHER_ARN }), stored('id-1')),
    );
    expect(unbound.message).toMatch(
      /^http-admin-api: the admin credential secret is not bound to this profile/,
    );
    expect(unbound.message).toMatch(/refused before reading it$/);
    expect(unbound.retryable).toBe(false);
    expect(w.reads).toEqual([]);
    expect(w.sent).toEqual([]);
  });

  test('a credential that cannot be read is a retryable failure naming the error, not the secret', async () => {
    const w = world();
    w.failCredential(
      Object.assign(new Error('AccessDenied: secret value xyz'), { name: 'AccessDeniedException' }),
    );
    const error = await failure(w.provider.create(context()));
    expect(error.message).toBe(
      'http-admin-api: cannot read the admin credential secret (AccessDeniedException)',
    );
    expect(error.retryable).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
  });

  test('a JSON credential offers its string fields as {{admin.<field>}}; a plain one only {{admin}}', async () => {
    const w = world({
      revoke: { ...PROFILE.revoke, headers: { 'x-user': '{{admin.user}}', 'x-key': '{{admin.key}}' } },
    });
    w.setCredential(JSON.stringify({ user: 'ops', key: 'k-1', port: 8443 }));
    w.answer({ status: 204 });
    await w.provider.revoke(context(), stored('id-1'));
    expect(w.sent[0].headers).toMatchObject({ 'x-user': 'ops', 'x-key': 'k-1' });
    const portless = world({ revoke: { ...PROFILE.revoke, headers: { 'x-port': '{{admin.port}}' } } });
    portless.setCredential(JSON.stringify({ port: 8443 }));
    expect((await failure(portless.provider.revoke(context(), stored('id-1')))).message).toBe(
      'http-admin-api: revoke request: the template uses {{admin.port}}, which has no value here',
    );
    for (const plain of ['["user"]', 'null', 'plain-token', '"a JSON string"', '42']) {
      const p = world({ revoke: { ...PROFILE.revoke, headers: { 'x-user': '{{admin.0}}' } } });
      p.setCredential(plain);
      expect((await failure(p.provider.revoke(context(), stored('id-1')))).message).toMatch(
        /\{\{admin\.0\}\}/,
      );
    }
  });
});

describe('rule: each request goes to the profile origin, with its headers and a JSON body', () => {
  test('create: base URL without its trailing slash + path, JSON accept and content type, rendered body', async () => {
    const w = world();
    w.answer(created());
    await w.provider.create(context());
    expect(w.sent).toEqual([
      {
        method: 'POST',
        url: 'https://api.example.com/v1/keys',
        headers: {
          accept: 'application/json',
          authorization: 'Bearer admin-token',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'keyturn-billing-api-prod-tok-1', scopes: ['read'] }),
      },
    ]);
  });

  test("a profile's own content type is kept, whatever its case", async () => {
    const w = world({
      create: { ...PROFILE.create, headers: { 'Content-Type': 'application/vnd.api+json' } },
    });
    w.answer(created());
    await w.provider.create(context());
    expect(w.sent[0].headers).toEqual({
      accept: 'application/json',
      'Content-Type': 'application/vnd.api+json',
    });
  });

  test('a request without a body sends none and no content type', async () => {
    const w = world();
    w.answer({ status: 200 });
    await w.provider.verify(context(), stored('id-1', 'k'));
    expect(w.sent[0]).toEqual({
      method: 'GET',
      url: 'https://api.example.com/v1/whoami',
      headers: { accept: 'application/json', 'x-api-key': 'k' },
    });
  });

  test('the key name follows the profile template, else keyturn-<key>-<environment>-<token>', async () => {
    expect(DEFAULT_KEY_NAME_TEMPLATE).toBe('keyturn-{{keyName}}-{{environment}}-{{token}}');
    const w = world({ keyNameTemplate: 'kt/{{environment}}/{{keyName}}' });
    w.answer(created());
    const issued = await w.provider.create(context());
    expect(JSON.parse(w.sent[0].body!)).toEqual({ name: 'kt/prod/billing-api', scopes: ['read'] });
    expect(issued.attributes).toEqual({ profile: 'saas', name: 'kt/prod/billing-api' });
  });

  test('a template error is a non-retryable failure of that request, naming the placeholder', async () => {
    const w = world({ verify: { ...PROFILE.verify, path: '/keys/{{nothing}}' } });
    const error = await failure(w.provider.verify(context(), stored('id-1')));
    expect(error.message).toBe(
      'http-admin-api: verify request: the template uses {{nothing}}, which has no value here',
    );
    expect(error.retryable).toBe(false);
    expect(w.sent).toEqual([]);
  });

  test('the idempotency key is stable per secret and rotation, and differs for another of either', () => {
    const a = context();
    expect(idempotencyKeyFor(a)).toMatch(/^keyturn-[0-9a-f]{32}$/);
    expect(idempotencyKeyFor({ ...a })).toBe(idempotencyKeyFor(a));
    expect(idempotencyKeyFor({ ...a, token: 'tok-2' })).not.toBe(idempotencyKeyFor(a));
    expect(idempotencyKeyFor({ ...a, secretId: `${a.secretId}x` })).not.toBe(idempotencyKeyFor(a));
    // The separator keeps "ab" + "c" apart from "a" + "bc".
    expect(idempotencyKeyFor({ ...a, secretId: 'ab', token: 'c' })).not.toBe(
      idempotencyKeyFor({ ...a, secretId: 'a', token: 'bc' }),
    );
  });
});

describe('rule: create reads its answer strictly, and says which failures a retry may fix', () => {
  test('with an idempotency header, create carries the key and a 500 is retried', async () => {
    const w = world({ create: { ...PROFILE.create, idempotencyHeader: 'Idempotency-Key' } });
    w.answer({ status: 500 }, created());
    const issued = await w.provider.create(context());
    expect(w.sent).toHaveLength(2);
    expect(w.sent[0].headers['Idempotency-Key']).toBe(idempotencyKeyFor(context()));
    expect(issued).toEqual({
      keyId: 'id-1',
      key: 'new-key',
      attributes: { profile: 'saas', name: 'keyturn-billing-api-prod-tok-1' },
    });
  });

  test('without one, a 500 is not retried blindly: a retryable failure after one request', async () => {
    const w = world();
    w.answer({ status: 503 });
    const error = await failure(w.provider.create(context()));
    expect(w.sent).toHaveLength(1);
    expect(error.message).toBe('http-admin-api: the create request answered HTTP 503');
    expect(error.retryable).toBe(true);
    expect(Object.keys(w.sent[0].headers)).not.toContain('Idempotency-Key');
  });

  test('200 and 201 succeed by default; a profile may name its own success statuses', async () => {
    const w = world();
    w.answer({ ...created(), status: 200 });
    await expect(w.provider.create(context())).resolves.toMatchObject({ keyId: 'id-1' });
    w.answer({ ...created(), status: 202 });
    expect((await failure(w.provider.create(context()))).message).toBe(
      'http-admin-api: the create request answered HTTP 202',
    );
    const own = world({ create: { ...PROFILE.create, successStatus: [202] } });
    own.answer({ ...created(), status: 202 });
    await expect(own.provider.create(context())).resolves.toMatchObject({ keyId: 'id-1' });
  });

  test('a refusal at a key cap says so for a 4xx other than 429, and is not retryable', async () => {
    const cap = { keyCap: { keys: 100, per: 'organization' } };
    for (const status of [400, 403, 499]) {
      const w = world(cap);
      w.answer({ status });
      const error = await failure(w.provider.create(context()));
      expect(error.message).toBe(
        `http-admin-api: the create request answered HTTP ${status} (the vendor caps keys at 100 per organization: ` +
          'if the organization is full, delete unused keys there; the current key stays in use)',
      );
      expect(error.retryable).toBe(false);
    }
    for (const status of [429, 500, 302]) {
      const w = world({ ...cap, maxRetries: 0 });
      w.answer({ status });
      const error = await failure(w.provider.create(context()));
      expect(error.message).toBe(`http-admin-api: the create request answered HTTP ${status}`);
      expect(error.retryable).toBe(status !== 302);
    }
    const uncapped = world();
    uncapped.answer({ status: 403 });
    expect((await failure(uncapped.provider.create(context()))).message).toBe(
      'http-admin-api: the create request answered HTTP 403',
    );
  });

  test('an answer that is not JSON, has no key or no id is refused, naming the path, never the body', async () => {
    const cases: Array<[Answer, string]> = [
      [{ status: 201, body: 'key=secret-value' }, 'the create response (HTTP 201) is not JSON'],
      [created('id-1', ''), 'the create response has no key at $.data.key'],
      [created('id-1', 42), 'the create response has no key at $.data.key'],
      [created(''), 'the create response has no key id at $.data.id'],
      [created(null), 'the create response has no key id at $.data.id'],
      [created({ id: 1 }), 'the create response has no key id at $.data.id'],
    ];
    for (const [answer, message] of cases) {
      const w = world();
      w.answer(answer);
      const error = await failure(w.provider.create(context()));
      expect(error.message).toBe(`http-admin-api: ${message}`);
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain('secret-value');
    }
  });

  test('a failed connection names the request it failed, create and findOrphans alike', async () => {
    const w = world({ maxRetries: 0 });
    w.answer({ status: 0 });
    expect((await failure(w.provider.create(context()))).message).toBe(
      'http-admin-api: the create request to https://api.example.com failed (TypeError)',
    );
    const o = world({
      maxRetries: 0,
      findOrphans: { method: 'GET', path: '/keys', itemsPath: '$.items', namePath: '$.name', idPath: '$.id' },
    });
    o.answer({ status: 0 });
    expect((await failure(o.provider.create(context()))).message).toBe(
      'http-admin-api: the findOrphans request to https://api.example.com failed (TypeError)',
    );
  });

  test('a numeric key id is kept as its string', async () => {
    const w = world();
    w.answer(created(12345));
    await expect(w.provider.create(context())).resolves.toMatchObject({ keyId: '12345', key: 'new-key' });
  });
});

describe('rule: orphans of the same rotation are revoked before a new key is created', () => {
  const orphans = {
    findOrphans: {
      method: 'GET',
      path: '/keys',
      headers: { authorization: 'Bearer {{admin}}' },
      itemsPath: '$.items',
      namePath: '$.name',
      idPath: '$.id',
    },
  };
  const listing = (items: unknown) => ({ status: 200, body: JSON.stringify({ items }) });

  test('only keys named after this rotation, with an id, are revoked; then the key is created', async () => {
    const w = world(orphans);
    const name = 'keyturn-billing-api-prod-tok-1';
    w.answer(
      listing([
        { name, id: 'orphan-1' },
        { name: 'keyturn-billing-api-prod-tok-0', id: 'older' },
        { name, id: 7 },
        { name, id: { nested: true } },
        { name },
      ]),
      { status: 204 },
      { status: 404 },
      created(),
    );
    await w.provider.create(context());
    expect(w.sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET https://api.example.com/v1/keys',
      'DELETE https://api.example.com/v1/keys/orphan-1',
      'DELETE https://api.example.com/v1/keys/7',
      'POST https://api.example.com/v1/keys',
    ]);
  });

  test('a listing that fails or has no list stops the create, retryable only for 429 and 5xx', async () => {
    const cases: Array<[Answer, string, boolean]> = [
      [{ status: 403 }, 'the findOrphans request answered HTTP 403', false],
      [{ status: 201, body: '{"items":[]}' }, 'the findOrphans request answered HTTP 201', false],
      [{ status: 500 }, 'the findOrphans request answered HTTP 500', true],
      [{ status: 429 }, 'the findOrphans request answered HTTP 429', true],
      [{ status: 200, body: '<html>' }, 'the findOrphans response (HTTP 200) is not JSON', false],
      [{ status: 200, body: '{"items":{"a":1}}' }, 'the findOrphans response has no list at $.items', false],
    ];
    for (const [answer, message, retryable] of cases) {
      const w = world({ ...orphans, maxRetries: 0 });
      w.answer(answer);
      const error = await failure(w.provider.create(context()));
      expect(error.message).toBe(`http-admin-api: ${message}`);
      expect(error.retryable).toBe(retryable);
      expect(w.sent.some((s) => s.method === 'POST')).toBe(false);
    }
  });
});

describe('rule: verify tells accepted from refused, and an outage is never a refusal', () => {
  test('200 accepts and 401/403 refuse by default; anything else is an error', async () => {
    const w = world({ maxRetries: 0 });
    w.answer(
      { status: 200 },
      { status: 401 },
      { status: 403 },
      { status: 404 },
      { status: 500 },
      { status: 429 },
    );
    await expect(w.provider.verify(context(), stored('id-1'))).resolves.toEqual({ accepted: true });
    await expect(w.provider.verify(context(), stored('id-1'))).resolves.toEqual({
      accepted: false,
      reason: 'the API refused key id-1 (HTTP 401)',
    });
    await expect(w.provider.verify(context(), stored('id-1'))).resolves.toMatchObject({ accepted: false });
    for (const [status, retryable] of [
      [404, false],
      [500, true],
      [429, true],
    ] as const) {
      const error = await failure(w.provider.verify(context(), stored('id-1')));
      expect(error.message).toBe(`http-admin-api: the verify request answered HTTP ${status}`);
      expect(error.retryable).toBe(retryable);
    }
  });

  test("a profile's own accept and refuse statuses replace the defaults", async () => {
    const w = world({ verify: { ...PROFILE.verify, acceptStatus: [204], refuseStatus: [404] } });
    w.answer({ status: 204 }, { status: 404 }, { status: 200 });
    await expect(w.provider.verify(context(), stored('id-1'))).resolves.toEqual({ accepted: true });
    await expect(w.provider.verify(context(), stored('id-1'))).resolves.toEqual({
      accepted: false,
      reason: 'the API refused key id-1 (HTTP 404)',
    });
    expect((await failure(w.provider.verify(context(), stored('id-1')))).message).toBe(
      'http-admin-api: the verify request answered HTTP 200',
    );
  });

  test('a new key gets about 7 s to reach every node; a slow vendor gets its proof wait', () => {
    expect(HTTP_VERIFY_RETRY).toEqual({ attempts: 4, baseDelayMs: 500, maxDelayMs: 4000 });
    const w = world();
    expect(w.provider.verifyRetry).toBe(HTTP_VERIFY_RETRY);
    expect(w.provider.createHasSideEffects).toBe(true);
    expect(w.provider.proofDelayMs(context())).toBe(0);
    expect(world({ proofWaitMs: 30000 }).provider.proofDelayMs(context())).toBe(30000);
  });
});

describe('rule: revoke succeeds on 200, 202, 204 and 404 (already gone); anything else is an error', () => {
  test.each([200, 202, 204, 404])('HTTP %i revokes', async (status) => {
    const w = world();
    w.answer({ status });
    await expect(w.provider.revoke(context(), stored('id-1'))).resolves.toBeUndefined();
    expect(w.sent[0]).toMatchObject({ method: 'DELETE', url: 'https://api.example.com/v1/keys/id-1' });
  });

  test.each([
    [403, false],
    [409, false],
    [429, true],
    [500, true],
  ])('HTTP %i is an error (retryable: %s)', async (status, retryable) => {
    const w = world({ maxRetries: 0 });
    w.answer({ status });
    const error = await failure(w.provider.revoke(context(), stored('id-1')));
    expect(error.message).toBe(`http-admin-api: the revoke request answered HTTP ${status}`);
    expect(error.retryable).toBe(retryable);
  });

  test("a profile's own success statuses replace the defaults", async () => {
    const w = world({ revoke: { ...PROFILE.revoke, successStatus: [200] } });
    w.answer({ status: 404 });
    expect((await failure(w.provider.revoke(context(), stored('id-1')))).message).toBe(
      'http-admin-api: the revoke request answered HTTP 404',
    );
  });
});
