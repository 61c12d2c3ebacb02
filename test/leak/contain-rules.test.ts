/**
 * Rules of the leak response's first task (lambdas/core/leak/contain.ts) without the state machine
 * (test/leak/rules-world.ts): how a report finds its secret, which versions count as leaked, that revoke-first
 * revokes them at once (provider and marks together) while rotate-then-revoke revokes nothing yet, that only a key
 * id keyturn issued for that secret and version is revoked at the provider, and how the incident is opened or joined.
 */
import { BOOTSTRAP_SECRET_VALUE, LEAK_TAGS } from '../../lambdas/core/constants';
import { KeyConfigurationError } from '../../lambdas/core/errors';
import type { UnissuedKeyError } from '../../lambdas/core/issuance';
import {
  contain,
  describeRevocation,
  describeVersion,
  revokeVersions,
  secretNameOf,
} from '../../lambdas/core/leak/contain';
import { SecretNotFoundError, type LeakDeps, type LeakSecrets } from '../../lambdas/core/leak/ports';
import type { KeyContext } from '../../lambdas/core/provider';
import { acceptedVersions } from '../../lambdas/core/retirement';
import type { StoredKey } from '../../lambdas/core/stored-key';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';
import { captureOutput } from '../helpers/lambda';
import { RevocableProvider } from '../retire/fakes';
import { reportOf, rulesWorld, type RulesWorld } from './rules-world';
import { healthEvent, iamKey, selfIssuedKey } from './world';

let world: RulesWorld;
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  world = rulesWorld(10);
  output = captureOutput();
});
afterEach(() => output.restore());

const revokedTagOf = (arn: string) =>
  (world.sm.find(arn).tags[LEAK_TAGS.revokedVersions] ?? '').split(' ').filter(Boolean);
const accepted = async (arn: string) => acceptedVersions(await world.deps.secrets.describe(arn));
const keyIdAt = (arn: string, stage: string) =>
  (JSON.parse(world.sm.valueAt(arn, stage)!) as { keyId: string }).keyId;
const secretsWith = (overrides: Partial<LeakSecrets>): LeakDeps => ({
  ...world.deps,
  secrets: Object.assign(Object.create(world.deps.secrets), overrides) as LeakSecrets,
});

/** An IAM-like provider that contains in one call (as IAM deactivates) instead of revoking. */
class ContainingProvider extends RevocableProvider {
  readonly contained: Array<{ ctx: KeyContext; keyId: string }> = [];
  async contain(ctx: KeyContext, key: StoredKey) {
    this.contained.push({ ctx, keyId: key.keyId });
    this.live.delete(key.keyId);
  }
}

describe('the state contain starts', () => {
  test('rule: the response starts as "respond", nothing revoked or rotated, with the signal recorded first', async () => {
    const key = await selfIssuedKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const state = await contain(world.deps, reportOf('billing-api', { exposedAt: '2026-11-22T08:00:00Z' }));
    expect(state).toMatchObject({
      incidentId: 'inc-20261123T095900-evt0001aaaab',
      decision: 'respond',
      revoked: false,
      rotation: 'not-started',
      rotationChecks: 0,
      replacedVersion: key.current,
    });
    expect(Date.parse(state.detectedAt)).not.toBeNaN();
    expect(state.actions[0]).toEqual({
      at: state.detectedAt,
      action: 'signal received',
      outcome: 'note',
      detail:
        'keyturn: https://github.com/acme/app/blob/main/.env (reported by secret-scanner (claimed; sent from account 111122223333 (verified by EventBridge) through the leak bus))',
    });
    expect(state.actions[1]).toMatchObject({
      action: 'resolve key',
      outcome: 'done',
      detail: 'keyturn/prod/billing-api: 2 live version(s) treated as leaked',
    });
    expect(state.key).toEqual({
      secretArn: key.arn,
      secretName: 'keyturn/prod/billing-api',
      keyName: 'billing-api',
      environment: 'prod',
      provider: 'self-issued',
      leakPolicy: 'rotate-then-revoke',
      owner: 'payments-team@example.com',
      runbook: 'https://runbooks.example.com/keyturn/billing-api',
      linkedSystems: ['billing-service'],
    });
    expect(state.leaked).toEqual([
      {
        versionId: key.current,
        keyId: keyIdAt(key.arn, 'AWSCURRENT'),
        stage: 'AWSCURRENT',
        createdAt: expect.any(String),
      },
      {
        versionId: key.previous,
        keyId: keyIdAt(key.arn, 'AWSPREVIOUS'),
        stage: 'AWSPREVIOUS',
        createdAt: expect.any(String),
      },
    ]);
  });

  test('rule: a key without owner or runbook has neither in its reference', async () => {
    await selfIssuedKey(world, { 'keyturn:owner': '', 'keyturn:runbook': '' });
    const state = await contain(world.deps, reportOf('billing-api'));
    expect(state.key).not.toHaveProperty('owner');
    expect(state.key).not.toHaveProperty('runbook');
  });
});

