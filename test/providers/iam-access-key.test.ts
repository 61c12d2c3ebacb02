/** IAM user access keys: idempotent create under the two-key limit, STS proof with backoff, two-phase revoke. */
import { BOOTSTRAP_SECRET_VALUE, STAGE, TAGS } from '../../lambdas/core/constants';
import { runRotationStep } from '../../lambdas/core/rotation';
import { CallerIdentity } from '../../lambdas/aws/caller-identity';
import { IamUsers } from '../../lambdas/aws/iam-users';
import { IAMClient } from '@aws-sdk/client-iam';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IamAccessKeyProvider, orphansOf, pendingTagOf } from '../../lambdas/providers/iam-access-key';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { FakeIam, stsError } from './fakes/iam-fake';
import { contextFor, keyAt, rotateFully, rotationDeps } from './fakes/rotation';

const sm = new FakeSecretsManager();
const iam = new FakeIam();
const USER = 'ci-deployer';
const tags = (overrides: Record<string, string> = {}) =>
  managedTags({
    [TAGS.provider]: 'iam-access-key',
    [`${TAGS.providerSetting}user-arn`]: iam.arnOf(USER),
    [`${TAGS.providerSetting}key-prefix`]: undefined as unknown as string,
    ...overrides,
  });
let clock = new Date('2026-11-01T00:00:00Z');
const provider = () =>
  new IamAccessKeyProvider({
    iam: new IamUsers(new IAMClient({ region: 'us-east-1' })),
    identity: new CallerIdentity(iam.stsClientFor),
    now: () => clock,
  });

function managedSecret() {
  const t = tags();
  delete t[`${TAGS.providerSetting}key-prefix`];
  return sm.addSecret('keyturn/prod/ci-deployer', { value: BOOTSTRAP_SECRET_VALUE, tags: t });
}

beforeEach(() => {
  sm.reset();
  iam.reset();
  clock = new Date('2026-11-01T00:00:00Z');
  iam.now = () => clock;
  iam.addUser(USER);
});

test('a full rotation issues a key that authenticates as the user, after IAM propagates it', async () => {
  iam.propagationFailures = 3; // the first 3 STS calls answer InvalidClientTokenId
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  await rotateFully(deps, sm, secret.arn);
  const current = keyAt(sm, secret.arn);
  const [key] = iam.keys.get(USER)!;
  expect(current).toMatchObject({
    provider: 'iam-access-key',
    keyId: key.id,
    key: key.secret,
    attributes: { userName: USER },
  });
  expect(deps.sleeps.length).toBe(3 + 0); // testSecret retried through propagation; finishSecret's re-check passed at once
  expect(deps.sleeps.every((ms) => ms <= 8000)).toBe(true);
  expect(iam.tags.get(USER)).toEqual({}); // the pending marker was cleared by setSecret
});

test('testSecret gives up after the capped backoff (~30 s) when the key never works, and promotes nothing', async () => {
  iam.propagationFailures = 100;
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  const token = sm.beginRotation(secret.arn);
  for (const Step of ['createSecret', 'setSecret'] as const)
    await runRotationStep(deps, { Step, SecretId: secret.arn, ClientRequestToken: token });
  await expect(
    runRotationStep(deps, { Step: 'testSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toMatchObject({
    name: 'KeyVerificationError',
    message: expect.stringContaining('InvalidClientTokenId'),
  });
  expect(deps.sleeps).toHaveLength(6);
  expect(deps.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(31_000);
  expect(sm.versionWith(secret.arn, STAGE.current)).not.toBe(token);
});

test('two rotations: the second makes room by deleting the old key only once its overlap is over', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  await rotateFully(deps, sm, secret.arn);
  const first = keyAt(sm, secret.arn).keyId;
  clock = new Date(clock.getTime() + 3600_000);
  await rotateFully(deps, sm, secret.arn); // one key exists: no room needed
  expect(iam.keys.get(USER)!.map((k) => k.id)).toContain(first);
  // Third rotation one hour later: user has 2 active keys and the previous one is inside its 24 h overlap.
  clock = new Date(clock.getTime() + 3600_000);
  const token = sm.beginRotation(secret.arn);
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toMatchObject({
    name: 'ProviderError',
    retryable: false,
    message: expect.stringMatching(/two access keys.*overlap window/),
  });
  expect(iam.keys.get(USER)).toHaveLength(2); // nothing created, nothing deleted
  expect(iam.tags.get(USER)).toEqual({});
  // After the overlap the non-current key may go; the current key never does.
  clock = new Date(clock.getTime() + 25 * 3600_000);
  const current = keyAt(sm, secret.arn).keyId;
  await runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token });
  const ids = iam.keys.get(USER)!.map((k) => k.id);
  expect(ids).toContain(current);
  expect(ids).not.toContain(first);
  expect(ids).toHaveLength(2);
});

