/**
 * The deployed registry under random attacks (issue 14), property-based: a fleet of registered keys (IAM, API
 * Gateway, HTTP admin API and self-issued providers) and random schedules of what anyone in the account can do:
 * plant secrets (random names under and outside the prefix, keyturn's managed tags naming configured provider
 * targets, keyturn's, another or the AWS-managed KMS key, values naming any key id), re-create a registered secret
 * under its name, edit a registered secret's tags, write its values (another key's id, staged as AWSCURRENT or
 * AWSPREVIOUS), and interleaved with them what keyturn does: rotations, retirements of any version, leak signals.
 * Properties: no provider call ever names an unregistered secret (nothing minted, activated, verified or revoked
 * for it), and no key id is revoked unless the provider minted it for that very secret and version.
 * Runs: KEYTURN_PROPERTY_RUNS (default 1,000). A failure prints fast-check's seed and path to replay.
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as fc from 'fast-check';
import { SecretsManagerLeakSecrets } from '../../lambdas/aws/leak-secrets';
import { SecretsManagerRetirementMarks } from '../../lambdas/aws/retirement-marks';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import {
  BOOTSTRAP_SECRET_VALUE,
  EVENTS,
  PROVIDER_KINDS,
  ROTATION_STEPS,
  STAGE,
  TAGS,
} from '../../lambdas/core/constants';
import type { IssuanceLog, IssuedKeyRecord } from '../../lambdas/core/issuance';
import { contain } from '../../lambdas/core/leak/contain';
import type { LeakDeps } from '../../lambdas/core/leak/ports';
import type { KeyContext, KeyProvider } from '../../lambdas/core/provider';
import type { KeyRegistry } from '../../lambdas/core/registry';
import { retireVersion } from '../../lambdas/core/retire';
import { runRotationStep, type RotationDeps } from '../../lambdas/core/rotation';
import { parseSecretContent, type StoredKey } from '../../lambdas/core/stored-key';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { managedTags } from '../helpers/keys';
import { deployedRegistry, entryFor, MemoryKeyRegistry, policyFromDeployedTags } from '../helpers/registry';
import { FAKE_KMS_KEY_ARN, FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { installTagResource } from '../retire/fakes';
import { PROPERTY_RUNS } from './rotation-world';

const sm = new FakeSecretsManager();
/** The secret at this ARN unless deleted (the fake's `find` throws for a deleted one). */
const alive = (arn: string | undefined) => {
  const s = arn === undefined ? undefined : sm.secrets.get(arn);
  return s && !s.deleted ? s : undefined;
};
const client = new SecretsManagerClient({ region: 'eu-west-1' });

