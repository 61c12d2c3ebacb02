/**
 * Attacks on the trust the functions place in a secret (issue 14), through the real handlers: a secret planted under
 * the prefix with keyturn's tags, for each provider (self-issued, IAM, API Gateway, HTTP), is refused by rotate,
 * retire and leak's contain before any provider call; so are a secret re-created under a registered name (another
 * ARN) and a registered name on a foreign or the AWS-managed KMS key. The registry, never the tags, is what they
 * act on: a tag edit on a registered secret changes nothing a provider sees.
 */
import { SecretsManagerClient, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerLeakSecrets } from '../../lambdas/aws/leak-secrets';
import { BOOTSTRAP_SECRET_VALUE, EVENTS, PROVIDER_KINDS, TAGS } from '../../lambdas/core/constants';
import { contain } from '../../lambdas/core/leak/contain';
import type { LeakDeps } from '../../lambdas/core/leak/ports';
import type { KeyContext, KeyProvider } from '../../lambdas/core/provider';
import { UnregisteredSecretError } from '../../lambdas/core/registry';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { deps as retireDeps, handler as retireHandler } from '../../lambdas/retire/handler';
import { deps as rotateDeps, handler as rotateHandler } from '../helpers/rotate-handler';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { entryFor, MemoryKeyRegistry, policyFromDeployedTags } from '../helpers/registry';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { fakeSns, installTagResource } from '../retire/fakes';

const sm = new FakeSecretsManager();
const sns = fakeSns();
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const VICTIM_USER = 'arn:aws:iam::111122223333:user/ci/deployer';

/** Every provider kind, recording every call: a refusal must leave `calls` empty. */
class RecordingProvider implements KeyProvider {
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  constructor(
    readonly kind: string,
    readonly calls: Array<[string, KeyContext]>,
  ) {}
  async create(ctx: KeyContext) {
    this.calls.push(['create', ctx]);
    return { keyId: `${this.kind}-new`, key: 'x'.repeat(40) };
  }
  async activate(ctx: KeyContext) {
    this.calls.push(['activate', ctx]);
  }
  async verify(ctx: KeyContext) {
    this.calls.push(['verify', ctx]);
    return { accepted: true as const };
  }
  async revoke(ctx: KeyContext) {
    this.calls.push(['revoke', ctx]);
  }
}

/** The tags an attacker copies from a real key of each provider, naming a victim target. */
const PLANTED_TAGS: Array<[string, Record<string, string>]> = [
  ['self-issued', managedTags()],
  [
    'iam-access-key',
    managedTags({
      [TAGS.provider]: PROVIDER_KINDS.iamAccessKey,
      [`${TAGS.providerSetting}user-arn`]: VICTIM_USER,
    }),
  ],
  [
    'api-gateway-key',
    managedTags({
      [TAGS.provider]: PROVIDER_KINDS.apiGatewayKey,
      [`${TAGS.providerSetting}usage-plan-ids`]: 'abc123',
    }),
  ],
  [
    'http-admin-api',
    managedTags({
      [TAGS.provider]: PROVIDER_KINDS.httpAdminApi,
      [`${TAGS.providerSetting}profile`]: 'sendgrid',
      [`${TAGS.providerSetting}admin-secret-arn`]:
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin-AbCdEf',
    }),
  ],
];

const storedKey = (provider: string, keyId: string) =>
  JSON.stringify({
    keyturn: 1,
    provider,
    keyId,
    key: 'y'.repeat(40),
    createdAt: '2026-11-01T00:00:00.000Z',
  });

let calls: Array<[string, KeyContext]>;
let registry: MemoryKeyRegistry;
let output: ReturnType<typeof captureOutput>;
const saved = { rotate: { ...rotateDeps }, retire: { ...retireDeps } };

beforeEach(() => {
  sm.reset();
  installTagResource(sm);
  sns.reset();
  calls = [];
  registry = new MemoryKeyRegistry();
  const providers = new MapProviderRegistry(
    Object.values(PROVIDER_KINDS).map((kind) => new RecordingProvider(kind, calls)),
  );
  Object.assign(rotateDeps, { registry, providers });
  Object.assign(retireDeps, { registry, providers, sleep: async () => undefined, ledger: undefined });
  output = captureOutput();
});
afterEach(() => output.restore());
afterAll(() => {
  Object.assign(rotateDeps, saved.rotate);
  Object.assign(retireDeps, saved.retire);
});