test('an inactive non-current key is deleted to make room even inside the overlap window', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  await rotateFully(deps, sm, secret.arn);
  await rotateFully(deps, sm, secret.arn);
  const previous = keyAt(sm, secret.arn, STAGE.previous);
  await provider().revoke(contextFor(tags()), previous); // phase 1: Inactive
  const token = sm.beginRotation(secret.arn);
  await runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token });
  expect(iam.keys.get(USER)!.map((k) => k.id)).not.toContain(previous.keyId);
});

test('attack: an old key id written into AWSCURRENT by hand does not make IAM delete the real current key to make room', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  await rotateFully(deps, sm, secret.arn);
  const last = await rotateFully(deps, sm, secret.arn);
  const previous = keyAt(sm, secret.arn, STAGE.previous);
  const current = keyAt(sm, secret.arn);
  // PutSecretValue staged AWSCURRENT, naming the old key: "the current key" would be the old one.
  await new SecretsManagerClient({ region: 'eu-west-1' }).send(
    new PutSecretValueCommand({
      SecretId: secret.arn,
      SecretString: JSON.stringify({ ...previous, key: 'forged' }),
      VersionStages: [STAGE.current],
    }),
  );
  sm.find(secret.arn).versions.get(last)!.stages.delete(STAGE.pending); // the service clears AWSPENDING
  clock = new Date(clock.getTime() + 25 * 3600_000); // the old key's overlap is long over
  const token = sm.beginRotation(secret.arn);
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toThrow(/neither is this secret's AWSCURRENT key/);
  expect(
    iam.keys
      .get(USER)!
      .map((k) => k.id)
      .sort(),
  ).toEqual([previous.keyId, current.keyId].sort());
});

test('two keys that keyturn does not know: refuses with a clear error and touches nothing', async () => {
  iam.addUser(USER, [{}, {}]);
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  const token = sm.beginRotation(secret.arn);
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toThrow(/neither is this secret's AWSCURRENT key/);
  expect(iam.keys.get(USER)).toHaveLength(2);
});

test('a lost CreateAccessKey response: the retry deletes the unrecorded key and stores exactly one', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  const token = sm.beginRotation(secret.arn);
  // The key is created, then its response is lost (as if the Lambda timed out right there).
  iam.faults.push({
    command: 'CreateAccessKey:after',
    error: Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
  });
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toMatchObject({
    name: 'ProviderError',
    retryable: true,
  });
  const lost = iam.keys.get(USER)![0].id;
  expect(iam.tags.get(USER)![pendingTagOf(token)]).toMatch(/^creating-\d+$/);
  await runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token });
  const keys = iam.keys.get(USER)!;
  expect(keys).toHaveLength(1);
  expect(keys[0].id).not.toBe(lost);
  expect(keyAt(sm, secret.arn, STAGE.pending).keyId).toBe(keys[0].id);
  // A third call finds the stored value and creates nothing.
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).resolves.toBe('already-created');
  expect(iam.keys.get(USER)).toHaveLength(1);
});

test('a lost PutSecretValue after the key was recorded: the retry deletes the recorded key, creates one more, no orphan', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  const token = sm.beginRotation(secret.arn);
  sm.faults.push({ command: 'PutSecretValue', when: 'before', error: throttling() });
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toThrow();
  const unrecorded = iam.keys.get(USER)![0].id;
  expect(iam.tags.get(USER)![pendingTagOf(token)]).toBe(unrecorded);
  await runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token });
  expect(iam.keys.get(USER)!.map((k) => k.id)).toEqual([keyAt(sm, secret.arn, STAGE.pending).keyId]);
});

test('throttled IAM calls surface as retryable provider errors and change nothing', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  const token = sm.beginRotation(secret.arn);
  iam.faults.push({ command: 'ListAccessKeys', error: stsError('Throttling') });
  await expect(
    runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token }),
  ).rejects.toMatchObject({
    name: 'ProviderError',
    retryable: true,
    message: expect.stringContaining('Throttling'),
  });
  expect(iam.keys.get(USER)).toHaveLength(0);
  expect(sm.valueAt(secret.arn, STAGE.pending)).toBeUndefined();
  await runRotationStep(deps, { Step: 'createSecret', SecretId: secret.arn, ClientRequestToken: token });
  expect(iam.keys.get(USER)).toHaveLength(1);
});