/** The provider targets the configuration names: what a planted secret's tags copy. */
const TARGETS: Record<string, Record<string, string>> = {
  [PROVIDER_KINDS.iamAccessKey]: {
    [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/ci/deployer',
  },
  [PROVIDER_KINDS.apiGatewayKey]: { [`${TAGS.providerSetting}usage-plan-ids`]: 'abc123' },
  [PROVIDER_KINDS.httpAdminApi]: {
    [`${TAGS.providerSetting}profile`]: 'sendgrid',
    [`${TAGS.providerSetting}admin-secret-arn`]:
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin-AbCdEf',
  },
  [PROVIDER_KINDS.selfIssued]: { [`${TAGS.providerSetting}key-prefix`]: 'kt_live_' },
};
const KINDS = Object.keys(TARGETS);
/** The deployed fleet: one key per provider kind. */
const FLEET = KINDS.map((kind, i) => ({ name: `keyturn/prod/key-${i}`, kind }));

interface Call {
  op: 'create' | 'activate' | 'verify' | 'revoke' | 'contain';
  secretId: string;
  secretName: string;
  token: string;
  keyId?: string;
}

/** One provider per kind, sharing the record of every call and of every key it minted (and for which version). */
class Provider implements KeyProvider {
  readonly createHasSideEffects = true;
  /** As the runtime providers say: only self-issued keys are checked by consumers against the secret. */
  readonly checkedByConsumers: boolean;
  constructor(
    readonly kind: string,
    private readonly world: World,
  ) {
    this.checkedByConsumers = kind === PROVIDER_KINDS.selfIssued;
  }
  private log(op: Call['op'], ctx: KeyContext, keyId?: string) {
    this.world.calls.push({
      op,
      secretId: ctx.secretId,
      secretName: ctx.secretName,
      token: ctx.token,
      keyId,
    });
  }
  async create(ctx: KeyContext) {
    const keyId = `${this.kind}-${++this.world.minted}`;
    this.log('create', ctx, keyId);
    this.world.mintedFor.add(`${ctx.secretId}\n${ctx.token}\n${keyId}`);
    this.world.live.add(keyId);
    return { keyId, key: 'k'.repeat(40) };
  }
  async activate(ctx: KeyContext) {
    this.log('activate', ctx);
  }
  async verify(ctx: KeyContext, key: StoredKey) {
    this.log('verify', ctx, key.keyId);
    return this.world.live.has(key.keyId)
      ? { accepted: true as const }
      : { accepted: false as const, reason: 'revoked' };
  }
  async revoke(ctx: KeyContext, key: StoredKey) {
    this.log('revoke', ctx, key.keyId);
    this.world.live.delete(key.keyId);
  }
  async contain(ctx: KeyContext, key: StoredKey) {
    this.log('contain', ctx, key.keyId);
    this.world.live.delete(key.keyId);
  }
}

type Secret = { kind: 'fleet'; index: number } | { kind: 'planted'; index: number };
type Action =
  | {
      kind: 'plant';
      underPrefix: boolean;
      name: string;
      provider: string;
      kms: 'keyturn' | 'aws-managed' | 'foreign';
      keyIdFrom: number;
    }
  | { kind: 'recreate'; index: number; provider: string }
  | { kind: 'tag-edit'; index: number; tag: string; value: string }
  | { kind: 'value-edit'; index: number; stage: 'AWSCURRENT' | 'AWSPREVIOUS'; keyIdFrom: number }
  | { kind: 'rotate'; secret: Secret }
  | { kind: 'retire'; secret: Secret; version: number | 'previous' }
  | { kind: 'leak'; secret: Secret; keyIdFrom: number | null };

const secretArb: fc.Arbitrary<Secret> = fc.oneof(
  fc.record({ kind: fc.constant('fleet' as const), index: fc.nat(FLEET.length - 1) }),
  fc.record({ kind: fc.constant('planted' as const), index: fc.nat(5) }),
);
const TAG_EDITS = [
  TAGS.provider,
  TAGS.overlapHours,
  TAGS.leakPolicy,
  ...new Set(Object.values(TARGETS).flatMap((t) => Object.keys(t))),
];
const TAG_VALUES = [
  ...KINDS,
  '0',
  'rotate-then-revoke',
  'arn:aws:iam::111122223333:user/admin',
  'other-plan',
];

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('plant' as const),
      underPrefix: fc.boolean(),
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
      provider: fc.constantFrom(...KINDS),
      kms: fc.constantFrom<'keyturn' | 'aws-managed' | 'foreign'>('keyturn', 'aws-managed', 'foreign'),
      keyIdFrom: fc.nat(40),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('recreate' as const),
      index: fc.nat(FLEET.length - 1),
      provider: fc.constantFrom(...KINDS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tag-edit' as const),
      index: fc.nat(FLEET.length - 1),
      tag: fc.constantFrom(...TAG_EDITS),
      value: fc.constantFrom(...TAG_VALUES),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('value-edit' as const),
      index: fc.nat(FLEET.length - 1),
      stage: fc.constantFrom<'AWSCURRENT' | 'AWSPREVIOUS'>('AWSCURRENT', 'AWSPREVIOUS'),
      keyIdFrom: fc.nat(40),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('rotate' as const), secret: secretArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('retire' as const),
      secret: secretArb,
      // Mostly the version a retirement schedule names (AWSPREVIOUS); sometimes any version at all.
      version: fc.oneof(fc.constant('previous' as const), fc.nat(8)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('leak' as const),
      secret: secretArb,
      keyIdFrom: fc.option(fc.nat(40), { freq: 1 }),
    }),
  },
);

/** Trusts the stored values, as keyturn did before issuance was recorded: the sensitivity check's broken log. */
function valueTrustingLog(): IssuanceLog {
  return {
    recordIssued: async () => undefined,
    issuedFor: async (secretName) => {
      const records: IssuedKeyRecord[] = [];
      for (const s of sm.secrets.values()) {
        if (s.name !== secretName || s.deleted) continue;
        for (const [versionId, v] of s.versions) {
          const parsed = v.value === undefined ? undefined : parseSecretContent(v.value);
          if (parsed?.ok && parsed.content.kind === 'key')
            records.push({ secretArn: s.arn, versionId, keyId: parsed.content.key.keyId, at: '' });
        }
      }
      return records;
    },
  };
}

class World {
  readonly calls: Call[] = [];
  readonly live = new Set<string>();
  /** `<secretArn>\n<versionId>\n<keyId>` of every key a provider minted in createSecret. */
  readonly mintedFor = new Set<string>();
  minted = 0;
  readonly registered = new Set<string>();
  readonly fleet: string[] = [];
  readonly planted: string[] = [];
  readonly registry = new MemoryKeyRegistry();
  readonly issuance: IssuanceLog;
  readonly rotation: RotationDeps;
  readonly leak: LeakDeps;
  refusals = 0;
  errors: unknown[] = [];

