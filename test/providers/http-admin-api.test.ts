/**
 * The HTTP admin API provider against a real key API on 127.0.0.1: full rotations, retries (500, 429 with
 * Retry-After, timeouts), malformed answers, idempotency and orphan clean-up, and no key in any message.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerAdminCredentials } from '../../lambdas/aws/admin-credentials';
import { BOOTSTRAP_SECRET_VALUE, STAGE, TAGS } from '../../lambdas/core/constants';
import { runRotationStep } from '../../lambdas/core/rotation';
import { HttpAdminApiProvider, idempotencyKeyFor } from '../../lambdas/providers/http-admin-api';
import { retryAfterMs } from '../../lambdas/providers/http/client';
import { parseProfiles } from '../../lambdas/providers/http/profile';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { ADMIN_TOKEN, KeyApiServer, keyApiProfile } from './fakes/key-api-server';
import { contextFor, keyAt, rotateFully, rotationDeps } from './fakes/rotation';

const sm = new FakeSecretsManager();
const server = new KeyApiServer();
let adminArn = '';
let wrongArn = '';
const errors: string[] = [];
const sleeps: number[] = [];

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  sm.reset();
  server.reset();
  sleeps.length = 0;
  adminArn = sm.addSecret('platform/saas-admin', { value: ADMIN_TOKEN }).arn;
  wrongArn = sm.addSecret('platform/wrong', { value: 'nope' }).arn;
});

function tags(profile = 'key-api') {
  const t = managedTags({
    [TAGS.provider]: 'http-admin-api',
    [`${TAGS.providerSetting}profile`]: profile,
    [`${TAGS.providerSetting}admin-secret-arn`]: adminArn,
  });
  delete t[`${TAGS.providerSetting}key-prefix`];
  return t;
}

function provider(overrides: Record<string, unknown> = {}) {
  const profiles = parseProfiles(
    JSON.stringify({
      'key-api': keyApiProfile(server.baseUrl, { adminSecretArns: [adminArn, wrongArn], ...overrides }),
    }),
    { allowInsecureLoopback: true },
  );
  if (!profiles.ok) throw new Error(profiles.reason);
  return new HttpAdminApiProvider({
    profiles,
    credentials: new SecretsManagerAdminCredentials(new SecretsManagerClient({ region: 'eu-west-1' })),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

const managedSecret = () =>
  sm.addSecret('keyturn/prod/saas', { value: BOOTSTRAP_SECRET_VALUE, tags: tags() });
async function expectFailure(promise: Promise<unknown>, match: Record<string, unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error).toMatchObject(match);
  errors.push(`${error!.name} ${error!.message} ${String(error!.cause ?? '')}`);
}

test('a full rotation through the four steps: the new key works at the API; after revoke the old one is refused', async () => {
  const p = provider();
  const deps = rotationDeps([p], sm);
  const s = managedSecret();
  await rotateFully(deps, sm, s.arn);
  const first = keyAt(sm, s.arn);
  expect(server.accepts(first.key)).toBe(true);
  await rotateFully(deps, sm, s.arn);
  const second = keyAt(sm, s.arn);
  expect(keyAt(sm, s.arn, STAGE.previous).keyId).toBe(first.keyId);
  const ctx = contextFor(tags());
  await p.revoke(ctx, first);
  expect(server.accepts(first.key)).toBe(false);
  expect(server.accepts(second.key)).toBe(true);
  await expect(p.verify(ctx, first)).resolves.toMatchObject({
    accepted: false,
    reason: expect.stringContaining('HTTP 401'),
  });
  await expect(p.verify(ctx, second)).resolves.toEqual({ accepted: true });
  await expect(p.revoke(ctx, first)).resolves.toBeUndefined(); // 404: already revoked
  // The key went to the verify endpoint only; the admin credential never did.
  for (const r of server.requests) {
    const headerValues = JSON.stringify(r.headers) + r.path + r.body;
    if (!r.path.startsWith('/v1/whoami')) expect(headerValues).not.toContain(first.key);
    if (r.path.startsWith('/v1/whoami')) expect(headerValues).not.toContain(ADMIN_TOKEN);
  }
  // The admin credential was read once for all steps (cached).
  expect(sm.callCount('GetSecretValue')).toBeGreaterThan(0);
});

test('create carries an idempotency key derived from the token: a retry after a lost store gets the same key', async () => {
  const p = provider();
  const deps = rotationDeps([p], sm);
  const s = managedSecret();
  const token = sm.beginRotation(s.arn);
  sm.faults.push({ command: 'PutSecretValue', when: 'before', error: throttling() });
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token }),
  ).rejects.toThrow();
  await runRotationStep(deps, { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token });
  const posts = server.requests.filter((r) => r.method === 'POST');
  expect(posts).toHaveLength(2);
  const expected = idempotencyKeyFor({ ...contextFor(tags(), token), secretId: s.arn });
  expect(posts.map((r) => r.headers['idempotency-key'])).toEqual([expected, expected]);
  expect(idempotencyKeyFor({ ...contextFor(tags(), 'another-token'), secretId: s.arn })).not.toBe(expected);
  expect(server.keys.size).toBe(1);
  expect(keyAt(sm, s.arn, STAGE.pending).keyId).toBe([...server.keys.keys()][0]);
});

test('500 then success: retried (idempotent create) and one key results', async () => {
  server.inject('POST /v1/keys', { kind: 'status', status: 500 });
  const issued = await provider().create(contextFor(tags()));
  expect(server.keys.size).toBe(1);
  expect(sleeps).toHaveLength(1);
  expect(server.accepts(issued.key)).toBe(true);
});

test('429 with Retry-After is honoured; a Retry-After beyond the cap ends the attempt as retryable', async () => {
  server.inject('POST /v1/keys', { kind: 'status', status: 429, retryAfter: '2' });
  await provider().create(contextFor(tags()));
  expect(sleeps).toEqual([2000]);
  server.inject('GET /v1/whoami', { kind: 'status', status: 429, retryAfter: '3600' });
  await expectFailure(provider().verify(contextFor(tags()), keyAt2()), {
    name: 'ProviderError',
    retryable: true,
    message: expect.stringContaining('retry after 3600 s'),
  });
  expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'))).toBe(
    2000,
  );
  expect(retryAfterMs('soon')).toBeUndefined();
});

function keyAt2() {
  const [key] = server.keys.values();
  return {
    keyturn: 1 as const,
    provider: 'http-admin-api',
    keyId: key.id,
    key: key.secret,
    createdAt: new Date().toISOString(),
  };
}

test('a response slower than the timeout is abandoned and retried; always slow ends in a timeout error', async () => {
  await provider().create(contextFor(tags()));
  server.inject('GET /v1/whoami', { kind: 'slow', ms: 1500 });
  await expect(provider().verify(contextFor(tags()), keyAt2())).resolves.toEqual({ accepted: true });
  expect(sleeps.length).toBeGreaterThanOrEqual(1);
  server.inject(
    'GET /v1/whoami',
    { kind: 'slow', ms: 1500 },
    { kind: 'slow', ms: 1500 },
    { kind: 'slow', ms: 1500 },
  );
  await expectFailure(provider().verify(contextFor(tags()), keyAt2()), {
    name: 'ProviderError',
    retryable: true,
    message: expect.stringMatching(/verify request to http:\/\/127\.0\.0\.1:\d+ timed out after 300 ms/),
  });
});

test('non-JSON create response: clear error, nothing stored; the next attempt revokes the orphan first', async () => {
  const p = provider();
  const deps = rotationDeps([p], sm);
  const s = managedSecret();
  const token = sm.beginRotation(s.arn);
  server.inject('POST /v1/keys', { kind: 'non-json' });
  await expectFailure(
    runRotationStep(deps, { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token }),
    {
      name: 'ProviderError',
      message: expect.stringContaining('is not JSON'),
    },
  );
  expect(sm.valueAt(s.arn, STAGE.pending)).toBeUndefined();
  expect(server.keys.size).toBe(1);
  // Without the idempotency header the retry creates a new key: findOrphans revokes the first one before.
  const noIdem = provider({ create: { ...keyApiProfile('').create, idempotencyHeader: undefined } });
  await runRotationStep(rotationDeps([noIdem], sm), {
    Step: 'createSecret',
    SecretId: s.arn,
    ClientRequestToken: token,
  });
  const active = [...server.keys.values()].filter((k) => k.active);
  expect(active).toHaveLength(1);
  expect(keyAt(sm, s.arn, STAGE.pending).keyId).toBe(active[0].id);
});

test('JSON without the key field: clear error naming the JSON path, nothing stored', async () => {
  const deps = rotationDeps([provider()], sm);
  const s = managedSecret();
  const token = sm.beginRotation(s.arn);
  server.inject('POST /v1/keys', { kind: 'missing-key' });
  await expectFailure(
    runRotationStep(deps, { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token }),
    {
      name: 'ProviderError',
      retryable: false,
      message: expect.stringContaining('no key at $.data.secret'),
    },
  );
  expect(sm.valueAt(s.arn, STAGE.pending)).toBeUndefined();
});

test('without an idempotency key a 500 on create is not retried blindly; the next attempt cleans up the orphan', async () => {
  const create = { ...keyApiProfile('').create, idempotencyHeader: undefined };
  const p = provider({ create });
  server.inject('POST /v1/keys', { kind: 'create-then-500' });
  await expectFailure(p.create(contextFor(tags())), {
    name: 'ProviderError',
    retryable: true,
    message: expect.stringContaining('HTTP 500'),
  });
  expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  const issued = await p.create(contextFor(tags()));
  const active = [...server.keys.values()].filter((k) => k.active);
  expect(active.map((k) => k.id)).toEqual([issued.keyId]);
});

test('a 500 from verify after retries is an error, never a refusal (a revocation cannot be proven by an outage)', async () => {
  await provider().create(contextFor(tags()));
  server.inject('GET /v1/whoami', ...Array(3).fill({ kind: 'status', status: 503 }));
  await expectFailure(provider().verify(contextFor(tags()), keyAt2()), {
    name: 'ProviderError',
    message: expect.stringContaining('HTTP 503'),
  });
});

test('a wrong admin credential is a non-retryable error; a missing profile or secret tag too', async () => {
  const t = tags();
  t[`${TAGS.providerSetting}admin-secret-arn`] = wrongArn;
  await expectFailure(provider().create(contextFor(t)), {
    name: 'ProviderError',
    retryable: false,
    message: expect.stringContaining('HTTP 401'),
  });
  await expectFailure(provider().create(contextFor(tags('unknown'))), {
    message: expect.stringContaining('profile "unknown"'),
  });
  const noSecret = tags();
  delete noSecret[`${TAGS.providerSetting}admin-secret-arn`];
  await expectFailure(provider().create(contextFor(noSecret)), {
    message: expect.stringContaining('admin-secret-arn'),
  });
});

test('profiles: https only, unless the test-only loopback option allows http://127.0.0.1', () => {
  const profile = (baseUrl: string) =>
    JSON.stringify({ p: keyApiProfile(baseUrl, { adminSecretArns: [adminArn] }) });
  expect(parseProfiles(profile('https://api.example.com'))).toMatchObject({ ok: true });
  expect(parseProfiles(profile('http://api.example.com'), { allowInsecureLoopback: true })).toMatchObject({
    ok: false,
  });
  expect(parseProfiles(profile('http://127.0.0.1:8080'))).toMatchObject({ ok: false });
  expect(parseProfiles(profile('http://127.0.0.1:8080'), { allowInsecureLoopback: true })).toMatchObject({
    ok: true,
  });
  expect(parseProfiles('{not json')).toEqual({ ok: false, reason: 'the HTTP API profiles are not JSON' });
  expect(
    parseProfiles(
      JSON.stringify({
        p: {
          ...keyApiProfile('https://a.example', { adminSecretArns: [adminArn] }),
          create: { ...keyApiProfile('').create, keyPath: 'data.key' },
        },
      }),
    ),
  ).toMatchObject({
    ok: false,
    reason: expect.stringContaining('p.create.keyPath'),
  });
  expect(parseProfiles(undefined)).toMatchObject({ ok: true });
});

test('no issued key and no admin credential appears in any error message above', () => {
  expect(errors.length).toBeGreaterThanOrEqual(8);
  const haystack = errors.join('\n');
  expect(haystack).not.toContain(ADMIN_TOKEN);
  expect(haystack).not.toMatch(/sk_[0-9a-f]{8}/);
});
