/**
 * Two additions to the protocol: the per-container memo that spares setSecret its Secrets Manager call when the
 * provider has nothing to activate, and the ledger line finishSecret writes once per promoted version.
 */
import { BOOTSTRAP_SECRET_VALUE } from '../../lambdas/core/constants';
import { RotationNotEnabledError } from '../../lambdas/core/errors';
import type { Ledger, LedgerEntry } from '../../lambdas/core/ports';
import type { KeyProvider } from '../../lambdas/core/provider';
import { runRotationStep, type RotationDeps } from '../../lambdas/core/rotation';
import { RotationMemo } from '../../lambdas/core/rotation-memo';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';

const sm = new FakeSecretsManager();
beforeEach(() => sm.reset());

class MemoryLedger implements Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  async append(entry: LedgerEntry): Promise<void> {
    if (!this.entries.has(entry.idempotencyKey)) this.entries.set(entry.idempotencyKey, entry);
  }
  async history(): Promise<LedgerEntry[]> {
    return [...this.entries.values()];
  }
}

function depsWith(
  extra: Partial<RotationDeps> = {},
  providers: KeyProvider[] = [new SelfIssuedProvider()],
): RotationDeps {
  return {
    store: new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' })),
    providers: new MapProviderRegistry(providers),
    registry: deployedRegistry(sm),
    ...extra,
  };
}

const step = (
  deps: RotationDeps,
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret',
  SecretId: string,
  token: string,
) => runRotationStep(deps, { Step, SecretId, ClientRequestToken: token });

function secret(tags = managedTags()) {
  return sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags });
}

describe('rotation memo', () => {
  test('setSecret after this container ran createSecret makes no call; without the memo it describes once', async () => {
    const s = secret();
    const withMemo = depsWith({ memo: new RotationMemo() });
    const token = sm.beginRotation(s.arn);
    await step(withMemo, 'createSecret', s.arn, token);
    const before = sm.callCount();
    await expect(step(withMemo, 'setSecret', s.arn, token)).resolves.toBe('nothing-to-activate');
    expect(sm.callCount() - before).toBe(0);

    const cold = depsWith({ memo: new RotationMemo() });
    await expect(step(cold, 'setSecret', s.arn, token)).resolves.toBe('nothing-to-activate');
    expect(sm.callCount() - before).toBe(1);
  });

  test('a cold container still runs every pre-check in setSecret', async () => {
    const s = secret();
    const token = sm.beginRotation(s.arn);
    sm.find(s.arn).rotationEnabled = false;
    await expect(
      step(depsWith({ memo: new RotationMemo() }), 'setSecret', s.arn, token),
    ).rejects.toBeInstanceOf(RotationNotEnabledError);
  });

  test('a provider with an activation step is described and activated even when remembered', async () => {
    const activate = jest.fn().mockResolvedValue(undefined);
    const base = new SelfIssuedProvider();
    const activating: KeyProvider = {
      kind: 'self-issued',
      createHasSideEffects: false,
      checkedByConsumers: true,
      create: base.create.bind(base),
      verify: base.verify.bind(base),
      revoke: base.revoke.bind(base),
      activate,
    };
    const s = secret();
    const deps = depsWith({ memo: new RotationMemo() }, [activating]);
    const token = sm.beginRotation(s.arn);
    await step(deps, 'createSecret', s.arn, token);
    const before = sm.callCount('DescribeSecret');
    await expect(step(deps, 'setSecret', s.arn, token)).resolves.toBe('activated');
    expect(sm.callCount('DescribeSecret') - before).toBe(1);
    expect(activate).toHaveBeenCalledTimes(1);
  });

  test('finishSecret forgets the rotation, and the memo is bounded', async () => {
    const s = secret();
    const memo = new RotationMemo(3);
    const deps = depsWith({ memo });
    const token = sm.beginRotation(s.arn);
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)
      await step(deps, Step, s.arn, token);
    expect(memo.recall(s.arn, token)).toBeUndefined();
    for (let i = 0; i < 10; i += 1) memo.remember('arn', `t${i}`, 'self-issued');
    expect(memo.size).toBe(3);
    expect(memo.recall('arn', 't9')).toBe('self-issued');
    expect(memo.recall('arn', 't0')).toBeUndefined();
  });
});

describe('rotation ledger', () => {
  test('a promotion writes one rotation entry; a retried finishSecret writes no second one', async () => {
    const ledger = new MemoryLedger();
    const deps = depsWith({ ledger, now: () => new Date('2026-11-23T10:00:00Z') });
    const s = secret();
    const token = sm.beginRotation(s.arn);
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret', 'finishSecret'] as const) {
      await step(deps, Step, s.arn, token);
    }
    const entries = await ledger.history();
    expect(entries).toEqual([
      expect.objectContaining({
        kind: 'rotation',
        outcome: 'succeeded',
        versionId: token,
        secretArn: s.arn,
        keyName: 'billing-api',
        environment: 'prod',
        idempotencyKey: `rotation#${token}`,
      }),
    ]);
    expect(JSON.stringify(entries)).not.toContain('kt_live_');
  });

  test('steps before the promotion write nothing', async () => {
    const ledger = new MemoryLedger();
    const deps = depsWith({ ledger });
    const s = secret();
    const token = sm.beginRotation(s.arn);
    for (const Step of ['createSecret', 'setSecret', 'testSecret'] as const)
      await step(deps, Step, s.arn, token);
    expect(ledger.entries.size).toBe(0);
  });

  test('a ledger that fails after the promotion fails the step, and the retry records it', async () => {
    const ledger = new MemoryLedger();
    const failing: Ledger = {
      append: jest
        .fn()
        .mockRejectedValueOnce(new Error('throttled'))
        .mockImplementation((e) => ledger.append(e)),
      history: () => ledger.history(),
    };
    const deps = depsWith({ ledger: failing });
    const s = secret();
    const token = sm.beginRotation(s.arn);
    for (const Step of ['createSecret', 'setSecret', 'testSecret'] as const)
      await step(deps, Step, s.arn, token);
    await expect(step(deps, 'finishSecret', s.arn, token)).rejects.toThrow('throttled');
    expect(sm.versionWith(s.arn, 'AWSCURRENT')).toBe(token);
    await expect(step(deps, 'finishSecret', s.arn, token)).resolves.toBe('already-current');
    expect(ledger.entries.size).toBe(1);
  });
});
