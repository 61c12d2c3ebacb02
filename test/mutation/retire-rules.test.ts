/**
 * Rules of the retirement of an old key (lambdas/core/retire.ts) on the pure core: which provider revokes, what
 * proves the revocation (and when the proof stops), what the ledger records under which idempotency key, and how a
 * failure is reported when parts of the reporting are missing.
 */
import {
  BOOTSTRAP_SECRET_VALUE,
  PROVIDER_KINDS,
  RETIREMENT_TAGS,
  STAGE,
  TAGS,
} from '../../lambdas/core/constants';
import { KeyConfigurationError } from '../../lambdas/core/errors';
import { UnissuedKeyError } from '../../lambdas/core/issuance';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { UnregisteredSecretError } from '../../lambdas/core/registry';
import {
  REVOCATION_PROOF_RETRY,
  retireVersion,
  type RetireDeps,
  type RetirementAlert,
} from '../../lambdas/core/retire';
import { RevocationFailedError, RevocationNotProvenError } from '../../lambdas/core/retirement-errors';
import {
  ARN,
  NAME,
  MemoryStore,
  policyTags,
  RecordingLedger,
  RecordingProvider,
  registryFor,
  registryOf,
  storedKey,
} from './core-world';

const OLD = 'v-old-0000000000000000000000000001';
const CURRENT = 'v-cur-0000000000000000000000000002';
const NOW = new Date('2026-12-01T10:00:00.000Z');

function world(provider = new RecordingProvider(), tags = policyTags({ [TAGS.provider]: provider.kind })) {
  const store = new MemoryStore();
  store.tags = tags;
  store.addVersion(OLD, [STAGE.previous], storedKey('id-old', provider.kind));
  store.addVersion(CURRENT, [STAGE.current], storedKey('id-cur', provider.kind));
  provider.live.add('id-old');
  provider.live.add('id-cur');
  const ledger = new RecordingLedger();
  // keyturn issued both keys (createSecret recorded them): retirement may revoke them.
  const issuance = new MemoryIssuanceLog();
  for (const [versionId, keyId] of [
    [OLD, 'id-old'],
    [CURRENT, 'id-cur'],
  ])
    void issuance.recordIssued({
      secretName: NAME,
      secretArn: ARN,
      versionId,
      keyId,
      keyName: 'billing-api',
      environment: 'prod',
      at: NOW.toISOString(),
    });
  const alerts: RetirementAlert[] = [];
  const marks: string[] = [];
  const sleeps: number[] = [];
  /** When false, removing AWSPREVIOUS "succeeds" but the label stays (a consumer would still accept the key). */
  const labels = { take: true };
  const deps: RetireDeps = {
    store,
    providers: registryOf(provider),
    registry: registryFor(store),
    issuance,
    ledger,
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    alert: async (alert) => {
      alerts.push(alert);
    },
    marks: {
      removePreviousLabel: async (_secretId, versionId) => {
        marks.push(`remove-previous ${versionId}`);
        if (labels.take)
          store.versions[versionId] = store.versions[versionId].filter((l) => l !== STAGE.previous);
      },
      markRetired: async (_secretId, versionId, at) => {
        marks.push(`retired ${versionId} ${at.toISOString()}`);
        store.tags[RETIREMENT_TAGS.retiredVersion] = versionId;
      },
    },
  };
  const retire = (versionId = OLD) => retireVersion(deps, { secretId: ARN, versionId });
  return { store, provider, ledger, alerts, marks, sleeps, labels, deps, retire };
}

describe('rule: a retirement revokes through the provider the key policy names, and refuses an unknown one', () => {
  test('an unknown provider at retirement is a KeyConfigurationError: nothing revoked, nothing marked, on-call told, the failure recorded', async () => {
    const w = world(new RecordingProvider(), policyTags({ [TAGS.provider]: 'no-such-provider' }));
    const error = await w.retire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect((error as Error).message).toContain('unknown provider "no-such-provider"');
    expect(w.provider.calls).toEqual([]);
    expect(w.marks).toEqual([]);
    expect(w.alerts).toHaveLength(1);
    expect(w.ledger.appends.map((e) => e.outcome)).toEqual(['failed']);
  });

  test('a known provider revokes the old key, proves it refused, then marks the version retired', async () => {
    const w = world();
    await expect(w.retire()).resolves.toEqual({
      outcome: 'retired',
      keyName: 'billing-api',
      environment: 'prod',
    });
    expect(w.provider.calls.map((c) => `${c.op} ${c.keyId}`)).toEqual(['revoke id-old', 'verify id-old']);
    // Consumers first: the label goes before the provider revokes; the retirement tag only after the proof.
    expect(w.marks).toEqual([`remove-previous ${OLD}`, `retired ${OLD} ${NOW.toISOString()}`]);
    expect(w.alerts).toEqual([]);
  });

  test('a secret the deployed registry does not hold is refused before any provider call, mark or ledger line', async () => {
    const w = world(new RecordingProvider(), policyTags({ [TAGS.managed]: undefined }));
    await expect(w.retire()).rejects.toBeInstanceOf(UnregisteredSecretError);
    expect(w.provider.calls).toEqual([]);
    expect(w.marks).toEqual([]);
    expect(w.ledger.appends).toEqual([]);
  });
});

