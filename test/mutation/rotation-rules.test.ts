/**
 * Rules of the rotation protocol that only a one-token change would break, proven on the pure core with an
 * in-memory store: what each guard refuses, what a step on an already-current token must not do, how a provider's
 * malformed answer is reported, and what the ledger records for a promotion.
 */
import { STAGE } from '../../lambdas/core/constants';
import { KeyVerificationError, NoCurrentVersionError, ProviderError } from '../../lambdas/core/errors';
import type { KeyContext } from '../../lambdas/core/provider';
import { checkVersion, runRotationStep, type RotationDeps } from '../../lambdas/core/rotation';
import { RotationMemo } from '../../lambdas/core/rotation-memo';
import type { RotationStep } from '../../lambdas/core/constants';
import { MemoryIssuanceLog } from '../helpers/issuance';
import {
  ARN,
  NAME,
  MemoryStore,
  RecordingLedger,
  RecordingProvider,
  registryFor,
  registryOf,
  storedKey,
} from './core-world';

const OLD = 'v-old-0000000000000000000000000001';
const TOKEN = 'v-new-0000000000000000000000000002';
const NOW = new Date('2026-12-01T10:00:00.000Z');

function world(provider = new RecordingProvider()) {
  const store = new MemoryStore();
  const ledger = new RecordingLedger();
  const promotions: Array<{ ctx: KeyContext; previous: string | undefined }> = [];
  const deps: RotationDeps = {
    store,
    providers: registryOf(provider),
    registry: registryFor(store),
    ledger,
    now: () => NOW,
    sleep: async () => undefined,
    afterPromotion: async (ctx, previous) => {
      promotions.push({ ctx, previous });
    },
  };
  const step = (Step: RotationStep, token = TOKEN) =>
    runRotationStep(deps, { Step, SecretId: ARN, ClientRequestToken: token });
  return { store, ledger, provider, promotions, deps, step };
}

describe('rule: a rotation needs an AWSCURRENT version to rotate from', () => {
  test('createSecret on a secret with no AWSCURRENT raises NoCurrentVersionError and issues no key', async () => {
    const w = world();
    w.store.addVersion(TOKEN, [STAGE.pending]);
    await expect(w.step('createSecret')).rejects.toBeInstanceOf(NoCurrentVersionError);
    expect(w.provider.calls).toEqual([]);
    expect(w.store.writes).toEqual([]);
  });

  test('createSecret with an AWSCURRENT version issues and stores the pending key', async () => {
    const w = world();
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    await expect(w.step('createSecret')).resolves.toBe('created');
    expect(w.provider.ops()).toEqual(['create']);
    expect(w.store.writes).toEqual([{ op: 'put', token: TOKEN }]);
  });

  test('finishSecret on a secret with no AWSCURRENT raises NoCurrentVersionError: nothing promoted, no retirement armed, nothing recorded', async () => {
    const w = world();
    w.provider.live.add('id-new');
    w.store.addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await expect(w.step('finishSecret')).rejects.toBeInstanceOf(NoCurrentVersionError);
    expect(w.store.writes).toEqual([]);
    expect(w.promotions).toEqual([]);
    expect(w.ledger.appends).toEqual([]);
  });

  test('finishSecret with an AWSCURRENT version promotes the token and arms the retirement of the version it replaced', async () => {
    const w = world();
    w.provider.live.add('id-new');
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await expect(w.step('finishSecret')).resolves.toBe('promoted');
    expect(w.store.writes).toEqual([{ op: 'promote', token: TOKEN, from: OLD }]);
    expect(w.promotions.map((p) => p.previous)).toEqual([OLD]);
    expect(w.promotions[0].ctx).toMatchObject({ secretId: ARN, token: TOKEN });
  });
});