test('revoke is two-phase: Inactive first (refused, reversible), then deleted; revoking an absent key succeeds', async () => {
  const deps = rotationDeps([provider()], sm);
  const secret = managedSecret();
  await rotateFully(deps, sm, secret.arn);
  await rotateFully(deps, sm, secret.arn);
  const old = keyAt(sm, secret.arn, STAGE.previous);
  const p = provider();
  const ctx = contextFor(tags());
  await expect(p.verify(ctx, old)).resolves.toEqual({ accepted: true });
  await p.revoke(ctx, old);
  expect(iam.keys.get(USER)!.find((k) => k.id === old.keyId)?.status).toBe('Inactive');
  await expect(p.verify(ctx, old)).resolves.toMatchObject({
    accepted: false,
    reason: expect.stringContaining('inactive'),
  });
  await p.revoke(ctx, old);
  expect(iam.keys.get(USER)!.find((k) => k.id === old.keyId)).toBeUndefined();
  await expect(p.verify(ctx, old)).resolves.toMatchObject({
    accepted: false,
    reason: expect.stringContaining('does not exist'),
  });
  await expect(p.revoke(ctx, old)).resolves.toBeUndefined();
  // The current key still works.
  await expect(p.verify(ctx, keyAt(sm, secret.arn))).resolves.toEqual({ accepted: true });
});

test('verify refuses credentials of another principal and a wrong secret', async () => {
  const p = provider();
  iam.addUser('someone-else', [{}]);
  const other = iam.keys.get('someone-else')![0];
  const ctx = contextFor(tags());
  const stored = {
    keyturn: 1 as const,
    provider: 'iam-access-key',
    keyId: other.id,
    key: other.secret,
    createdAt: clock.toISOString(),
  };
  // Listed for our user too (a confused listing), but STS says the key belongs to someone else.
  const mine = iam.keys.get(USER)!;
  iam.keys.delete(USER);
  iam.keys.set(USER, [...mine, other]);
  await expect(p.verify(ctx, stored)).resolves.toMatchObject({ accepted: false });
  await expect(p.verify(ctx, { ...stored, key: 'wrong' })).resolves.toMatchObject({ accepted: false });
});

