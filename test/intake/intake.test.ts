/**
 * The secret scanning intake, driven through its exported handler as API Gateway calls it: reports signed with a
 * test ECDSA P-256 key pair whose public half a loopback server publishes (GitHub's public-keys shape), managed
 * keys in the Secrets Manager fake, Step Functions mocked. Bad and replayed signatures, unknown tokens, a flood, key
 * rotation at the partner, the validity check, and no key material in any log, answer or leak signal.
 */
import { generateKeyPairSync, hash, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { BOOTSTRAP_SECRET_VALUE, INTAKE_ENV, LEAK_TAGS, TAGS } from '../../lambdas/core/constants';
import { parseLeakEvent } from '../../lambdas/core/leak/signal';
import { generateApiKey } from '../../lambdas/core/key-material';
import { runRotationStep } from '../../lambdas/core/rotation';
import { buildDeps, handler, setDeps, type HttpApiEvent } from '../../lambdas/intake/handler';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import { installTagResource } from '../retire/fakes';

const sm = new FakeSecretsManager();
const sfn = mockClient(SFNClient);
const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));
const providers = new MapProviderRegistry([new SelfIssuedProvider()]);
/** The deployment's registry, fresh per test (a test's secrets are what that deployment registered). */
let registry = deployedRegistry(sm);