describe('rule: after revoking, the retirement re-reads the secret and fails while the version is still accepted', () => {
  test('a consumer-checked key whose AWSPREVIOUS label did not go is not proven: RevocationNotProvenError, never marked retired', async () => {
    const w = world(new RecordingProvider(PROVIDER_KINDS.selfIssued, false));
    w.labels.take = false;
    await expect(w.retire()).rejects.toThrow(
      new RevocationNotProvenError(ARN, OLD, 'the version is still AWSCURRENT or AWSPREVIOUS'),
    );
    expect(w.marks).toEqual([`remove-previous ${OLD}`]);
    expect(w.store.tags[RETIREMENT_TAGS.retiredVersion]).toBeUndefined();
    expect(w.ledger.appends.map((e) => e.outcome)).toEqual(['failed']);
    expect(w.alerts).toHaveLength(1);
  });

  test('the proof reads the secret again after revoking (a description taken before the revocation proves nothing)', async () => {
    const w = world(new RecordingProvider(PROVIDER_KINDS.selfIssued, false));
    await w.retire();
    expect(w.store.describes).toBe(2);
  });

  test('a consumer-checked key whose label went is retired with no provider call at all (the marks are the revocation, the secret is the proof)', async () => {
    const w = world(new RecordingProvider(PROVIDER_KINDS.selfIssued, false));
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    expect(w.provider.ops()).toEqual([]);
  });

  test('a provider-checked key whose label stayed is not proven either, even though the provider refuses it', async () => {
    const w = world();
    w.labels.take = false;
    await expect(w.retire()).rejects.toBeInstanceOf(RevocationNotProvenError);
    expect(w.provider.ops()).toEqual(['revoke']);
  });
});

describe('rule: the proof asks the provider until it refuses the key, and no longer', () => {
  test('a key refused at the third check is proven after three checks and two waits', async () => {
    const w = world();
    w.deps.proofRetry = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 4000 };
    w.provider.scriptedVerifications.push({ accepted: true }, { accepted: true });
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    expect(w.provider.ops()).toEqual(['revoke', 'verify', 'verify', 'verify']);
    expect(w.sleeps).toHaveLength(2);
  });

  test('a key still accepted after every attempt fails the retirement, naming the provider and key id', async () => {
    const w = world();
    w.provider.ignoreRevoke = true;
    w.deps.proofRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    const error = await w.retire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevocationNotProvenError);
    expect((error as Error).message).toContain('fake still accepts key id-old');
    expect(w.provider.ops()).toEqual(['revoke', 'verify', 'verify', 'verify']);
    expect(w.marks).toEqual([`remove-previous ${OLD}`]);
  });

  test('without a proof policy the default waits up to six checks', async () => {
    const w = world();
    w.provider.ignoreRevoke = true;
    await expect(w.retire()).rejects.toBeInstanceOf(RevocationNotProvenError);
    expect(w.provider.ops().filter((op) => op === 'verify')).toHaveLength(REVOCATION_PROOF_RETRY.attempts);
    expect(REVOCATION_PROOF_RETRY.attempts).toBe(6);
    expect(w.sleeps.every((ms) => ms >= 0 && ms <= REVOCATION_PROOF_RETRY.maxDelayMs)).toBe(true);
  });
});

