/**
 * Attacks on what keyturn revokes (issue 14, "a planted key id"), through the real handlers: someone with ordinary
 * PutSecretValue rights writes another key's id into a registered secret's version (the current key's id into
 * AWSPREVIOUS, or another managed key's id), and waits for retirement or a leak signal to revoke it. For IAM, API
 * Gateway and HTTP admin API keys: a key id keyturn did not record issuing for that secret and version is never
 * revoked (zero revoke calls at the provider; a typed error, the metric and a critical page naming the secret and
 * version, never the key id), while a key keyturn issued still is.
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BOOTSTRAP_SECRET_VALUE, EVENTS, PROVIDER_KINDS, STAGE, TAGS } from '../../lambdas/core/constants';
import { UNISSUED_KEY_METRIC, UnissuedKeyError } from '../../lambdas/core/issuance';
import { retireVersion } from '../../lambdas/core/retire';
import type { LedgerEntry } from '../../lambdas/core/ports';
import type { KeyContext, KeyProvider } from '../../lambdas/core/provider';
import type { StoredKey } from '../../lambdas/core/stored-key';
import { deps as leakDeps, handler as leakHandler } from '../../lambdas/leak/handler';
import type { LeakState } from '../../lambdas/core/leak/state';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { deps as retireDeps, handler as retireHandler } from '../../lambdas/retire/handler';
import { deps as rotateDeps, handler as rotateHandler } from '../../lambdas/rotate/handler';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { entryFor, MemoryKeyRegistry, policyFromDeployedTags } from '../helpers/registry';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { fakeSns, installTagResource } from '../retire/fakes';

const sm = new FakeSecretsManager();
const sns = fakeSns();
const client = new SecretsManagerClient({ region: 'eu-west-1' });
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** A provider whose keys live outside the secret: issued keys work until revoked; every call is recorded. */
class ExternalKeys implements KeyProvider {
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  readonly calls: Array<{ op: string; keyId?: string; secretName: string }> = [];
  readonly live = new Set<string>();
  private n = 0;
  constructor(readonly kind: string) {}
  async create(ctx: KeyContext) {
    const keyId = `${this.kind}-${ctx.secretName.split('/').pop()}-${++this.n}`;
    this.live.add(keyId);
    this.calls.push({ op: 'create', keyId, secretName: ctx.secretName });
    return { keyId, key: 'k'.repeat(40) };
  }
  async verify(_ctx: KeyContext, key: StoredKey) {
    return this.live.has(key.keyId)
      ? { accepted: true as const }
      : { accepted: false as const, reason: 'revoked' };
  }
  async revoke(ctx: KeyContext, key: StoredKey) {
    this.calls.push({ op: 'revoke', keyId: key.keyId, secretName: ctx.secretName });
    this.live.delete(key.keyId);
  }
  async contain(ctx: KeyContext, key: StoredKey) {
    this.calls.push({ op: 'contain', keyId: key.keyId, secretName: ctx.secretName });
    this.live.delete(key.keyId);
  }
  revocations() {
    return this.calls.filter((c) => c.op === 'revoke' || c.op === 'contain');
  }
}