describe('finding the secret', () => {
  test('rule: a report by secret name or ARN reads that secret; by key name and environment, the secret of that name', async () => {
    const key = await selfIssuedKey(world);
    for (const ref of ['keyturn/prod/billing-api', key.arn]) {
      world.incidents.markers.clear();
      const state = await contain(world.deps, reportOf(ref, { environment: undefined }));
      expect(state.key?.secretArn).toBe(key.arn);
    }
    world.incidents.markers.clear();
    const byName = await contain(world.deps, reportOf('billing-api'));
    expect(byName.key?.secretArn).toBe(key.arn);
  });

  test('rule: a key name with an environment is the secret of that environment, though the name exists in others', async () => {
    const prod = await selfIssuedKey(world);
    const staging = world.sm.addSecret('keyturn/staging/billing-api', {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags({ 'keyturn:environment': 'staging' }),
    });
    await world.rotate(staging.arn);
    const state = await contain(world.deps, reportOf('billing-api', { environment: 'staging' }));
    expect(state.key?.secretArn).toBe(staging.arn);
    expect(revokedTagOf(prod.arn)).toEqual([]);
  });

  test('rule: a bare key name is looked up by its key-name tag; one match is the key, none or several are unmanaged', async () => {
    const key = await selfIssuedKey(world);
    const bare = reportOf('billing-api', { environment: undefined });
    const found = await contain(world.deps, bare);
    expect(found.key?.secretArn).toBe(key.arn);
    world.incidents.markers.clear();
    const two = secretsWith({ findByKeyName: async () => [key.arn, `${key.arn}-other`] });
    expect((await contain(two, bare)).decision).toBe('unmanaged');
    const none = secretsWith({ findByKeyName: async () => [] });
    expect((await contain(none, bare)).decision).toBe('unmanaged');
  });

  test('rule: an AWS Health report names an access key id: the managed IAM secret holding it is the key', async () => {
    const key = await iamKey(world);
    const accessKeyId = keyIdAt(key.arn, 'AWSPREVIOUS');
    const state = await contain(world.deps, healthEvent(accessKeyId));
    expect(state.key?.secretArn).toBe(key.arn);
    expect(state.leaked.map((v) => v.versionId)).toEqual([key.previous]);
    expect(world.iam.revoked).toEqual([accessKeyId]);
    const unknown = await contain(world.deps, healthEvent('AKIA999999999999', undefined, 'other-event'));
    expect(unknown.decision).toBe('unmanaged');
  });

  test('rule: a key that is not managed is unmanaged: nothing revoked, no incident opened here, nobody paged yet', async () => {
    await selfIssuedKey(world);
    world.sm.addSecret('keyturn/prod/planted', { value: 'x', tags: { 'keyturn:key': 'planted' } });
    for (const [i, ref] of ['keyturn/prod/nothing', 'keyturn/prod/planted'].entries()) {
      const state = await contain(world.deps, reportOf(ref, {}, `evt-000${i}-unmanaged`));
      expect(state.decision).toBe('unmanaged');
      expect(state.key).toBeUndefined();
      expect(state.leaked).toEqual([]);
      expect(state.actions.at(-1)).toMatchObject({
        action: 'resolve key',
        outcome: 'failed',
        detail: 'not a keyturn-managed key',
      });
    }
    expect(world.incidents.records.size).toBe(0);
    expect(world.messages).toEqual([]);
    expect(revokedTagOf('keyturn/prod/billing-api')).toEqual([]);
  });

  test('rule: a read that fails otherwise than "not found" fails the task (it is retried), it is not "unmanaged"', async () => {
    await selfIssuedKey(world);
    const throttled = () =>
      Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(contain(secretsWith({ describe: throttled }), reportOf('billing-api'))).rejects.toThrow(
      'Rate exceeded',
    );
    await expect(contain(secretsWith({ readStage: throttled }), reportOf('billing-api'))).rejects.toThrow(
      'Rate exceeded',
    );
    const registryDown = { ...world.deps, registry: { lookup: throttled, list: throttled } };
    await expect(contain(registryDown, reportOf('billing-api'))).rejects.toThrow('Rate exceeded');
    expect(revokedTagOf('keyturn/prod/billing-api')).toEqual([]);
  });

  test('rule: with no readable AWSCURRENT the previous key is still leaked and revoked, and nothing counts as replaced', async () => {
    const key = await selfIssuedKey(world);
    const deps = secretsWith({
      readStage: async (id, stage) =>
        stage === 'AWSCURRENT' ? undefined : world.deps.secrets.readStage(id, stage),
    });
    const state = await contain(deps, reportOf('billing-api'));
    expect(state.replacedVersion).toBeUndefined();
    expect(state.leaked.map((v) => v.versionId)).toEqual([key.previous]);
    expect(revokedTagOf(key.arn)).toEqual([key.previous]);
  });

  test('rule: a stage that cannot be read (no such version) is not live; the other is still revoked', async () => {
    const key = await selfIssuedKey(world);
    const deps = secretsWith({
      readStage: async (id, stage) =>
        stage === 'AWSPREVIOUS'
          ? Promise.reject(new SecretNotFoundError('gone'))
          : world.deps.secrets.readStage(id, stage),
    });
    const state = await contain(deps, reportOf('billing-api'));
    expect(state.leaked.map((v) => v.versionId)).toEqual([key.current]);
    expect(revokedTagOf(key.arn)).toEqual([key.current]);
  });

  test('rule: the issuance records are read by the name the id gives; a partial ARN costs one more read by the real name', async () => {
    // A name whose last part looks like an ARN suffix: its partial ARN gives the wrong name.
    const secret = world.sm.addSecret('keyturn/prod/ci-robots', {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags({
        'keyturn:key': 'ci-robots',
        'keyturn:provider': 'iam-access-key',
        'keyturn:provider:user-arn': 'arn:aws:iam::111122223333:user/ci-robots',
      }),
    });
    await world.rotate(secret.arn);
    await world.rotate(secret.arn);
    const names: string[] = [];
    const issuedFor = world.issuance.issuedFor.bind(world.issuance);
    const deps: LeakDeps = {
      ...world.deps,
      issuance: {
        recordIssued: async () => undefined,
        issuedFor: async (name: string) => (names.push(name), issuedFor(name)),
      },
    };
    await contain(deps, reportOf('keyturn/prod/ci-robots'));
    expect(names).toEqual(['keyturn/prod/ci-robots']);
    world.incidents.markers.clear();
    world.iam.revoked.length = 0;
    names.length = 0;
    const partial = secret.arn.replace(/-[A-Za-z0-9]{6}$/, '');
    const state = await contain(deps, reportOf(partial, {}, 'evt-0002-partial'));
    expect(names).toEqual(['keyturn/prod/ci', 'keyturn/prod/ci-robots']);
    // Revoked: the records the second read found name this secret's versions.
    expect(state.leaked).toHaveLength(2);
    expect(world.iam.revoked.sort()).toEqual(state.leaked.map((v) => v.keyId).sort());
  });
});