test('a missing or malformed user-arn setting is a non-retryable configuration error', async () => {
  const p = provider();
  await expect(
    p.create(
      contextFor(tags({ [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::1:role/x' })),
      async () => undefined,
    ),
  ).rejects.toMatchObject({
    name: 'ProviderError',
    retryable: false,
  });
  const noArn = tags();
  delete noArn[`${TAGS.providerSetting}user-arn`];
  await expect(p.create(contextFor(noArn), async () => undefined)).rejects.toThrow(/user-arn/);
});

test('orphansOf only ever names keys created under this token, never the current key', () => {
  const at = (s: number) => new Date(s * 1000);
  const keys = [
    { accessKeyId: 'AKIACURRENT000000', status: 'Active' as const, createdAt: at(2000) },
    { accessKeyId: 'AKIAOLD0000000000', status: 'Active' as const, createdAt: at(500) },
  ];
  expect(orphansOf(keys, undefined, 'AKIACURRENT000000')).toEqual([]);
  expect(orphansOf(keys, 'creating-1000', 'AKIACURRENT000000')).toEqual([]);
  expect(orphansOf(keys, 'creating-400', 'AKIACURRENT000000')).toEqual([keys[1]]);
  expect(orphansOf(keys, 'AKIACURRENT000000', 'AKIACURRENT000000')).toEqual([]);
  expect(orphansOf(keys, 'AKIAOLD0000000000', 'AKIACURRENT000000')).toEqual([keys[1]]);
  expect(orphansOf(keys, 'garbage', undefined)).toEqual([]);
});

test('no secret access key appears in any error message or cause, across failures', async () => {
  const deps = rotationDeps([provider()], sm);
  const s = managedSecret();
  await rotateFully(deps, sm, s.arn);
  const messages: string[] = [];
  const collect = (e: Error) =>
    messages.push(`${e.name} ${e.message} ${String(e.cause ?? '')} ${JSON.stringify(e)}`);
  iam.propagationFailures = 100;
  const token = sm.beginRotation(s.arn);
  await runRotationStep(deps, { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token });
  await runRotationStep(deps, { Step: 'testSecret', SecretId: s.arn, ClientRequestToken: token }).catch(
    collect,
  );
  await runRotationStep(deps, { Step: 'finishSecret', SecretId: s.arn, ClientRequestToken: token }).catch(
    collect,
  );
  const other = sm.addSecret('keyturn/prod/other', { value: BOOTSTRAP_SECRET_VALUE, tags: s.tags });
  iam.faults.push({ command: 'CreateAccessKey', error: stsError('Throttling') });
  await runRotationStep(deps, {
    Step: 'createSecret',
    SecretId: other.arn,
    ClientRequestToken: sm.beginRotation(other.arn),
  }).catch(collect);
  const pending = keyAt(sm, s.arn, STAGE.pending);
  const refused = await provider().verify(contextFor(tags()), { ...pending, key: 'x'.repeat(40) });
  messages.push(JSON.stringify(refused));
  expect(messages.length).toBeGreaterThanOrEqual(4);
  const secrets = [...iam.keys.values()].flat().map((k) => k.secret);
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) for (const m of messages) expect(m).not.toContain(secret.slice(0, 16));
});

describe('leak containment: one IAM call, two-phase retirement kept', () => {
  const commandsSeen = () => iam.mock.calls().map((c) => c.args[0].constructor.name);

  async function rotatedTwice() {
    const deps = rotationDeps([provider()], sm);
    const secret = managedSecret();
    await rotateFully(deps, sm, secret.arn);
    await rotateFully(deps, sm, secret.arn);
    return { secret, old: keyAt(sm, secret.arn, STAGE.previous), current: keyAt(sm, secret.arn) };
  }

  test('contain deactivates the stored key id with UpdateAccessKey alone: no ListAccessKeys first', async () => {
    const { old, current } = await rotatedTwice();
    iam.mock.resetHistory();
    await provider().contain(contextFor(tags()), old);
    expect(commandsSeen()).toEqual(['UpdateAccessKeyCommand']);
    expect(iam.mock.calls()[0].args[0].input).toEqual({
      UserName: USER,
      AccessKeyId: old.keyId,
      Status: 'Inactive',
    });
    expect(iam.keys.get(USER)!.find((k) => k.id === old.keyId)?.status).toBe('Inactive');
    await expect(provider().verify(contextFor(tags()), old)).resolves.toMatchObject({ accepted: false });
    await expect(provider().verify(contextFor(tags()), current)).resolves.toEqual({ accepted: true });
  });

  test('after containment, retirement revoke still runs phase 2: the inactive key is deleted', async () => {
    const { old } = await rotatedTwice();
    const p = provider();
    await p.contain(contextFor(tags()), old);
    await p.contain(contextFor(tags()), old); // idempotent: inactive stays inactive, nothing deleted
    expect(iam.keys.get(USER)!.find((k) => k.id === old.keyId)?.status).toBe('Inactive');
    await p.revoke(contextFor(tags()), old);
    expect(iam.keys.get(USER)!.find((k) => k.id === old.keyId)).toBeUndefined();
  });

  test('containing a key IAM no longer has succeeds (NoSuchEntity means contained)', async () => {
    const { old } = await rotatedTwice();
    const p = provider();
    await p.revoke(contextFor(tags()), old);
    await p.revoke(contextFor(tags()), old); // deleted
    await expect(p.contain(contextFor(tags()), old)).resolves.toBeUndefined();
  });

  test('a throttled UpdateAccessKey is a retryable ProviderError naming the key id, never the secret', async () => {
    const { old } = await rotatedTwice();
    iam.faults.push({ command: 'UpdateAccessKey', error: stsError('Throttling') });
    const failure = provider().contain(contextFor(tags()), old);
    await expect(failure).rejects.toMatchObject({ name: 'ProviderError', retryable: true });
    await expect(failure).rejects.toThrow(old.keyId);
    await failure.catch((error: Error) => expect(error.message).not.toContain(old.key));
  });

  test('attacker: a stored key id that is not an access key id is refused before any IAM call', async () => {
    const { old } = await rotatedTwice();
    iam.mock.resetHistory();
    const planted = { ...old, keyId: 'AKIA/../../other-user' };
    await expect(provider().contain(contextFor(tags()), planted)).rejects.toMatchObject({
      name: 'ProviderError',
      retryable: false,
    });
    expect(commandsSeen()).toEqual([]);
  });
});