const PROVIDER_TAGS: Array<[string, Record<string, string>]> = [
  [
    PROVIDER_KINDS.iamAccessKey,
    {
      [TAGS.provider]: PROVIDER_KINDS.iamAccessKey,
      [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/ci/deployer',
    },
  ],
  [
    PROVIDER_KINDS.apiGatewayKey,
    { [TAGS.provider]: PROVIDER_KINDS.apiGatewayKey, [`${TAGS.providerSetting}usage-plan-ids`]: 'abc123' },
  ],
  [
    PROVIDER_KINDS.httpAdminApi,
    {
      [TAGS.provider]: PROVIDER_KINDS.httpAdminApi,
      [`${TAGS.providerSetting}profile`]: 'sendgrid',
      [`${TAGS.providerSetting}admin-secret-arn`]:
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin-AbCdEf',
    },
  ],
];

let output: ReturnType<typeof captureOutput>;
let registry: MemoryKeyRegistry;
let issuance: MemoryIssuanceLog;
let provider: ExternalKeys;
const saved = { rotate: { ...rotateDeps }, retire: { ...retireDeps }, leak: { ...leakDeps } };

afterEach(() => output.restore());
afterAll(() => {
  Object.assign(rotateDeps, saved.rotate);
  Object.assign(retireDeps, saved.retire);
  Object.assign(leakDeps, saved.leak);
});

function setUp(kind: string) {
  sm.reset();
  installTagResource(sm);
  sns.reset();
  registry = new MemoryKeyRegistry();
  issuance = new MemoryIssuanceLog();
  provider = new ExternalKeys(kind);
  const providers = new MapProviderRegistry([provider]);
  // The three functions share the deployed registry and the ledger table (where the issuance records live).
  Object.assign(rotateDeps, { registry, providers, issuance, afterPromotion: undefined });
  Object.assign(retireDeps, { registry, providers, issuance, ledger: undefined, sleep: async () => {} });
  Object.assign(leakDeps, {
    registry,
    providers,
    issuance,
    ledger: undefined,
    revocations: undefined,
    incidents: {
      openOrJoin: async ({ record }: { record: { id: string } }) => ({
        outcome: 'opened' as const,
        incidentId: record.id,
      }),
      save: async () => undefined,
      get: async () => undefined,
      attachApprovalToken: async () => undefined,
      releaseMarker: async () => undefined,
    },
    // Under the blast-radius cap (test/leak/blast-radius.test.ts proves the cap): every response is admitted.
    budget: {
      maxRevocations: 3,
      windowSeconds: 600,
      claim: async () => ({ admitted: true, release: async () => undefined }),
    },
    now: () => new Date('2026-11-23T10:00:00Z'),
  });
  output = captureOutput();
}

/** A deployed key of `kind`, rotated twice by the rotate function: AWSPREVIOUS and AWSCURRENT hold issued keys. */
async function deployedKey(name: string, tags: Record<string, string>) {
  const all = managedTags({ [TAGS.keyName]: name.split('/').pop()!, ...tags });
  const secret = sm.addSecret(name, { value: BOOTSTRAP_SECRET_VALUE, tags: all });
  registry.register(entryFor(secret, policyFromDeployedTags(all)));
  for (let i = 0; i < 2; i++) {
    const token = sm.beginRotation(secret.arn);
    for (const Step of STEPS)
      await rotateHandler({ Step, SecretId: secret.arn, ClientRequestToken: token }, lambdaContext());
  }
  const keyIdAt = (stage: string) => (JSON.parse(sm.valueAt(secret.arn, stage)!) as StoredKey).keyId;
  return {
    arn: secret.arn,
    name,
    previous: sm.versionWith(secret.arn, STAGE.previous)!,
    current: sm.versionWith(secret.arn, STAGE.current)!,
    previousKeyId: keyIdAt(STAGE.previous),
    currentKeyId: keyIdAt(STAGE.current),
  };
}

/** What the attacker does with PutSecretValue: a new version, staged as they like, naming someone else's key id. */
async function plant(secretArn: string, keyId: string, stage: string, kind: string): Promise<string> {
  const token = `attacker-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
  await client.send(
    new PutSecretValueCommand({
      SecretId: secretArn,
      ClientRequestToken: token,
      SecretString: JSON.stringify({
        keyturn: 1,
        provider: kind,
        keyId,
        key: 'z'.repeat(40),
        createdAt: '2026-11-20T00:00:00.000Z',
      }),
      VersionStages: [stage],
    }),
  );
  return token;
}

const emitted = (metric: string) => output.lines().some((l) => l.includes(`"${metric}"`));
/** Pages: published with severity critical (SnsNotifier sends those to the critical topic). */
const criticalPages = () =>
  sns
    .messages()
    .filter(
      (m) =>
        m.MessageAttributes?.severity?.StringValue === 'critical' &&
        String(m.Subject).includes('did not issue'),
    );

function leakEvent(detail: Record<string, unknown>) {
  return {
    version: '0',
    id: 'evt-unissued-0001',
    source: EVENTS.source,
    'detail-type': EVENTS.apiKeyLeaked,
    account: '111122223333',
    time: '2026-11-23T09:59:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { where: 'https://paste.example.com/x', reportedBy: 'scanner', ...detail },
  };
}
const contain = async (detail: Record<string, unknown>) =>
  (await leakHandler(
    { task: 'contain', event: leakEvent(detail) },
    lambdaContext('keyturn-leak'),
  )) as LeakState;

describe.each(PROVIDER_TAGS)('%s keys', (kind, tags) => {
  beforeEach(() => setUp(kind));

  test(`attack: the current key's id planted in AWSPREVIOUS is not revoked by retirement: zero revoke calls, metric, critical page`, async () => {
    const k = await deployedKey('keyturn/prod/victim', tags);
    const planted = await plant(k.arn, k.currentKeyId, STAGE.previous, kind);
    const result = await retireHandler(
      { secretId: k.arn, versionId: planted },
      lambdaContext('keyturn-retire'),
    );
    expect(result).toMatchObject({ outcome: 'refused-unissued', keyName: 'victim' });
    expect(provider.revocations()).toEqual([]);
    expect(provider.live.has(k.currentKeyId)).toBe(true);
    // The version keeps its label: nothing at all was revoked, consumers included.
    expect(sm.versionWith(k.arn, STAGE.previous)).toBe(planted);
    expect(emitted(UNISSUED_KEY_METRIC)).toBe(true);
    const [page] = criticalPages();
    expect(page.Subject).toBe('keyturn: retire refused to revoke a key it did not issue (victim)');
    expect(page.Message).toContain(planted);
    expect(page.Message).not.toContain(k.currentKeyId);
  });

  test(`attack: another secret's key id, planted as AWSCURRENT and rotated into AWSPREVIOUS, is not revoked when its retirement fires`, async () => {
    const other = await deployedKey('keyturn/prod/other', tags);
    const k = await deployedKey('keyturn/prod/victim', tags);
    const planted = await plant(k.arn, other.currentKeyId, STAGE.current, kind);
    // The service clears AWSPENDING from the last rotation's version; the fake leaves it until told.
    sm.find(k.arn).versions.get(k.current)!.stages.delete(STAGE.pending);
    const token = sm.beginRotation(k.arn);
    for (const Step of STEPS)
      await rotateHandler({ Step, SecretId: k.arn, ClientRequestToken: token }, lambdaContext());
    expect(sm.versionWith(k.arn, STAGE.previous)).toBe(planted);
    const result = await retireHandler(
      { secretId: k.arn, versionId: planted },
      lambdaContext('keyturn-retire'),
    );
    expect(result).toMatchObject({ outcome: 'refused-unissued' });
    expect(provider.revocations()).toEqual([]);
    expect(provider.live.has(other.currentKeyId)).toBe(true);
  });

  test('guard does not fire: retirement revokes the key keyturn issued for that version', async () => {
    const k = await deployedKey('keyturn/prod/victim', tags);
    const result = await retireHandler(
      { secretId: k.arn, versionId: k.previous },
      lambdaContext('keyturn-retire'),
    );
    expect(result).toMatchObject({ outcome: 'retired' });
    expect(provider.revocations()).toEqual([
      { op: 'revoke', keyId: k.previousKeyId, secretName: 'keyturn/prod/victim' },
    ]);
    expect(emitted(UNISSUED_KEY_METRIC)).toBe(false);
    expect(criticalPages()).toEqual([]);
  });

  test(`attack: a leak signal after another secret's key id was planted in AWSPREVIOUS revokes only the key keyturn issued`, async () => {
    const other = await deployedKey('keyturn/prod/other', tags);
    const k = await deployedKey('keyturn/prod/victim', tags);
    const planted = await plant(k.arn, other.currentKeyId, STAGE.previous, kind);
    const state = await contain({ key: k.name });
    expect(state.decision).toBe('respond');
    // The planted version is treated as leaked, but its key id is not one keyturn issued for it: not revoked.
    expect(provider.revocations().map((c) => c.keyId)).toEqual([k.currentKeyId]);
    expect(provider.live.has(other.currentKeyId)).toBe(true);
    const revoke = state.actions.find((a) => a.action.startsWith('revoke leaked key'))!;
    expect(revoke.detail).toContain(`NOT revoked, keyturn did not issue the key of version(s) ${planted}`);
    expect(emitted(UNISSUED_KEY_METRIC)).toBe(true);
    const [page] = criticalPages();
    expect(page.Subject).toBe('keyturn: leak refused to revoke a key it did not issue (victim)');
    expect(page.Message).not.toContain(other.currentKeyId);
  });

  test('attack: a leak signal naming only the planted key id revokes nothing at the provider', async () => {
    const other = await deployedKey('keyturn/prod/other', tags);
    const k = await deployedKey('keyturn/prod/victim', tags);
    await plant(k.arn, other.currentKeyId, STAGE.previous, kind);
    const state = await contain({ key: k.name, keyId: other.currentKeyId });
    expect(state.leaked).toHaveLength(1);
    expect(provider.revocations()).toEqual([]);
    expect(state.actions.find((a) => a.action.startsWith('revoke leaked key'))!.outcome).toBe('failed');
  });

  test('guard does not fire: a leak signal revokes both keys keyturn issued (AWSCURRENT and AWSPREVIOUS)', async () => {
    const k = await deployedKey('keyturn/prod/victim', tags);
    const state = await contain({ key: k.name });
    expect(provider.revocations().map((c) => c.keyId)).toEqual([k.currentKeyId, k.previousKeyId]);
    expect(state.actions.find((a) => a.action.startsWith('revoke leaked key'))!.outcome).toBe('done');
    expect(emitted(UNISSUED_KEY_METRIC)).toBe(false);
  });
});