  constructor(options: { registry?: KeyRegistry; issuance?: IssuanceLog } = {}) {
    this.issuance = options.issuance ?? new MemoryIssuanceLog();
    const providers = new MapProviderRegistry(KINDS.map((k) => new Provider(k, this)));
    const registry = options.registry ?? this.registry;
    this.rotation = {
      store: new SecretsManagerSecretStore(client),
      providers,
      registry,
      issuance: this.issuance,
      sleep: async () => undefined,
      secretPrefix: 'keyturn/',
    };
    this.leak = {
      secrets: new SecretsManagerLeakSecrets(client, { secretPrefix: 'keyturn/' }),
      providers,
      registry,
      issuance: this.issuance,
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
      sleep: async () => undefined,
      secretPrefix: 'keyturn/',
      dedupeWindowSeconds: 3600,
      reportUnissued: async () => {
        this.refusals++;
      },
    };
  }

  async setUp() {
    for (const { name, kind } of FLEET) {
      const tags = managedTags({
        [TAGS.keyName]: name.split('/').pop()!,
        [TAGS.provider]: kind,
        ...TARGETS[kind],
      });
      if (kind !== PROVIDER_KINDS.selfIssued) delete tags[`${TAGS.providerSetting}key-prefix`];
      const secret = sm.addSecret(name, { value: BOOTSTRAP_SECRET_VALUE, tags });
      this.registry.register(entryFor(secret, policyFromDeployedTags(tags)));
      this.registered.add(secret.arn);
      this.fleet.push(secret.arn);
      await this.rotate(secret.arn);
      await this.rotate(secret.arn);
    }
  }

  arnOf(secret: Secret): string | undefined {
    if (secret.kind === 'fleet') return this.fleet[secret.index];
    return this.planted.length ? this.planted[secret.index % this.planted.length] : undefined;
  }

  keyIdFrom(n: number): string {
    const ids = [...this.mintedFor].map((m) => m.split('\n')[2]);
    return ids.length && n < 30 ? ids[n % ids.length] : `planted-key-${n}`;
  }

  storedValue(provider: string, keyId: string): string {
    return JSON.stringify({
      keyturn: 1,
      provider,
      keyId,
      key: 'z'.repeat(40),
      createdAt: '2026-11-01T00:00:00.000Z',
    });
  }

  async rotate(arn: string) {
    let token: string;
    try {
      token = sm.beginRotation(arn);
    } catch {
      return; // a previous rotation is not complete: the service refuses
    }
    for (const Step of ROTATION_STEPS) {
      try {
        await runRotationStep(this.rotation, { Step, SecretId: arn, ClientRequestToken: token });
      } catch (error) {
        this.note(error);
        return;
      }
    }
    // The service clears AWSPENDING once the rotation succeeded.
    sm.find(arn).versions.get(token)?.stages.delete(STAGE.pending);
  }

  note(error: unknown) {
    const name = (error as Error)?.name;
    if (name === 'UnregisteredSecretError' || name === 'UnissuedKeyError') this.refusals++;
    this.errors.push(error);
  }