describe('rule: a step on a token that is already AWSCURRENT changes nothing, except that finishSecret re-arms the retirement', () => {
  function alreadyPromoted(provider = new RecordingProvider('fake', true, true)) {
    const w = world(provider);
    const memo = new RotationMemo();
    w.deps.memo = memo;
    w.store
      .addVersion(OLD, [STAGE.previous], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.current], storedKey('id-new'));
    return { ...w, memo };
  }

  test.each(['createSecret', 'setSecret', 'testSecret'] as const)(
    '%s on the current token has no side effects: no provider call, no write, no retirement, no ledger entry',
    async (Step) => {
      const w = alreadyPromoted();
      await expect(w.step(Step)).resolves.toBe('already-current');
      expect(w.provider.calls).toEqual([]);
      expect(w.store.writes).toEqual([]);
      expect(w.promotions).toEqual([]);
      expect(w.ledger.appends).toEqual([]);
    },
  );

  test('finishSecret retried on the current token re-arms the retirement of AWSPREVIOUS and records the promotion, without promoting again', async () => {
    const w = alreadyPromoted();
    w.memo.remember(ARN, TOKEN, 'fake');
    await expect(w.step('finishSecret')).resolves.toBe('already-current');
    expect(w.store.writes).toEqual([]);
    expect(w.provider.calls).toEqual([]);
    expect(w.promotions.map((p) => [p.ctx.token, p.previous])).toEqual([[TOKEN, OLD]]);
    expect(w.ledger.appends.map((e) => e.idempotencyKey)).toEqual([`rotation#${TOKEN}`]);
    // The rotation is over: the container forgets which provider it used.
    expect(w.memo.recall(ARN, TOKEN)).toBeUndefined();
  });

  test('a completed finishSecret forgets the rotation in the memo', async () => {
    const w = world();
    const memo = new RotationMemo();
    w.deps.memo = memo;
    w.provider.live.add('id-new');
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    memo.remember(ARN, TOKEN, 'fake');
    await w.step('finishSecret');
    expect(memo.recall(ARN, TOKEN)).toBeUndefined();
  });
});