test('rule: the ledger records a refused leaked version as refused-unissued, the revoked ones as revocations', async () => {
  setUp(PROVIDER_KINDS.iamAccessKey);
  const entries: LedgerEntry[] = [];
  leakDeps.ledger = {
    append: async (entry) => {
      entries.push(entry);
    },
    history: async () => entries,
  };
  const other = await deployedKey('keyturn/prod/other', PROVIDER_TAGS[0][1]);
  const k = await deployedKey('keyturn/prod/victim', PROVIDER_TAGS[0][1]);
  const planted = await plant(k.arn, other.currentKeyId, STAGE.previous, PROVIDER_KINDS.iamAccessKey);
  const state = await contain({ key: k.name });
  await leakHandler({ task: 'conclude', state }, lambdaContext('keyturn-leak'));
  const revocations = entries.filter((e) => e.kind === 'revocation');
  expect(revocations.map((e) => [e.versionId, e.outcome]).sort()).toEqual(
    [
      [k.current, 'leak'],
      [planted, 'refused-unissued'],
    ].sort(),
  );
  expect(JSON.stringify(revocations)).not.toContain(other.currentKeyId);
});

describe('keys keyturn did not issue (in place before keyturn managed the secret)', () => {
  beforeEach(() => setUp(PROVIDER_KINDS.iamAccessKey));

  test('rule: a key that was in the secret before its first rotation is refused at retirement: a typed error, a human revokes it', async () => {
    const all = managedTags({ [TAGS.keyName]: 'legacy', ...PROVIDER_TAGS[0][1] });
    const legacyValue = JSON.stringify({
      keyturn: 1,
      provider: PROVIDER_KINDS.iamAccessKey,
      keyId: 'AKIALEGACYKEY0000001',
      key: 'l'.repeat(40),
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    const secret = sm.addSecret('keyturn/prod/legacy', { value: legacyValue, tags: all });
    registry.register(entryFor(secret, policyFromDeployedTags(all)));
    const legacy = sm.versionWith(secret.arn, STAGE.current)!;
    const token = sm.beginRotation(secret.arn);
    for (const Step of STEPS)
      await rotateHandler({ Step, SecretId: secret.arn, ClientRequestToken: token }, lambdaContext());
    // The core refuses with a typed error naming secret and version.
    const error = await retireVersion(retireDeps, { secretId: secret.arn, versionId: legacy }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnissuedKeyError);
    expect((error as UnissuedKeyError).versionId).toBe(legacy);
    expect((error as Error).message).not.toContain('AKIALEGACYKEY0000001');
    expect(provider.revocations()).toEqual([]);
  });
});
