/**
 * HTTP admin API hardening, each defence played by an attacker against a real loopback HTTP server: an admin
 * credential bound to its profile and server, path placeholders that cannot leave their segment, bodies read against
 * a byte cap with bounded memory (300 MB, a gzip bomb), redaction of every long high-entropy token, and a linear
 * placeholder regex.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerAdminCredentials } from '../../lambdas/aws/admin-credentials';
import { TAGS } from '../../lambdas/core/constants';
import { redactCredentials } from '../../lambdas/core/leak/redact';
import { HttpAdminApiProvider } from '../../lambdas/providers/http-admin-api';
import { MAX_RESPONSE_BYTES, sendHttp } from '../../lambdas/providers/http/client';
import { parseProfiles } from '../../lambdas/providers/http/profile';
import { render, renderPath, TemplateError } from '../../lambdas/providers/http/template';
import { placeholdersOf } from '../../lib/config/http-api';
import { parseConfig } from '../../lib/config/load';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { ADMIN_TOKEN, KeyApiServer, keyApiProfile } from './fakes/key-api-server';
import { contextFor } from './fakes/rotation';
import base from '../../docs/examples/providers.config.json';

/** A loopback server whose handler the test sets; counts the body bytes it managed to write. */
class ScriptedServer {
  private server?: Server;
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end();
  sent = 0;
  requests: string[] = [];
  get baseUrl() {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }
  async start() {
    this.server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      this.handler(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }
  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
  /** Write `chunk` until `total` bytes or the client goes away. */
  stream(res: NodeJS.WritableStream, chunk: Buffer, total: number, onEnd: () => void = () => res.end()) {
    const write = () => {
      while (this.sent < total) {
        this.sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      onEnd();
    };
    res.on('error', () => undefined);
    write();
  }
}

const sm = new FakeSecretsManager();
const keys = new KeyApiServer();
const other = new ScriptedServer();
let adminArn = '';
let otherAdminArn = '';

beforeAll(async () => {
  await keys.start();
  await other.start();
});
afterAll(async () => {
  await keys.stop();
  await other.stop();
});
beforeEach(() => {
  sm.reset();
  keys.reset();
  other.sent = 0;
  other.requests = [];
  adminArn = sm.addSecret('platform/key-api-admin', { value: ADMIN_TOKEN }).arn;
  otherAdminArn = sm.addSecret('platform/other-admin', { value: 'other-admin-token' }).arn;
});

function tags(profile: string, arn: string) {
  const t = managedTags({
    [TAGS.provider]: 'http-admin-api',
    [`${TAGS.providerSetting}profile`]: profile,
    [`${TAGS.providerSetting}admin-secret-arn`]: arn,
  });
  delete t[`${TAGS.providerSetting}key-prefix`];
  return t;
}

function twoProfiles(overrides: Record<string, unknown> = {}) {
  const profiles = parseProfiles(
    JSON.stringify({
      'key-api': keyApiProfile(keys.baseUrl, { adminSecretArns: [adminArn], ...overrides }),
      other: keyApiProfile(other.baseUrl, { adminSecretArns: [otherAdminArn] }),
    }),
    { allowInsecureLoopback: true },
  );
  if (!profiles.ok) throw new Error(profiles.reason);
  return new HttpAdminApiProvider({
    profiles,
    credentials: new SecretsManagerAdminCredentials(new SecretsManagerClient({ region: 'eu-west-1' })),
    sleep: async () => undefined,
  });
}

const stored = (keyId: string) => ({
  keyturn: 1 as const,
  provider: 'http-admin-api',
  keyId,
  key: 'sk_irrelevant',
  createdAt: new Date().toISOString(),
});

describe('an admin credential is bound to its profile and its server', () => {
  test("attack: a key naming profile B with profile A's admin secret is refused before the secret is read or B is called", async () => {
    const provider = twoProfiles();
    const ctx = contextFor(tags('other', adminArn));
    for (const call of [provider.create(ctx), provider.revoke(ctx, stored('key_1'))]) {
      await expect(call).rejects.toMatchObject({
        name: 'ProviderError',
        message: expect.stringContaining('not bound to this profile'),
      });
    }
    expect(sm.callCount('GetSecretValue')).toBe(0);
    expect(other.requests).toEqual([]);
  });

  test('the bound secret goes to its own server (the guard does not fire)', async () => {
    const provider = twoProfiles();
    const issued = await provider.create(contextFor(tags('key-api', adminArn)));
    expect(keys.accepts(issued.key)).toBe(true);
    expect(other.requests).toEqual([]);
  });

  test('synth binds each profile to the admin secrets of its keys, and refuses one secret used against two servers', () => {
    const config = parseConfig(base);
    const mail = config.keys.find((k) => k.name === 'mail')!;
    expect(mail.provider.kind === 'http-admin-api' && mail.provider.definition?.adminSecretArns).toEqual([
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin',
    ]);
    const shared = structuredClone(base);
    const saas = shared.keys.find((k) => k.name === 'saas-key')!;
    (saas.provider as { adminSecretArn: string }).adminSecretArn =
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin';
    expect(() => parseConfig(shared)).toThrow(
      /keys\[3\] \("saas-key"\)\.provider\.adminSecretArn: admin secret .*sendgrid-admin is used with profile "my-saas" \(https:\/\/api\.example\.com\) and profile "sendgrid"/,
    );
  });
});

describe('path placeholders stay in their segment', () => {
  test.each(['..', '.', 'a/../../admin', 'a\\..', '%2e%2e', 'key 1', 'key_1;drop'])(
    'attack: a stored key id %p never reaches the server',
    async (keyId) => {
      const provider = twoProfiles();
      await expect(
        provider.revoke(contextFor(tags('key-api', adminArn)), stored(keyId)),
      ).rejects.toMatchObject({
        name: 'ProviderError',
        message: expect.stringMatching(/revoke request: \{\{keyId\}\} (is a dot segment|does not match)/),
      });
      expect(keys.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    },
  );

  test("a key id outside the profile's own pattern is refused; one inside it is sent", async () => {
    const provider = twoProfiles({ keyIdPattern: '^[a-z_0-9]{5}$' });
    const ctx = contextFor(tags('key-api', adminArn));
    const issued = await provider.create(ctx);
    expect(issued.keyId).toMatch(/^key_\d$/);
    await expect(provider.revoke(ctx, stored('key_12'))).rejects.toThrow(/keyIdPattern/);
    await provider.revoke(ctx, stored(issued.keyId));
    expect(keys.accepts(issued.key)).toBe(false);
  });

  test('a value is refused by name, never quoted', () => {
    expect(() => renderPath('/keys/{{keyId}}', { keyId: '../secret-admin' })).toThrow(TemplateError);
    try {
      renderPath('/keys/{{keyId}}', { keyId: '../secret-admin' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-admin');
    }
  });
});

describe('response bodies are read against a byte cap', () => {
  const call = (url: string) =>
    sendHttp(
      'http-admin-api',
      { label: 'verify', method: 'GET', url, headers: {}, retryServerErrors: false },
      { timeoutMs: 20_000, maxRetries: 0 },
    );

  /** Peak of heap + array buffers while `run` runs, over the baseline before it. */
  async function peakGrowth(run: () => Promise<unknown>): Promise<number> {
    const usage = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = usage();
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, usage())), 2);
    try {
      await run();
    } catch {
      // the caller asserts the outcome separately
    } finally {
      clearInterval(timer);
    }
    return Math.max(peak, usage()) - before;
  }

  test('attack: a declared 300 MB body is refused before it is read', async () => {
    other.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300_000_000) });
      other.stream(res, Buffer.alloc(64 * 1024, 0x61), 300_000_000);
    };
    await expect(call(`${other.baseUrl}/big`)).rejects.toMatchObject({
      name: 'ProviderError',
      message: expect.stringContaining('oversized body (declared 300000000 bytes)'),
    });
    expect(other.sent).toBeLessThan(16 * 1024 * 1024);
  });

  test('attack: an undeclared 300 MB stream stops at the cap with bounded memory', async () => {
    other.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      other.stream(res, Buffer.alloc(64 * 1024, 0x61), 300_000_000);
    };
    let outcome: unknown;
    const growth = await peakGrowth(() => call(`${other.baseUrl}/stream`).catch((e) => (outcome = e)));
    expect(outcome).toMatchObject({
      message: expect.stringContaining(`more than ${MAX_RESPONSE_BYTES} bytes`),
    });
    expect(other.sent).toBeLessThan(32 * 1024 * 1024);
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });

  test('attack: a gzip bomb (300 MB of zeros inflating from a few hundred KB) stops at the decoded cap', async () => {
    let inflated = 0;
    other.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(res);
      const zeros = Buffer.alloc(1024 * 1024, 0);
      const pump = () => {
        while (inflated < 300_000_000) {
          inflated += zeros.length;
          if (!gzip.write(zeros)) return void gzip.once('drain', pump);
        }
        gzip.end();
      };
      res.on('close', () => gzip.destroy());
      pump();
    };
    let outcome: unknown;
    const growth = await peakGrowth(() => call(`${other.baseUrl}/bomb`).catch((e) => (outcome = e)));
    expect(outcome).toMatchObject({
      message: expect.stringContaining(`more than ${MAX_RESPONSE_BYTES} bytes`),
    });
    expect(inflated).toBeLessThan(300_000_000);
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });

  test('a body under the cap, plain or gzip, is read whole (the cap does not fire)', async () => {
    const body = JSON.stringify({ data: 'x'.repeat(MAX_RESPONSE_BYTES - 100) });
    other.handler = (req, res) => {
      if (req.url === '/gz') {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        const gzip = createGzip();
        gzip.pipe(res);
        gzip.end(body);
      } else res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    };
    await expect(call(`${other.baseUrl}/plain`)).resolves.toEqual({ status: 200, text: body });
    await expect(call(`${other.baseUrl}/gz`)).resolves.toEqual({ status: 200, text: body });
  });
});