describe('what is leaked', () => {
  test('rule: a report with a key id treats only the matching live version as leaked', async () => {
    const key = await selfIssuedKey(world);
    const keyId = keyIdAt(key.arn, 'AWSPREVIOUS');
    const state = await contain(world.deps, reportOf('billing-api', { keyId }));
    expect(state.leaked).toEqual([
      expect.objectContaining({ versionId: key.previous, keyId, stage: 'AWSPREVIOUS' }),
    ]);
    expect(revokedTagOf(key.arn)).toEqual([key.previous]);
    expect(await accepted(key.arn)).toEqual([key.current]);
    expect(state.actions.map((a) => a.action)).not.toContain('match key id');
  });

  test('rule: a report without a key id for a key with nothing live yet (bootstrap) revokes nothing and notes no key id', async () => {
    world.sm.addSecret('keyturn/prod/billing-api', {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags(),
    });
    const state = await contain(world.deps, reportOf('billing-api'));
    expect(state.decision).toBe('respond');
    expect(state.leaked).toEqual([]);
    expect(state.revoked).toBe(false);
    expect(state.actions.map((a) => a.action)).not.toContain('match key id');
  });

  test('rule: a key id that matches no live version revokes nothing and says it is already retired or revoked', async () => {
    const key = await selfIssuedKey(world);
    const state = await contain(world.deps, reportOf('billing-api', { keyId: 'sha256:0000000000000000' }));
    expect(state.leaked).toEqual([]);
    expect(state.revoked).toBe(false);
    expect(state.actions.map((a) => [a.action, a.outcome, a.detail])).toContainEqual([
      'match key id',
      'note',
      'key id sha256:0000000000000000 is not a live version: already retired or revoked',
    ]);
    expect(revokedTagOf(key.arn)).toEqual([]);
    const all = await contain(world.deps, reportOf('billing-api', {}, 'evt-0003-all'));
    expect(all.actions.map((a) => a.action)).not.toContain('match key id');
  });

  test('rule: only versions labelled AWSCURRENT or AWSPREVIOUS that hold a key are live', async () => {
    const key = await selfIssuedKey(world);
    const real = world.deps.secrets;
    // The previous version lost its label between the reads (a rotation finished), and the current read is bootstrap.
    const unlabelled = secretsWith({
      describe: async (id) => {
        const d = await real.describe(id);
        return { ...d, versions: { ...d.versions, [key.previous]: [] } };
      },
    });
    const state = await contain(unlabelled, reportOf('billing-api'));
    expect(state.leaked.map((v) => v.versionId)).toEqual([key.current]);
    world.incidents.markers.clear();
    const notKey = secretsWith({
      readStage: async (id, stage) => {
        const read = await real.readStage(id, stage);
        return stage === 'AWSCURRENT' && read ? { ...read, value: BOOTSTRAP_SECRET_VALUE } : read;
      },
    });
    const second = await contain(notKey, reportOf('billing-api', {}, 'evt-0004-bootstrap'));
    expect(second.leaked.map((v) => v.versionId)).toEqual([key.previous]);
    world.incidents.markers.clear();
    const garbage = secretsWith({
      readStage: async (id, stage) => {
        const read = await real.readStage(id, stage);
        return stage === 'AWSPREVIOUS' && read ? { ...read, value: 'not json {' } : read;
      },
    });
    const third = await contain(garbage, reportOf('billing-api', {}, 'evt-0005-garbage'));
    expect(third.leaked.map((v) => v.versionId)).toEqual([key.current]);
  });
});

