/**
 * The shipped presets keep their vendor's contract (SendGrid's and Datadog's API documents), played against a
 * loopback server that answers as the vendor does: which status proves a key refused, how X-RateLimit-Reset reads,
 * the proof wait, and a create refused at the vendor's key cap.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TAGS } from '../../lambdas/core/constants';
import { HttpAdminApiProvider } from '../../lambdas/providers/http-admin-api';
import { MAX_RETRY_AFTER_MS, rateLimitResetMs } from '../../lambdas/providers/http/client';
import { parseProfiles } from '../../lambdas/providers/http/profile';
import { loadPresets } from '../../lib/config/http-api';
import { managedTags } from '../helpers/keys';
import { contextFor } from './fakes/rotation';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown };
let answers: Answer[] = [];
const seen: string[] = [];
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    const answer = answers.shift() ?? { status: 200, body: {} };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answers = [];
  seen.length = 0;
  sleeps.length = 0;
});

const ADMIN_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/vendor-admin';
const sleeps: number[] = [];
const presets = loadPresets();

function providerFor(preset: 'sendgrid' | 'datadog') {
  const profile = { ...(presets[preset] as object), baseUrl, adminSecretArns: [ADMIN_ARN] };
  const profiles = parseProfiles(JSON.stringify({ [preset]: profile }), { allowInsecureLoopback: true });
  if (!profiles.ok) throw new Error(profiles.reason);
  const credential =
    preset === 'datadog' ? JSON.stringify({ apiKey: 'dd-admin', applicationKey: 'dd-app' }) : 'SG.admin';
  const provider = new HttpAdminApiProvider({
    profiles,
    credentials: { read: async () => credential },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const tags = managedTags({
    [TAGS.provider]: 'http-admin-api',
    [`${TAGS.providerSetting}profile`]: preset,
    [`${TAGS.providerSetting}admin-secret-arn`]: ADMIN_ARN,
  });
  delete tags[`${TAGS.providerSetting}key-prefix`];
  return { provider, ctx: contextFor(tags) };
}

const key = (keyId: string) => ({
  keyturn: 1 as const,
  provider: 'http-admin-api',
  keyId,
  key: 'vendor-key',
  createdAt: new Date().toISOString(),
});
const SENDGRID_ID = 'qfTQ6KG0QBiwWdJ0-pCLCA';
const DATADOG_ID = '3f5a6c1e-2b7d-4e8f-9a0b-1c2d3e4f5a6b';

describe('SendGrid refuses only on 401: a 403 is a valid key that is not allowed (or a temporary block)', () => {
  test('401 is proof the key is refused', async () => {
    const { provider, ctx } = providerFor('sendgrid');
    answers = [{ status: 401 }];
    await expect(provider.verify(ctx, key(SENDGRID_ID))).resolves.toMatchObject({ accepted: false });
  });

  test('403 is never counted as proof of revocation', async () => {
    const { provider, ctx } = providerFor('sendgrid');
    answers = [{ status: 403 }];
    await expect(provider.verify(ctx, key(SENDGRID_ID))).rejects.toMatchObject({
      name: 'ProviderError',
      message: expect.stringContaining('HTTP 403'),
    });
  });

  test('Datadog answers 403 for an invalid key on /api/v1/validate: there it is a refusal', async () => {
    const { provider, ctx } = providerFor('datadog');
    answers = [{ status: 403 }];
    await expect(provider.verify(ctx, key(DATADOG_ID))).resolves.toMatchObject({ accepted: false });
  });
});

describe('X-RateLimit-Reset is honoured per preset, capped', () => {
  test('SendGrid: a Unix time', async () => {
    const { provider, ctx } = providerFor('sendgrid');
    const reset = Math.floor(Date.now() / 1000) + 3;
    answers = [{ status: 429, headers: { 'x-ratelimit-reset': String(reset) } }, { status: 200 }];
    await expect(provider.verify(ctx, key(SENDGRID_ID))).resolves.toEqual({ accepted: true });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(1000);
    expect(sleeps[0]).toBeLessThanOrEqual(3000);
  });

  test('Datadog: seconds remaining', async () => {
    const { provider, ctx } = providerFor('datadog');
    answers = [{ status: 429, headers: { 'x-ratelimit-reset': '4' } }, { status: 200 }];
    await expect(provider.verify(ctx, key(DATADOG_ID))).resolves.toEqual({ accepted: true });
    expect(sleeps).toEqual([4000]);
  });

  test('a reset beyond the cap ends the attempt as retryable instead of waiting', async () => {
    const { provider, ctx } = providerFor('datadog');
    answers = [{ status: 429, headers: { 'x-ratelimit-reset': '3600' } }];
    await expect(provider.verify(ctx, key(DATADOG_ID))).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('retry after 3600 s'),
    });
    expect(sleeps).toEqual([]);
    expect(MAX_RETRY_AFTER_MS).toBeLessThan(3600_000);
  });

  test('the header is read as the preset says, and ignored when a profile does not say how', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(rateLimitResetMs(String(now / 1000 + 5), 'unix-seconds', now)).toBe(5000);
    expect(rateLimitResetMs('5', 'delta-seconds', now)).toBe(5000);
    expect(rateLimitResetMs('5', undefined, now)).toBeUndefined();
    expect(rateLimitResetMs('soon', 'delta-seconds', now)).toBeUndefined();
  });
});

test('each preset has its own proof wait before a revocation is proven', () => {
  expect(providerFor('datadog').provider.proofDelayMs(providerFor('datadog').ctx)).toBe(30_000);
  expect(providerFor('sendgrid').provider.proofDelayMs(providerFor('sendgrid').ctx)).toBe(10_000);
});

describe("a create refused at the vendor's key cap says so", () => {
  test.each([
    ['sendgrid', 403, '100 per account'],
    ['datadog', 400, '50 per organization'],
  ] as const)('%s answering %i names the cap', async (preset, status, cap) => {
    const { provider, ctx } = providerFor(preset);
    answers = [
      { status: 200, body: { data: [], result: [] } },
      { status, body: { errors: ['limit'] } },
    ];
    await expect(provider.create(ctx)).rejects.toMatchObject({
      name: 'ProviderError',
      retryable: false,
      message: expect.stringContaining(`caps keys at ${cap}`),
    });
  });

  test('a 500 says nothing about a cap (the guard does not fire)', async () => {
    const { provider, ctx } = providerFor('sendgrid');
    answers = [{ status: 200, body: { result: [] } }, ...Array(4).fill({ status: 500 })];
    const error = await provider.create(ctx).catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain('caps keys');
  });
});

test('Datadog key ids are UUIDs and SendGrid ids url-safe base64: the presets refuse anything else in a path', async () => {
  for (const [preset, good, bad] of [
    ['datadog', DATADOG_ID, SENDGRID_ID],
    ['sendgrid', SENDGRID_ID, '../v3/user'],
  ] as const) {
    const { provider, ctx } = providerFor(preset);
    answers = [{ status: 204 }];
    await provider.revoke(ctx, key(good));
    await expect(provider.revoke(ctx, key(bad))).rejects.toThrow(/keyId/);
  }
  expect(seen.filter((r) => r.startsWith('DELETE'))).toEqual([
    `DELETE /api/v2/api_keys/${DATADOG_ID}`,
    `DELETE /v3/api_keys/${SENDGRID_ID}`,
  ]);
});