  async apply(action: Action): Promise<void> {
    switch (action.kind) {
      case 'plant': {
        const name = `${action.underPrefix ? 'keyturn/prod/' : 'other/prod/'}${action.name}`;
        if ([...sm.secrets.values()].some((s) => s.name === name && !s.deleted)) return;
        const tags = managedTags({
          [TAGS.keyName]: action.name,
          [TAGS.provider]: action.provider,
          ...TARGETS[action.provider],
        });
        const kmsKeyId =
          action.kms === 'keyturn'
            ? FAKE_KMS_KEY_ARN
            : action.kms === 'aws-managed'
              ? null
              : 'arn:aws:kms:eu-west-1:111122223333:key/attacker';
        const secret = sm.addSecret(name, {
          value: this.storedValue(action.provider, this.keyIdFrom(action.keyIdFrom)),
          tags,
          kmsKeyId,
        });
        this.planted.push(secret.arn);
        return;
      }
      case 'recreate': {
        const real = alive(this.fleet[action.index]);
        if (!real) return;
        real.deleted = true;
        const impostor = sm.addSecret(real.name, {
          value: this.storedValue(action.provider, this.keyIdFrom(0)),
          tags: { ...real.tags },
        });
        this.planted.push(impostor.arn);
        return;
      }
      case 'tag-edit': {
        const s = alive(this.fleet[action.index]);
        if (s) s.tags[action.tag] = action.value;
        return;
      }
      case 'value-edit': {
        const s = alive(this.fleet[action.index]);
        if (!s) return;
        await client.send(
          new PutSecretValueCommand({
            SecretId: s.arn,
            SecretString: this.storedValue(s.tags[TAGS.provider], this.keyIdFrom(action.keyIdFrom)),
            VersionStages: [action.stage],
          }),
        );
        return;
      }
      case 'rotate': {
        const arn = this.arnOf(action.secret);
        if (arn && alive(arn)) await this.rotate(arn);
        return;
      }
      case 'retire': {
        const arn = this.arnOf(action.secret);
        const secret = alive(arn);
        if (!arn || !secret) return;
        const versions = [...secret.versions.keys()];
        const versionId =
          action.version === 'previous'
            ? sm.versionWith(arn, STAGE.previous)
            : versions[action.version % versions.length];
        if (!versionId) return;
        try {
          await retireVersion(
            {
              store: this.rotation.store,
              marks: new SecretsManagerRetirementMarks(client),
              providers: this.rotation.providers,
              registry: this.rotation.registry,
              issuance: this.issuance,
              secretPrefix: 'keyturn/',
              sleep: async () => undefined,
              proofRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
            },
            { secretId: arn, versionId },
          );
        } catch (error) {
          this.note(error);
        }
        return;
      }
      case 'leak': {
        const secret = alive(this.arnOf(action.secret));
        if (!secret) return;
        const detail = {
          key: secret.name,
          where: 'https://paste.example.com/x',
          reportedBy: 'scanner',
          ...(action.keyIdFrom === null ? {} : { keyId: this.keyIdFrom(action.keyIdFrom) }),
        };
        try {
          const state = await contain(this.leak, {
            version: '0',
            id: `evt-${this.calls.length}-${Math.floor(Math.random() * 1e9)}`,
            source: EVENTS.source,
            'detail-type': EVENTS.apiKeyLeaked,
            account: '111122223333',
            time: '2026-11-23T09:59:00Z',
            region: 'eu-west-1',
            resources: [],
            detail,
          });
          if (state.decision === 'unmanaged') this.refusals++;
        } catch (error) {
          this.note(error);
        }
        return;
      }
    }
  }

  /** The two properties, as a list of what broke them. */
  violations(): string[] {
    const out: string[] = [];
    for (const c of this.calls) {
      if (!this.registered.has(c.secretId))
        out.push(`${c.op} at the provider for unregistered secret ${c.secretName} (${c.secretId})`);
      if (
        (c.op === 'revoke' || c.op === 'contain') &&
        !this.mintedFor.has(`${c.secretId}\n${c.token}\n${c.keyId}`)
      )
        out.push(`${c.op} of key ${c.keyId} that was not minted for ${c.secretName} version ${c.token}`);
    }
    return out;
  }
}

async function runScenario(actions: Action[], options?: ConstructorParameters<typeof World>[0]) {
  sm.reset();
  installTagResource(sm);
  const world = new World(options);
  await world.setUp();
  for (const action of actions) await world.apply(action);
  return world;
}

const scenarios = fc.array(actionArb, { minLength: 1, maxLength: 25 });
const runs = Math.max(1, Math.floor(PROPERTY_RUNS / 4));

test(`rule: planted secrets, re-created secrets, tag edits and value edits never lead to a provider call for an unregistered secret, nor to revoking a key id keyturn did not mint for that secret and version (${runs} runs)`, async () => {
  let revocations = 0;
  let refusals = 0;
  await fc.assert(
    fc.asyncProperty(scenarios, async (actions) => {
      const world = await runScenario(actions);
      revocations += world.calls.filter((c) => c.op === 'revoke' || c.op === 'contain').length;
      refusals += world.refusals;
      expect(world.violations()).toEqual([]);
    }),
    { numRuns: runs },
  );
  // Not vacuous: registered keys were revoked, and planted secrets or key ids were refused.
  expect(revocations).toBeGreaterThan(runs / 2);
  expect(refusals).toBeGreaterThan(runs / 4);
});

describe('the property can fail (sensitivity)', () => {
  test('rule: functions that believed the tags (a registry built from them) are caught calling a provider for a planted secret', async () => {
    const result = await fc.check(
      fc.asyncProperty(scenarios, async (actions) => {
        const world = await runScenario(actions, { registry: deployedRegistry(sm) });
        return world.violations().length === 0;
      }),
      { numRuns: runs },
    );
    expect(result.failed).toBe(true);
  });

  test('rule: functions that believed the stored key id (no issuance record) are caught revoking a planted key id', async () => {
    const result = await fc.check(
      fc.asyncProperty(scenarios, async (actions) => {
        const world = await runScenario(actions, { issuance: valueTrustingLog() });
        return world.violations().length === 0;
      }),
      { numRuns: runs },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample?.[0].some((a) => a.kind === 'value-edit' || a.kind === 'plant')).toBe(true);
  });
});