describe('revoke-first', () => {
  test('rule: revoke-first revokes every leaked version before the incident opens: marks, the revocation record, the provider', async () => {
    const key = await iamKey(world);
    const published: Array<{ name: string; ids: string[] }> = [];
    let revokedAtOpen: string[] | undefined;
    const incidents = world.incidents;
    const deps: LeakDeps = {
      ...world.deps,
      revocations: { publish: async (name, ids) => void published.push({ name, ids }) },
      incidents: Object.assign(Object.create(incidents), {
        openOrJoin: async (input: Parameters<typeof incidents.openOrJoin>[0]) => {
          revokedAtOpen = [...world.iam.revoked];
          return incidents.openOrJoin(input);
        },
      }),
    };
    const state = await contain(deps, reportOf('deploy-bot'));
    const ids = [key.current, key.previous];
    expect(state.revoked).toBe(true);
    expect(revokedAtOpen?.sort()).toEqual(state.leaked.map((v) => v.keyId).sort());
    expect(revokedTagOf(key.arn)).toEqual(ids);
    expect(published).toEqual([{ name: 'keyturn/prod/deploy-bot', ids }]);
    expect(state.actions).toContainEqual({
      at: expect.any(String),
      action: 'revoke leaked key (revoke-first)',
      outcome: 'done',
      detail: state.leaked.map(describeVersion).join(', '),
    });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({ status: 'open', revoked: true });
    expect(world.messages).toEqual([
      expect.objectContaining({ kind: 'leak-contained', severity: 'critical' }),
    ]);
    expect(state.actions.at(-1)).toMatchObject({ action: 'page on-call', outcome: 'done' });
  });

  test('rule: rotate-then-revoke revokes nothing at contain; the incident opens and on-call is paged', async () => {
    const key = await iamKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const state = await contain(world.deps, reportOf('deploy-bot'));
    expect(state.revoked).toBe(false);
    expect(world.iam.revoked).toEqual([]);
    expect(world.sm.find(key.arn).tags[LEAK_TAGS.revokedVersions]).toBeUndefined();
    expect(state.actions.map((a) => a.action)).not.toContain('revoke leaked key (revoke-first)');
    expect(world.messages).toEqual([expect.objectContaining({ kind: 'leak-contained' })]);
  });

  test('rule: a provider that can contain in one call is used instead of revoke, with the version and the policy', async () => {
    const containing = new ContainingProvider();
    world.deps.providers = new MapProviderRegistry([new SelfIssuedProvider(), containing]);
    const key = await iamKey(world);
    const state = await contain(world.deps, reportOf('deploy-bot'));
    expect(containing.revoked).toEqual([]);
    expect(containing.contained.map((c) => c.keyId)).toEqual(state.leaked.map((v) => v.keyId));
    expect(containing.contained[0].ctx).toMatchObject({
      secretId: key.arn,
      secretName: 'keyturn/prod/deploy-bot',
      token: key.current,
      policy: expect.objectContaining({ keyName: 'deploy-bot', provider: 'iam-access-key' }),
    });
  });

  test('rule: a self-issued key is revoked by the marks alone: no provider call', async () => {
    const key = await selfIssuedKey(world);
    const self = new SelfIssuedProvider();
    const calls: string[] = [];
    self.revoke = async () => void calls.push('revoke');
    world.deps.providers = new MapProviderRegistry([self, world.iam]);
    // Consumers check the marks: the issuance records are not what allows this revocation.
    world.issuance.reset();
    await contain(world.deps, reportOf('billing-api'));
    expect(calls).toEqual([]);
    expect(await accepted(key.arn)).toEqual([]);
  });

  test('rule: an IAM key id keyturn did not issue for that version is not revoked: reported, and all refused is a failed step', async () => {
    const key = await iamKey(world);
    world.issuance.reset();
    const reported: UnissuedKeyError[] = [];
    const deps: LeakDeps = { ...world.deps, reportUnissued: async (e) => reported.push(e) };
    const state = await contain(deps, reportOf('deploy-bot'));
    expect(world.iam.revoked).toEqual([]);
    expect(world.sm.find(key.arn).tags[LEAK_TAGS.revokedVersions]).toBeUndefined();
    expect(reported.map((e) => [e.secretId, e.versionId, e.labels])).toEqual(
      [key.current, key.previous].map((v) => [key.arn, v, { keyName: 'deploy-bot', environment: 'prod' }]),
    );
    expect(state.actions).toContainEqual({
      at: expect.any(String),
      action: 'revoke leaked key (revoke-first)',
      outcome: 'failed',
      detail: `NOT revoked, keyturn did not issue the key of version(s) ${key.current}, ${key.previous}: a human revokes it`,
    });
    // Without a reporter configured the refusal still holds.
    world.incidents.markers.clear();
    await contain(world.deps, reportOf('deploy-bot', {}, 'evt-0005-noreporter'));
    expect(world.iam.revoked).toEqual([]);
  });

  test('rule: one issued and one not: only the issued one is revoked and marked; the step is done', async () => {
    const key = await iamKey(world);
    world.issuance.entries.splice(
      world.issuance.entries.findIndex((e) => e.versionId === key.previous),
      1,
    );
    const state = await contain(world.deps, reportOf('deploy-bot'));
    expect(world.iam.revoked).toEqual([keyIdAt(key.arn, 'AWSCURRENT')]);
    expect(revokedTagOf(key.arn)).toEqual([key.current]);
    expect(state.actions.find((a) => a.action === 'revoke leaked key (revoke-first)')?.outcome).toBe('done');
  });

  test('rule: an issuance record of another secret, version or key id does not make a key revocable', async () => {
    const key = await iamKey(world);
    const records = world.issuance.entries.filter((e) => e.versionId === key.current);
    expect(records).toHaveLength(1);
    const [r] = records;
    for (const wrong of [
      { ...r, secretArn: `${key.arn}x` },
      { ...r, versionId: 'another-version' },
      { ...r, keyId: 'AKIA000000000999' },
    ]) {
      world.issuance.reset();
      await world.issuance.recordIssued(wrong);
      world.incidents.markers.clear();
      await contain(
        world.deps,
        reportOf('deploy-bot', { keyId: r.keyId }, `evt-${wrong.versionId.slice(0, 4)}-wrong`),
      );
    }
    expect(world.iam.revoked).toEqual([]);
  });

  test('rule: the marks keep the versions revoked before, newest first, at most six', async () => {
    const key = await selfIssuedKey(world);
    const tag = LEAK_TAGS.revokedVersions;
    world.sm.find(key.arn).tags[tag] = 'old-1 old-2 old-3 old-4 old-5';
    await contain(world.deps, reportOf('billing-api'));
    expect(revokedTagOf(key.arn)).toEqual([key.current, key.previous, 'old-1', 'old-2', 'old-3', 'old-4']);
    world.sm.find(key.arn).tags[tag] = `${key.current} old-1`;
    world.incidents.markers.clear();
    await contain(world.deps, reportOf('billing-api', {}, 'evt-0006-again'));
    expect(revokedTagOf(key.arn)).toEqual([key.current, key.previous, 'old-1']);
  });

  test('rule: a key whose provider is not deployed is a configuration error, nothing revoked', async () => {
    const key = await iamKey(world);
    world.deps.providers = new MapProviderRegistry([new SelfIssuedProvider()]);
    const error = await contain(world.deps, reportOf('deploy-bot')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect((error as Error).message).toContain('unknown provider "iam-access-key"');
    expect(world.sm.find(key.arn).tags[LEAK_TAGS.revokedVersions]).toBeUndefined();
  });

  test('rule: revokeVersions with nothing to revoke calls nothing', async () => {
    const key = await iamKey(world);
    const description = await world.deps.secrets.describe(key.arn);
    const policy = (await world.deps.registry.lookup(description.name))!.policy;
    const refused = await revokeVersions(world.deps, description, policy, [], []);
    expect(refused).toEqual([]);
    expect(world.sm.find(key.arn).tags[LEAK_TAGS.revokedVersions]).toBeUndefined();
  });
});

describe('opening or joining the incident', () => {
  test('rule: the incident opens with the marker of the key and the dedupe window', async () => {
    await selfIssuedKey(world);
    const inputs: Array<{ marker: string; windowSeconds: number; status: string }> = [];
    const incidents = world.incidents;
    const deps: LeakDeps = {
      ...world.deps,
      dedupeWindowSeconds: 1234,
      incidents: Object.assign(Object.create(incidents), {
        openOrJoin: async (input: Parameters<typeof incidents.openOrJoin>[0]) => {
          inputs.push({
            marker: input.marker,
            windowSeconds: input.windowSeconds,
            status: input.record.status,
          });
          return incidents.openOrJoin(input);
        },
      }),
    };
    await contain(deps, reportOf('billing-api'));
    expect(inputs).toEqual([{ marker: 'open#prod/billing-api', windowSeconds: 1234, status: 'open' }]);
  });

  test('rule: a duplicate signal joins the open incident: no page, and the joined incident is named', async () => {
    const key = await selfIssuedKey(world);
    const first = await contain(world.deps, reportOf('billing-api'));
    const second = await contain(world.deps, reportOf('billing-api', {}, 'evt-0007-duplicate'));
    expect(second.decision).toBe('joined');
    expect(second.incidentId).toBe(first.incidentId);
    expect(second.actions.at(-1)).toMatchObject({
      action: 'join open incident',
      outcome: 'note',
      detail: first.incidentId,
    });
    expect(world.messages).toHaveLength(1);
    expect(revokedTagOf(key.arn).sort()).toEqual([key.current, key.previous].sort());
  });
});

describe('names and descriptions', () => {
  test('rule: the secret name of an ARN drops the six-character suffix; a name or other ARN stays as given', () => {
    expect(
      secretNameOf('arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbC123'),
    ).toBe('keyturn/prod/billing-api');
    expect(
      secretNameOf('arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api'),
    ).toBe('keyturn/prod/billing-api');
    expect(secretNameOf('keyturn/prod/billing-api-AbC123')).toBe('keyturn/prod/billing-api-AbC123');
    expect(secretNameOf('arn:aws:iam::111122223333:user/deploy-bot-AbC123')).toBe(
      'arn:aws:iam::111122223333:user/deploy-bot-AbC123',
    );
    expect(secretNameOf('arn:aws:secretsmanager:eu-west-1:1:secret:a-b_c-12345')).toBe('a-b_c-12345');
    // Only the final six characters are the suffix; a six-character part inside the name stays.
    expect(
      secretNameOf('arn:aws:secretsmanager:eu-west-1:1:secret:keyturn/prod/ci-robots-tools-AbC123'),
    ).toBe('keyturn/prod/ci-robots-tools');
    // Only an ARN is cut: a name holding ":secret:" is a name.
    expect(secretNameOf('keyturn/prod/x:secret:abc-AbC123')).toBe('keyturn/prod/x:secret:abc-AbC123');
  });

  test('rule: a revocation is described by version, stage and key id; refused versions by version only', () => {
    const v = (versionId: string, keyId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS' = 'AWSCURRENT') => ({
      version: { versionId, keyId, stage },
      key: {} as StoredKey,
    });
    const a = v('v1', 'k1');
    const b = v('v2', 'planted-id', 'AWSPREVIOUS');
    const c = v('v3', 'other-planted');
    expect(describeRevocation([a], [])).toBe('v1 (AWSCURRENT, key k1)');
    expect(describeRevocation([a, b, c], [b, c])).toBe(
      'v1 (AWSCURRENT, key k1); NOT revoked, keyturn did not issue the key of version(s) v2, v3: a human revokes it',
    );
    expect(describeRevocation([b], [b])).toBe(
      'NOT revoked, keyturn did not issue the key of version(s) v2: a human revokes it',
    );
    expect(describeRevocation([a, b], [])).toBe('v1 (AWSCURRENT, key k1), v2 (AWSPREVIOUS, key planted-id)');
  });
});