/** A real, deployed key: registered with the policy of its configuration. */
function deployed(name: string, tags: Record<string, string>, value = BOOTSTRAP_SECRET_VALUE) {
  const secret = sm.addSecret(name, { value, tags });
  registry.register(entryFor(secret, policyFromDeployedTags(tags)));
  return secret;
}

async function rotateRejection(secretId: string): Promise<unknown[]> {
  const token = sm.beginRotation(secretId);
  const errors: unknown[] = [];
  for (const Step of STEPS) {
    errors.push(
      await rotateHandler({ Step, SecretId: secretId, ClientRequestToken: token }, lambdaContext()).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
  }
  return errors;
}

const tagWrites = () => sm.mock.commandCalls(TagResourceCommand).length;
const emittedRefusal = (reason: string) =>
  output.lines().some((l) => l.includes('"SecretRefused"') && l.includes(`"Reason":"${reason}"`));

describe.each(PLANTED_TAGS)('a planted %s secret', (kind, tags) => {
  test(`attack: rotating a planted ${kind} secret is refused at every step with zero provider calls, a metric and a notice`, async () => {
    deployed('keyturn/prod/billing-api', managedTags());
    const planted = sm.addSecret('keyturn/prod/evil', { value: BOOTSTRAP_SECRET_VALUE, tags });
    const errors = await rotateRejection(planted.arn);
    // setSecret with a memo from no createSecret describes and refuses too.
    for (const error of errors) expect(error).toBeInstanceOf(UnregisteredSecretError);
    expect(calls).toEqual([]);
    expect(sm.callCount('PutSecretValue') + sm.callCount('UpdateSecretVersionStage')).toBe(0);
    expect(emittedRefusal('not-registered')).toBe(true);
    expect(sns.messages().map((m) => m.Subject)).toContain(
      'keyturn: rotate refused a secret it does not manage (not-registered)',
    );
  });

  test(`attack: a retirement of a planted ${kind} secret's "current key" is refused with zero provider calls`, async () => {
    const planted = sm.addSecret('keyturn/prod/evil', {
      value: storedKey(tags[TAGS.provider], 'VICTIMS-CURRENT-KEY-ID'),
      tags,
    });
    const versionId = sm.versionWith(planted.arn, 'AWSCURRENT')!;
    sm.beginRotation(planted.arn, '22222222-2222-4222-8222-222222222222');
    const error = await retireHandler(
      { secretId: planted.arn, versionId },
      lambdaContext('keyturn-retire'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnregisteredSecretError);
    expect(calls).toEqual([]);
    expect(sm.callCount('UpdateSecretVersionStage') + tagWrites()).toBe(0);
    expect(emittedRefusal('not-registered')).toBe(true);
  });

  test(`attack: a leak signal naming a planted ${kind} secret revokes nothing (unmanaged)`, async () => {
    const planted = sm.addSecret('keyturn/prod/evil', {
      value: storedKey(tags[TAGS.provider], 'VICTIMS-CURRENT-KEY-ID'),
      tags,
    });
    const state = await contain(leakDeps(), leakEvent(planted.name));
    expect(state.decision).toBe('unmanaged');
    expect(calls).toEqual([]);
    expect(tagWrites()).toBe(0);
  });
});

test('guard does not fire: the registered secret rotates, and its provider sees the registry policy', async () => {
  const tags = PLANTED_TAGS[1][1];
  const s = deployed('keyturn/prod/deployer', tags);
  const errors = await rotateRejection(s.arn);
  expect(errors).toEqual([undefined, undefined, undefined, undefined]);
  expect(calls.map(([op]) => op)).toEqual(['create', 'activate', 'verify', 'verify']);
  expect(calls[0][1].policy.providerSettings['user-arn']).toBe(VICTIM_USER);
  expect(emittedRefusal('not-registered')).toBe(false);
});

test('attack: tag edits on a registered secret (another IAM user, another provider) change nothing the provider sees', async () => {
  const tags = PLANTED_TAGS[1][1];
  const s = deployed('keyturn/prod/deployer', tags);
  Object.assign(sm.find(s.arn).tags, {
    [TAGS.provider]: PROVIDER_KINDS.apiGatewayKey,
    [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/admin',
    [TAGS.overlapHours]: '0',
  });
  await rotateRejection(s.arn);
  expect(calls.length).toBeGreaterThan(0);
  for (const [, ctx] of calls) {
    expect(ctx.policy.provider).toBe(PROVIDER_KINDS.iamAccessKey);
    expect(ctx.policy.providerSettings['user-arn']).toBe(VICTIM_USER);
    expect(ctx.policy.overlapHours).toBe(24);
  }
});

test('attack: a secret re-created under a registered name (another ARN suffix) is refused with zero provider calls', async () => {
  const real = deployed('keyturn/prod/deployer', PLANTED_TAGS[1][1]);
  sm.find(real.arn).deleted = true;
  const impostor = sm.addSecret('keyturn/prod/deployer', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: PLANTED_TAGS[1][1],
  });
  expect(impostor.arn).not.toBe(real.arn);
  const errors = await rotateRejection(impostor.arn);
  expect((errors[0] as UnregisteredSecretError).reason).toBe('other-secret');
  expect(calls).toEqual([]);
  expect(emittedRefusal('other-secret')).toBe(true);
});

test.each([
  ['the AWS-managed key (aws/secretsmanager)', null],
  ['another customer key', 'arn:aws:kms:eu-west-1:111122223333:key/99999999-attacker-key'],
  ["an alias of keyturn's key", 'alias/keyturn'],
])(
  "attack: a registered name and ARN encrypted with %s is refused (KmsKeyId is not keyturn's) with zero provider calls",
  async (_what, kmsKeyId) => {
    const s = deployed('keyturn/prod/deployer', PLANTED_TAGS[1][1]);
    if (kmsKeyId === null) delete sm.find(s.arn).kmsKeyId;
    else sm.find(s.arn).kmsKeyId = kmsKeyId;
    const errors = await rotateRejection(s.arn);
    expect((errors[0] as UnregisteredSecretError).reason).toBe('foreign-kms-key');
    expect(calls).toEqual([]);
    expect(emittedRefusal('foreign-kms-key')).toBe(true);
  },
);

test("guard does not fire: the secret on keyturn's key by bare key id is admitted", async () => {
  const s = deployed('keyturn/prod/deployer', PLANTED_TAGS[1][1]);
  const arn = sm.find(s.arn).kmsKeyId!;
  sm.find(s.arn).kmsKeyId = arn.slice(arn.lastIndexOf('/') + 1);
  const errors = await rotateRejection(s.arn);
  expect(errors).toEqual([undefined, undefined, undefined, undefined]);
});

function leakDeps(): LeakDeps {
  return {
    secrets: new SecretsManagerLeakSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), {
      secretPrefix: 'keyturn/',
    }),
    providers: rotateDeps.providers,
    registry,
    issuance: new MemoryIssuanceLog(),
    incidents: {
      openOrJoin: async ({ record }) => ({ outcome: 'opened', incidentId: record.id }),
      save: async () => undefined,
      get: async () => undefined,
      attachApprovalToken: async () => undefined,
      releaseMarker: async () => undefined,
    },
    trail: { lookup: async () => ({ records: [], truncated: false }) },
    notify: async () => undefined,
    now: () => new Date('2026-11-23T10:00:00Z'),
    sleep: async () => {},
    secretPrefix: 'keyturn/',
    dedupeWindowSeconds: 3600,
  };
}

function leakEvent(key: string) {
  return {
    version: '0',
    id: 'evt-planted-0001',
    source: EVENTS.source,
    'detail-type': EVENTS.apiKeyLeaked,
    account: '111122223333',
    time: '2026-11-23T09:59:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { key, where: 'https://paste.example.com/x', reportedBy: 'attacker' },
  };
}