describe('rule: a malformed provider answer is a non-retryable ProviderError naming the fields, never the values', () => {
  test('an empty key id is refused before anything is stored, as a non-retryable error naming keyId', async () => {
    const provider = new RecordingProvider();
    provider.issue = () => ({ keyId: '', key: 'sk-live-very-secret-material' });
    const w = world(provider);
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    const error = await w.step('createSecret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const providerError = error as ProviderError;
    expect(providerError.retryable).toBe(false);
    expect(providerError.provider).toBe('fake');
    expect(providerError.message).toBe('fake: returned a malformed key (fields: keyId)');
    expect(providerError.message).not.toContain('sk-live');
    expect(providerError.cause).toBeDefined();
    expect(w.store.writes).toEqual([]);
  });

  test('several bad fields are each named once', async () => {
    const provider = new RecordingProvider();
    provider.issue = () => ({ keyId: '', key: '', expiresAt: 'tomorrow' });
    const w = world(provider);
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    await expect(w.step('createSecret')).rejects.toThrow(
      'returned a malformed key (fields: keyId, key, expiresAt)',
    );
  });

  test('a well-formed answer with expiry and attributes is stored with them', async () => {
    const provider = new RecordingProvider();
    provider.issue = () => ({
      keyId: 'id-x',
      key: 'material-x',
      expiresAt: '2027-01-01T00:00:00.000Z',
      attributes: { user: 'svc-billing' },
    });
    const w = world(provider);
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    await w.step('createSecret');
    expect(JSON.parse(w.store.values[TOKEN])).toEqual({
      keyturn: 1,
      provider: 'fake',
      keyId: 'id-x',
      key: 'material-x',
      createdAt: NOW.toISOString(),
      expiresAt: '2027-01-01T00:00:00.000Z',
      attributes: { user: 'svc-billing' },
    });
  });
});

describe('rule: each promotion is one ledger fact, keyed rotation#<version>', () => {
  test('finishSecret records kind rotation, outcome succeeded, the version and the time, under rotation#<token>', async () => {
    const w = world();
    w.provider.live.add('id-new');
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await w.step('finishSecret');
    expect(w.ledger.appends).toEqual([
      {
        keyName: 'billing-api',
        environment: 'prod',
        secretArn: ARN,
        kind: 'rotation',
        outcome: 'succeeded',
        at: NOW.toISOString(),
        versionId: TOKEN,
        detail: `version ${TOKEN} is AWSCURRENT (provider fake)`,
        idempotencyKey: `rotation#${TOKEN}`,
      },
    ]);
  });

  test('a finishSecret retried after the promotion writes the same idempotency key, so the ledger holds one line', async () => {
    const w = world();
    w.provider.live.add('id-new');
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await w.step('finishSecret');
    await w.step('finishSecret');
    expect(w.ledger.appends).toHaveLength(2);
    expect(new Set(w.ledger.appends.map((e) => e.idempotencyKey))).toEqual(new Set([`rotation#${TOKEN}`]));
    expect(w.ledger.distinct()).toHaveLength(1);
  });

  test('without a ledger a promotion still completes', async () => {
    const w = world();
    delete w.deps.ledger;
    w.provider.live.add('id-new');
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await expect(w.step('finishSecret')).resolves.toBe('promoted');
  });
});

describe('rule: only a key the provider accepts is verified or promoted', () => {
  function pendingWorld(provider = new RecordingProvider()) {
    const w = world(provider);
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    return w;
  }

  test('testSecret on a key the provider refuses raises KeyVerificationError with the provider reason', async () => {
    const w = pendingWorld();
    await expect(w.step('testSecret')).rejects.toThrow(KeyVerificationError);
    await expect(w.step('testSecret')).rejects.toThrow('was not accepted: revoked');
  });

  test('testSecret on a key the provider accepts answers verified', async () => {
    const w = pendingWorld();
    w.provider.live.add('id-new');
    await expect(w.step('testSecret')).resolves.toBe('verified');
    expect(w.provider.ops()).toEqual(['verify']);
  });

  test('finishSecret on a key the provider refuses promotes nothing and arms nothing', async () => {
    const w = pendingWorld();
    await expect(w.step('finishSecret')).rejects.toBeInstanceOf(KeyVerificationError);
    expect(w.store.writes).toEqual([]);
    expect(w.promotions).toEqual([]);
    expect(w.ledger.appends).toEqual([]);
  });

  test('with a retry policy, testSecret stops asking as soon as the key is accepted', async () => {
    const provider = new RecordingProvider();
    provider.verifyRetry = { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 };
    provider.scriptedVerifications.push({ accepted: false, reason: 'propagating' });
    const w = pendingWorld(provider);
    w.provider.live.add('id-new');
    await expect(w.step('testSecret')).resolves.toBe('verified');
    expect(w.provider.ops()).toEqual(['verify', 'verify']);
  });

  test('with a retry policy, a key never accepted fails after the last attempt', async () => {
    const provider = new RecordingProvider();
    provider.verifyRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    const w = pendingWorld(provider);
    await expect(w.step('testSecret')).rejects.toBeInstanceOf(KeyVerificationError);
    expect(w.provider.ops()).toEqual(['verify', 'verify', 'verify']);
  });
});

describe('rule: createSecret hands the provider the current key and reports a retry as already-created', () => {
  test('the provider can read the AWSCURRENT key while creating (e.g. to rotate a secret that authenticates itself)', async () => {
    const provider = new RecordingProvider();
    let seen: unknown = 'not read';
    provider.create = async (ctx, loadCurrent) => {
      seen = await loadCurrent();
      return { keyId: `id-${ctx.token}`, key: 'material-new' };
    };
    const w = world(provider);
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    await w.step('createSecret');
    expect(seen).toEqual(storedKey('id-old'));
  });

  test('a side-effect-free provider whose value is already stored gets already-created from the store', async () => {
    const provider = new RecordingProvider('fake', false);
    const w = world(provider);
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await expect(w.step('createSecret')).resolves.toBe('already-created');
    expect(w.store.writes).toEqual([{ op: 'put', token: TOKEN }]);
    expect(JSON.parse(w.store.values[TOKEN]).keyId).toBe('id-new');
  });

  test('a provider with side effects whose value is already stored is not asked for a second key', async () => {
    const w = world();
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await expect(w.step('createSecret')).resolves.toBe('already-created');
    expect(w.provider.calls).toEqual([]);
    expect(w.store.writes).toEqual([]);
  });

  test('a malformed nested field is named by its dotted path', async () => {
    const provider = new RecordingProvider();
    provider.issue = () => ({ keyId: 'id-x', key: 'k', attributes: { user: 5 as unknown as string } });
    const w = world(provider);
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    await expect(w.step('createSecret')).rejects.toThrow('(fields: attributes.user)');
  });
});

describe('rule: the pre-step check tells a pending token from a current one', () => {
  test('a pending token is pending, a current token is current', () => {
    const description = {
      arn: ARN,
      name: 'n',
      rotationEnabled: true,
      versions: { [OLD]: [STAGE.current], [TOKEN]: [STAGE.pending] },
      tags: {},
    };
    expect(checkVersion(description, TOKEN)).toEqual({ state: 'pending' });
    expect(checkVersion(description, OLD)).toEqual({ state: 'current' });
  });

  test('finishSecret retried on a current token with no AWSPREVIOUS re-arms nothing to retire', async () => {
    const w = world();
    w.store.addVersion(TOKEN, [STAGE.current], storedKey('id-new'));
    await expect(w.step('finishSecret')).resolves.toBe('already-current');
    expect(w.promotions.map((p) => p.previous)).toEqual([undefined]);
  });
});

describe('rule: setSecret activates the pending key where the provider must, even when the container remembers the rotation', () => {
  test('a remembered provider with an activation step is activated', async () => {
    const w = world(new RecordingProvider('fake', true, true));
    const memo = new RotationMemo();
    w.deps.memo = memo;
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    memo.remember(ARN, TOKEN, 'fake');
    await expect(w.step('setSecret')).resolves.toBe('activated');
    expect(w.provider.calls).toEqual([{ op: 'activate', keyId: 'id-new', token: TOKEN }]);
  });

  test('a remembered provider without one is answered without reading the secret', async () => {
    const w = world();
    const memo = new RotationMemo();
    w.deps.memo = memo;
    memo.remember(ARN, TOKEN, 'fake');
    await expect(w.step('setSecret')).resolves.toBe('nothing-to-activate');
    expect(w.store.describes).toBe(0);
  });

  test('a forgotten rotation reads the secret and still finds nothing to activate', async () => {
    const w = world();
    w.deps.memo = new RotationMemo();
    w.store
      .addVersion(OLD, [STAGE.current], storedKey('id-old'))
      .addVersion(TOKEN, [STAGE.pending], storedKey('id-new'));
    await expect(w.step('setSecret')).resolves.toBe('nothing-to-activate');
    expect(w.store.describes).toBe(1);
  });
});

describe('rule: while creating, a provider is handed the AWSCURRENT key only if keyturn recorded issuing it', () => {
  /** What createSecret's loadCurrent hands the provider, with `recorded` as the secret's issuance records. */
  async function handedOver(recorded: Array<[versionId: string, keyId: string]>) {
    const provider = new RecordingProvider();
    let seen: unknown = 'not read';
    provider.create = async (ctx, loadCurrent) => {
      seen = await loadCurrent();
      return { keyId: `id-${ctx.token}`, key: 'material-new' };
    };
    const w = world(provider);
    const issuance = new MemoryIssuanceLog();
    for (const [versionId, keyId] of recorded)
      await issuance.recordIssued({
        secretName: NAME,
        secretArn: ARN,
        versionId,
        keyId,
        keyName: 'billing-api',
        environment: 'prod',
        at: NOW.toISOString(),
      });
    w.deps.issuance = issuance;
    w.store.addVersion(OLD, [STAGE.current], storedKey('id-old')).addVersion(TOKEN, [STAGE.pending]);
    await w.step('createSecret');
    return seen;
  }

  test('a key id keyturn recorded for that version is handed over', async () => {
    expect(await handedOver([[OLD, 'id-old']])).toEqual(storedKey('id-old'));
  });

  test('a key id written into AWSCURRENT by hand (the records name another) is not: the provider acts on no key', async () => {
    expect(await handedOver([[OLD, 'id-keyturn-issued']])).toBeUndefined();
    expect(await handedOver([['v-other', 'id-old']])).toBeUndefined();
  });

  test('a secret with no issuance record at all (managed before records were kept) hands the stored key', async () => {
    expect(await handedOver([])).toEqual(storedKey('id-old'));
  });
});