describe('rule: a proven retirement is one ledger fact (retirement#<version>); skips and failures are events', () => {
  test('the proven retirement is recorded as verified-refused under retirement#<version>, and a re-run writes nothing new', async () => {
    const w = world();
    await w.retire();
    expect(w.ledger.appends).toEqual([
      {
        keyName: 'billing-api',
        environment: 'prod',
        secretArn: ARN,
        kind: 'retirement',
        outcome: 'verified-refused',
        at: NOW.toISOString(),
        versionId: OLD,
        detail: 'key id-old refused after revocation',
        idempotencyKey: `retirement#${OLD}`,
      },
    ]);
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'already-retired' });
    expect(w.ledger.distinct().filter((e) => e.outcome === 'verified-refused')).toHaveLength(1);
  });

  test.each([
    ['the current version', CURRENT, 'skipped-current', 'is-current'],
    ['a pending version', 'v-pending', 'skipped-pending', 'is-pending'],
  ])(
    'retiring %s is skipped and recorded as a skip event with its reason',
    async (_what, versionId, outcome, reason) => {
      const w = world();
      w.store.addVersion('v-pending', [STAGE.pending]);
      await expect(w.retire(versionId)).resolves.toEqual({
        outcome,
        keyName: 'billing-api',
        environment: 'prod',
      });
      expect(w.provider.calls).toEqual([]);
      expect(w.marks).toEqual([]);
      expect(w.ledger.appends).toMatchObject([
        {
          kind: 'retirement',
          outcome: 'skipped',
          detail: reason,
          versionId,
          idempotencyKey: `retirement#${versionId}#skipped#${NOW.toISOString()}`,
        },
      ]);
    },
  );

  test('a failed retirement is a failed event keyed by version, outcome and time, so each attempt is one line', async () => {
    const w = world();
    w.provider.ignoreRevoke = true;
    w.deps.proofRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(w.retire()).rejects.toBeInstanceOf(RevocationNotProvenError);
    expect(w.ledger.appends).toMatchObject([
      {
        kind: 'retirement',
        outcome: 'failed',
        versionId: OLD,
        idempotencyKey: `retirement#${OLD}#failed#${NOW.toISOString()}`,
      },
    ]);
    expect(w.ledger.appends[0].detail).toMatch(/^RevocationNotProvenError: /);
  });

  test('a version with no key (the bootstrap value) is skipped, its AWSPREVIOUS label removed, nothing revoked', async () => {
    const w = world();
    w.store.addVersion(OLD, [STAGE.previous], BOOTSTRAP_SECRET_VALUE);
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'no-key' });
    expect(w.provider.calls).toEqual([]);
    expect(w.marks).toEqual([`remove-previous ${OLD}`]);
    expect(w.ledger.appends).toMatchObject([{ outcome: 'skipped', detail: 'no key in this version' }]);
  });

  test('a label-less version with no key is skipped without touching labels', async () => {
    const w = world();
    w.store.addVersion(OLD, [], BOOTSTRAP_SECRET_VALUE);
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'no-key' });
    expect(w.marks).toEqual([]);
  });

  test('a label-less version that still holds a key is revoked without a label change', async () => {
    const w = world();
    w.store.versions[OLD] = [];
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    expect(w.provider.ops()).toEqual(['revoke', 'verify']);
    expect(w.marks).toEqual([`retired ${OLD} ${NOW.toISOString()}`]);
  });
});

describe('rule: a failed retirement is thrown for the retry, whatever part of the reporting is missing or broken', () => {
  test('with a ledger but no alert sink the failure is still recorded in the ledger and thrown', async () => {
    const w = world();
    delete w.deps.alert;
    w.provider.ignoreRevoke = true;
    w.deps.proofRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(w.retire()).rejects.toBeInstanceOf(RevocationNotProvenError);
    expect(w.ledger.appends.map((e) => e.outcome)).toEqual(['failed']);
  });

  test('an alert sink that fails does not hide the original error', async () => {
    const w = world();
    w.deps.alert = async () => {
      throw new Error('SNS is down');
    };
    w.provider.ignoreRevoke = true;
    w.deps.proofRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(w.retire()).rejects.toBeInstanceOf(RevocationNotProvenError);
  });

  test('a provider whose revoke throws is a RevocationFailedError keeping the cause and naming it', async () => {
    const provider = new RecordingProvider();
    const cause = new TypeError('connection reset');
    provider.revoke = async () => {
      throw cause;
    };
    const w = world(provider);
    const error = (await w.retire().catch((e: unknown) => e)) as RevocationFailedError;
    expect(error).toBeInstanceOf(RevocationFailedError);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('Revoking the old key failed: TypeError: connection reset');
    expect(error.versionId).toBe(OLD);
    expect(w.marks).toEqual([`remove-previous ${OLD}`]);
  });

  test('a provider that throws a non-Error is still a RevocationFailedError, saying so', async () => {
    const provider = new RecordingProvider();
    provider.revoke = async () => {
      throw 'nope';
    };
    const w = world(provider);
    await expect(w.retire()).rejects.toThrow('a non-Error value was thrown');
    expect(w.alerts[0].message).toContain('RevocationFailedError: ');
  });

  test('a proof that throws a non-Error is rethrown as is, and the alert says a non-Error value was thrown', async () => {
    const provider = new RecordingProvider();
    provider.verify = async () => {
      throw 'verify exploded';
    };
    const w = world(provider);
    await expect(w.retire()).rejects.toBe('verify exploded');
    expect(w.alerts[0].message).toContain('\na non-Error value was thrown\n');
    expect(w.ledger.appends).toMatchObject([{ outcome: 'failed', detail: 'a non-Error value was thrown' }]);
  });

  test('the alert names key, environment, version and runbook, and says the retirement is retried', async () => {
    const w = world(
      new RecordingProvider(),
      policyTags({ [TAGS.runbook]: 'https://runbooks.example.com/billing' }),
    );
    w.provider.ignoreRevoke = true;
    w.deps.proofRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(w.retire()).rejects.toThrow();
    expect(w.alerts).toHaveLength(1);
    const [alert] = w.alerts;
    expect(alert).toMatchObject({
      severity: 'notice',
      kind: 'retirement-failed',
      subject: 'keyturn: old key of billing-api (prod) not retired (retrying)',
      keyName: 'billing-api',
      environment: 'prod',
    });
    expect(alert.message).toContain(
      `The old key version ${OLD} of keyturn/prod/billing-api could not be retired`,
    );
    expect(alert.message).toContain('RevocationNotProvenError: ');
    expect(alert.message).toContain(
      `Tag ${RETIREMENT_TAGS.retiredVersion} is written only once the revocation is proven.`,
    );
    expect(alert.message.endsWith('\nRunbook: https://runbooks.example.com/billing')).toBe(true);
    expect(alert.message).not.toContain('material-of-');
  });

  test('without a runbook the alert has no runbook line', async () => {
    const w = world();
    w.provider.ignoreRevoke = true;
    w.deps.proofRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(w.retire()).rejects.toThrow();
    expect(w.alerts[0].message).toBe(
      `The old key version ${OLD} of keyturn/prod/billing-api could not be retired and may still work.\n` +
        `RevocationNotProvenError: The old key still works after revocation: fake still accepts key id-old ` +
        `(secret ${ARN}, version ${OLD})\n` +
        'The retirement is retried; if every retry fails it lands in the retirement dead-letter queue ' +
        'and its alarm pages on-call (critical topic) once. ' +
        `Tag ${RETIREMENT_TAGS.retiredVersion} is written only once the revocation is proven.`,
    );
  });
});