interface PartnerKey {
  id: string;
  privateKey: KeyObject;
  pem: string;
}
function partnerKey(id: string): PartnerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { id, privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** The loopback "GitHub": publishes the public halves of `published`, counts fetches, can fail. */
let server: Server;
let published: PartnerKey[] = [];
let keyFetches = 0;
let keysDown = false;
let keysUrl = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    keyFetches++;
    if (keysDown || req.url !== '/meta/public_keys/secret_scanning') {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        public_keys: published.map((k) => ({ key_identifier: k.id, key: k.pem, is_current: true })),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  keysUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/meta/public_keys/secret_scanning`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  sfn.restore();
});

let github: PartnerKey;
let started: Array<{ name: string; input: unknown }>;
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  sm.reset();
  registry = deployedRegistry(sm);
  installTagResource(sm);
  sfn.reset();
  started = [];
  sfn.on(StartExecutionCommand).callsFake((input) => {
    if (started.some((s) => s.name === input.name))
      throw new ExecutionAlreadyExists({ message: 'exists', $metadata: {} });
    started.push({ name: input.name, input: JSON.parse(input.input) });
    return {
      executionArn: `arn:aws:states:eu-west-1:111122223333:execution:leak:${input.name}`,
      startDate: new Date(),
    };
  });
  github = partnerKey('f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d');
  published = [github];
  keyFetches = 0;
  keysDown = false;
  setDeps(
    buildDeps(
      {
        [INTAKE_ENV.publicKeysUrl]: keysUrl,
        [INTAKE_ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:111122223333:stateMachine:leak',
        [INTAKE_ENV.ratePerSecond]: '5',
        [INTAKE_ENV.burst]: '30',
      },
      registry,
    ),
  );
  output = captureOutput();
});
afterEach(() => output.restore());

async function rotate(arn: string, by = registry): Promise<string> {
  const token = sm.beginRotation(arn);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)
    await runRotationStep(
      { store, providers, registry: by },
      { Step, SecretId: arn, ClientRequestToken: token },
    );
  return token;
}

/**
 * A managed self-issued key rotated twice: returns its ARN and both keys. `registeredIn` is the registry that
 * rotated it: the intake's deployed one by default; another one plays a secret the deployment never registered.
 */
async function managedKey(name = 'billing-api', registeredIn = registry) {
  const s = sm.addSecret(`keyturn/prod/${name}`, {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({ [TAGS.keyName]: name }),
  });
  const previous = await rotate(s.arn, registeredIn);
  const current = await rotate(s.arn, registeredIn);
  const valueOf = (v: string) => JSON.parse(s.versions.get(v)!.value!) as { key: string; keyId: string };
  return { arn: s.arn, previous, current, currentKey: valueOf(current), previousKey: valueOf(previous) };
}

const report = (tokens: string[], type = 'keyturn_live_api_key') =>
  JSON.stringify(
    tokens.map((token) => ({
      token,
      type,
      url: 'https://github.com/octocat/hello-world/blob/12345600b9cbe38a219f39a9941c9319b600c002/.env',
      source: 'content',
    })),
  );

function signed(body: string, key: PartnerKey = github, path = '/secret-scanning/report'): HttpApiEvent {
  return {
    rawPath: path,
    headers: {
      'Content-Type': 'application/json',
      'Github-Public-Key-Identifier': key.id,
      'Github-Public-Key-Signature': sign('sha256', Buffer.from(body), {
        key: key.privateKey,
        dsaEncoding: 'der',
      }).toString('base64'),
    },
    body,
  };
}

async function call(event: HttpApiEvent) {
  const res = (await handler(event, lambdaContext('keyturn-intake'))) as { statusCode: number; body: string };
  return { status: res.statusCode, json: JSON.parse(res.body) as unknown };
}

const sha = (t: string) => hash('sha256', t, 'hex');
const smReads = () => sm.callCount('GetSecretValue') + sm.callCount('DescribeSecret');

describe('reports', () => {
  test('rule: a signed report of a managed key is a true positive and starts the leak response with the report as its signal', async () => {
    const key = await managedKey();
    const res = await call(signed(report([key.currentKey.key])));
    expect(res).toEqual({
      status: 200,
      json: [
        { token_hash: sha(key.currentKey.key), token_type: 'keyturn_live_api_key', label: 'true_positive' },
      ],
    });
    expect(started).toHaveLength(1);
    // The leak response parses it as its own "API Key Leaked" signal (the seam), naming the version's key id.
    const signal = parseLeakEvent(started[0].input);
    expect(signal).toMatchObject({
      key: key.arn,
      keyId: key.currentKey.keyId,
      where: expect.stringContaining('github.com/octocat/hello-world'),
      reportedBy: 'GitHub secret scanning',
    });
  });

  test('rule: unknown tokens are false positives and start nothing; a mixed report labels each token', async () => {
    const key = await managedKey();
    const stranger = generateApiKey('kt_live_'); // well formed, checksum valid, never issued
    const res = await call(signed(report([stranger, key.previousKey.key, 'ghp_notours'])));
    expect(res.json).toEqual([
      { token_hash: sha(stranger), token_type: 'keyturn_live_api_key', label: 'false_positive' },
      { token_hash: sha(key.previousKey.key), token_type: 'keyturn_live_api_key', label: 'true_positive' },
      { token_hash: sha('ghp_notours'), token_type: 'keyturn_live_api_key', label: 'false_positive' },
    ]);
    expect(started.map((s) => parseLeakEvent(s.input).keyId)).toEqual([key.previousKey.keyId]);
  });

  test('attacker: the key of a secret planted under the prefix with the managed tags is a false positive and starts nothing (the registry names the keys, not tags)', async () => {
    const key = await managedKey();
    // Rotated by a registry the deployment never wrote: the secret looks managed, its value holds a real key.
    const planted = await managedKey('planted-api', deployedRegistry(sm));
    const res = await call(signed(report([planted.currentKey.key, key.currentKey.key])));
    expect(res.json).toEqual([
      {
        token_hash: sha(planted.currentKey.key),
        token_type: 'keyturn_live_api_key',
        label: 'false_positive',
      },
      { token_hash: sha(key.currentKey.key), token_type: 'keyturn_live_api_key', label: 'true_positive' },
    ]);
    expect(started.map((s) => parseLeakEvent(s.input).key)).toEqual([key.arn]);
  });

  test('rule: a registered secret deleted since the deployment does not stop the others from matching', async () => {
    const gone = await managedKey('retired-api');
    const key = await managedKey();
    sm.secrets.get(gone.arn)!.deleted = true;
    const res = await call(signed(report([key.currentKey.key, gone.currentKey.key])));
    expect(res.json).toEqual([
      { token_hash: sha(key.currentKey.key), token_type: 'keyturn_live_api_key', label: 'true_positive' },
      { token_hash: sha(gone.currentKey.key), token_type: 'keyturn_live_api_key', label: 'false_positive' },
    ]);
  });

  test('rule: a token listed twice in one report starts one leak response', async () => {
    const key = await managedKey();
    await call(signed(report([key.currentKey.key, key.currentKey.key])));
    expect(started).toHaveLength(1);
  });

  test('rule: warm, a report reaches the leak response in one round trip (StartExecution); cold, in five', async () => {
    const key = await managedKey();
    const setup = { values: sm.callCount('GetSecretValue'), describes: sm.callCount('DescribeSecret') };
    await call(signed(report([key.currentKey.key])));
    // Cold: the partner keys (1), the registry (1 Scan; in memory here), DescribeSecret per registered key in
    // parallel (1), both versions' values in parallel (1), StartExecution (1).
    expect([
      keyFetches,
      sm.callCount('DescribeSecret') - setup.describes,
      sm.callCount('GetSecretValue') - setup.values,
      started.length,
    ]).toEqual([1, 1, 2, 1]);
    const before = smReads();
    await call(signed(report([key.previousKey.key])));
    expect([keyFetches, smReads() - before, started.length]).toEqual([1, 0, 2]);
  });
});

describe('signatures', () => {
  test('attacker: a tampered body, a signature by another key and garbage are 401, before any secret is read', async () => {
    const key = await managedKey();
    const good = signed(report([key.currentKey.key]));
    const tampered = { ...good, body: report([key.previousKey.key]) };
    const forged = signed(report([key.currentKey.key]), { ...partnerKey('x'), id: github.id });
    const garbage = {
      ...good,
      headers: { ...good.headers, 'Github-Public-Key-Signature': 'AAAAAAAAAAAAAAAAAAAAAAAA' },
    };
    const unsigned = { ...good, headers: { 'content-type': 'application/json' } };
    const before = smReads();
    for (const event of [tampered, forged, garbage, unsigned])
      expect(await call(event)).toEqual({ status: 401, json: { message: 'unauthorized' } });
    expect(smReads()).toBe(before);
    expect(started).toEqual([]);
    expect(output.text()).toMatch(/BadSignatureError/);
  });

  test('attacker: made-up key ids refetch the published keys at most once a minute', async () => {
    const key = await managedKey();
    for (let i = 0; i < 10; i++)
      expect((await call(signed(report([key.currentKey.key]), partnerKey(`made-up-${i}`)))).status).toBe(401);
    expect(keyFetches).toBeLessThanOrEqual(2);
  });

  test('rule: GitHub rotates its signing key: an unknown key id refetches and the new key verifies', async () => {
    const key = await managedKey();
    expect((await call(signed(report([key.currentKey.key])))).status).toBe(200);
    const next = partnerKey('0b6b5f4c7b1b4d0e8f3a2c9d1e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f');
    published = [github, next];
    // The ring refetches for an unknown id once its refetch interval allows: make it due.
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    try {
      expect((await call(signed(report([key.previousKey.key]), next))).status).toBe(200);
    } finally {
      jest.restoreAllMocks();
      output.restore();
      output = captureOutput();
    }
    expect(keyFetches).toBe(2);
  });

  test('guard: the partner keys endpoint down with no keys cached is 503 (GitHub retries); a malformed body is 400', async () => {
    keysDown = true;
    const key = await managedKey();
    expect((await call(signed(report([key.currentKey.key])))).status).toBe(503);
    keysDown = false;
    expect((await call(signed('{"not":"an array"}'))).status).toBe(400);
    expect((await call(signed('[{"token":'))).status).toBe(400);
    expect((await call(signed(report([key.currentKey.key])))).status).toBe(200);
  });

  test('guard: a body over 256 KB is 413 before its signature is checked', async () => {
    const big = report(Array.from({ length: 600 }, () => 'x'.repeat(500)));
    expect((await call(signed(big))).status).toBe(413);
    expect(keyFetches).toBe(0);
  });
});

describe('replays and floods', () => {
  test('attacker: a replayed signed report is 409 and starts nothing more', async () => {
    const key = await managedKey();
    const event = signed(report([key.currentKey.key]));
    expect((await call(event)).status).toBe(200);
    expect(await call(event)).toEqual({ status: 409, json: { message: 'already received' } });
    expect(started).toHaveLength(1);
  });

  test('rule: a report our side failed on (503) may be retried with the same signature', async () => {
    const key = await managedKey();
    sm.faults.push({
      command: 'DescribeSecret',
      when: 'before',
      error: Object.assign(new Error('down'), { name: 'InternalServiceError' }),
    });
    const event = signed(report([key.currentKey.key]));
    expect((await call(event)).status).toBe(503);
    expect((await call(event)).status).toBe(200);
    expect(started).toHaveLength(1);
  });

  test('attacker: across containers, a replay starts no second leak response (the execution name is the guard)', async () => {
    const key = await managedKey();
    const event = signed(report([key.currentKey.key]));
    await call(event);
    setDeps(
      buildDeps(
        {
          [INTAKE_ENV.publicKeysUrl]: keysUrl,
          [INTAKE_ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:111122223333:stateMachine:leak',
        },
        registry,
      ),
    );
    expect((await call(event)).status).toBe(200);
    expect(started).toHaveLength(1);
    expect(output.text()).toMatch(/"duplicates":1/);
  });

  test('attacker: a flood beyond the burst is 429 before any signature check, key fetch or secret read', async () => {
    const key = await managedKey();
    const describes = sm.callCount('DescribeSecret');
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await call(signed(report([`kt_live_flood${i}`])))).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(keyFetches).toBe(1);
    expect(sm.callCount('DescribeSecret') - describes).toBeLessThanOrEqual(2);
    expect(started).toHaveLength(0);
    void key;
  });

  test('rule: StartExecution throttled is 503, so the partner retries', async () => {
    const key = await managedKey();
    sfn.on(StartExecutionCommand).rejectsOnce(throttling());
    expect((await call(signed(report([key.currentKey.key])))).status).toBe(503);
  });
});

describe('validity check', () => {
  test('rule: active only for a live managed key; unknown, retired and revoked tokens are inactive alike; starts nothing', async () => {
    const key = await managedKey();
    const other = await managedKey('search-api');
    // The leak response revoked search-api's current version.
    sm.find(other.arn).tags[LEAK_TAGS.revokedVersions] = other.current;
    const stranger = generateApiKey('kt_live_');
    const body = report([key.currentKey.key, key.previousKey.key, other.currentKey.key, stranger]);
    const res = await call(signed(body, github, '/secret-scanning/validity'));
    expect(res).toEqual({
      status: 200,
      json: [
        { token_hash: sha(key.currentKey.key), token_type: 'keyturn_live_api_key', label: 'active' },
        { token_hash: sha(key.previousKey.key), token_type: 'keyturn_live_api_key', label: 'active' },
        { token_hash: sha(other.currentKey.key), token_type: 'keyturn_live_api_key', label: 'inactive' },
        { token_hash: sha(stranger), token_type: 'keyturn_live_api_key', label: 'inactive' },
      ],
    });
    expect(started).toEqual([]);
  });

  test('attacker: the answer says nothing about tokens not asked: same shape and size for one token, known or not', async () => {
    const key = await managedKey();
    await managedKey('search-api');
    const known = await call(signed(report([key.currentKey.key]), github, '/secret-scanning/validity'));
    const unknown = await call(
      signed(report([generateApiKey('kt_live_')]), github, '/secret-scanning/validity'),
    );
    for (const res of [known, unknown]) {
      expect(res.json).toHaveLength(1);
      expect(Object.keys((res.json as object[])[0]).sort()).toEqual(['label', 'token_hash', 'token_type']);
      expect(JSON.stringify(res.json)).not.toMatch(/billing|search|keyturn\/|arn:|sha256:/);
    }
  });
});

test('rule: no key material in any log line, answer or leak signal', async () => {
  const key = await managedKey();
  const bodies = [
    report([key.currentKey.key, key.previousKey.key]),
    report([key.currentKey.key], 'other_type'),
  ];
  const answers: string[] = [];
  for (const body of bodies) {
    answers.push(JSON.stringify((await call(signed(body))).json));
    answers.push(JSON.stringify((await call(signed(body, github, '/secret-scanning/validity'))).json));
    answers.push(JSON.stringify((await call({ ...signed(body), headers: {} })).json));
  }
  const everything = [output.text(), ...answers, JSON.stringify(started)].join('\n');
  expect(output.lines().length).toBeGreaterThan(3);
  for (const secret of [key.currentKey.key, key.previousKey.key]) {
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice(8, 30));
  }
});