describe('redaction covers every long high-entropy token', () => {
  test.each([
    [
      'a Datadog API key (32 lowercase hex)',
      'dd 0123456789abcdef0123456789abcdef leaked',
      'dd [redacted] leaked',
    ],
    [
      'a Datadog application key (40 hex)',
      'app: f00dbabe0123456789abcdef0123456789abcdef',
      'app: [redacted]',
    ],
    ['upper-case hex', 'KEY 0123456789ABCDEF0123456789ABCDEF', 'KEY [redacted]'],
    [
      'a dotted SendGrid key',
      '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',
      '[redacted]',
    ],
    [
      'a JWT',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'Bearer [redacted]',
    ],
    ['base64 with + and /', 'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+', 'secret [redacted]'],
    ['lowercase base36', 'token x8k2m9q4w7e1r5t3y6u0i2o8p4a7s1d3 here', 'token [redacted] here'],
  ])('%s is redacted', (_what, text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
  });

  test.each([
    'see https://runbooks.example.com/keyturn/billing-api for the steps',
    'found in billing-service-production-eu-west-1 config.yaml',
    'key id AKIAIOSFODNN7EXAMPLE (an access key id is not a secret)',
    'incident 3f5a6c1e-2b7d-4e8f-9a0b-1c2d3e4f5a6b',
  ])('words, URLs, access key ids and UUIDs stay readable: %s', (text) => {
    expect(redactCredentials(text)).toBe(text);
  });
});

describe('the placeholder regex is linear', () => {
  const hostile = [
    '{{' + ' '.repeat(4000),
    '{{' + ' '.repeat(4000) + '}',
    '{{'.repeat(4000),
    '{{ a'.repeat(2000) + ' }',
  ];

  test.each(hostile.map((h, i) => [i, h]))(
    'hostile template %i renders (or fails) in milliseconds',
    (_i, template) => {
      const started = performance.now();
      try {
        render(template as string, {});
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateError);
      }
      placeholdersOf({ path: template as string });
      expect(performance.now() - started).toBeLessThan(50);
    },
  );

  test('40,000 spaces (where the old regex would run for minutes) take milliseconds too', () => {
    const started = performance.now();
    expect(() => render('{{' + ' '.repeat(40_000), {})).not.toThrow();
    expect(placeholdersOf({ path: '{{' + ' '.repeat(40_000) + '}' })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(100);
  });

  test('placeholders with inner spaces still resolve (the rewrite keeps the syntax)', () => {
    expect(render('Bearer {{ admin }}', { admin: 't' })).toBe('Bearer t');
    expect(placeholdersOf({ path: '/k/{{ keyId }}' })).toEqual(['keyId']);
  });
});