describe('rule: a retirement needs neither a clock nor a ledger to be done', () => {
  test('without a clock the retirement is marked at the current time', async () => {
    const w = world();
    delete w.deps.now;
    const before = Date.now();
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    const at = Date.parse(w.marks[1].split(' ')[2]);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(w.ledger.appends[0].at)).toBeGreaterThanOrEqual(before);
  });

  test('without a ledger a retirement, a skip and a failure still complete as they would with one', async () => {
    const w = world();
    delete w.deps.ledger;
    await expect(w.retire(CURRENT)).resolves.toMatchObject({ outcome: 'skipped-current' });
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    const failing = world();
    delete failing.deps.ledger;
    failing.provider.ignoreRevoke = true;
    failing.deps.proofRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(failing.retire()).rejects.toBeInstanceOf(RevocationNotProvenError);
    expect(failing.alerts).toHaveLength(1);
  });
});

describe('rule: a retirement revokes at a provider only a key keyturn recorded issuing for that version', () => {
  test('a key id keyturn did not issue is refused: nothing revoked or marked, the refusal recorded as refused-unissued, no retry alarm', async () => {
    const w = world();
    w.deps.issuance = new MemoryIssuanceLog(); // no record of id-old: it was written into the secret by hand
    const error = await w.retire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnissuedKeyError);
    expect(w.provider.calls).toEqual([]);
    expect(w.marks).toEqual([]);
    expect(w.ledger.appends.map((e) => [e.outcome, e.detail])).toEqual([
      ['refused-unissued', (error as Error).message],
    ]);
    // The handler pages on-call once for this refusal; the generic failure alarm is not raised as well.
    expect(w.alerts).toEqual([]);
  });

  test('a key that consumers check against the secret (self-issued) retires with no issuance record: nothing to revoke by id', async () => {
    const w = world(new RecordingProvider(PROVIDER_KINDS.selfIssued, false));
    const issuance = new MemoryIssuanceLog();
    w.deps.issuance = issuance;
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    expect(issuance.reads).toBe(0);
  });
});

describe('rule: a provider whose revocation propagates slowly is given its wait before the proof', () => {
  test('proofDelayMs is slept through the injected sleep, once, before the first verify', async () => {
    const provider = new RecordingProvider();
    provider.proofDelayMs = () => 1500;
    const w = world(provider);
    await expect(w.retire()).resolves.toMatchObject({ outcome: 'retired' });
    expect(w.sleeps).toEqual([1500]);
    expect(w.provider.ops()).toEqual(['revoke', 'verify']);
  });

  test('a provider that asks for no wait (or none at all) is proven at once', async () => {
    for (const delay of [undefined, 0]) {
      const provider = new RecordingProvider();
      if (delay !== undefined) provider.proofDelayMs = () => delay;
      const w = world(provider);
      await w.retire();
      expect(w.sleeps).toEqual([]);
    }
  });
});
