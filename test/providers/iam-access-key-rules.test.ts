/**
 * The IAM access key provider's rules (lambdas/providers/iam-access-key.ts), against an in-memory IAM user with the
 * IamUsers surface and a scripted STS: the user-arn setting must be an IAM user ARN (else nothing is called), a
 * create records its intent on the user before it creates, deletes only this rotation's orphans, and makes room
 * only by deleting the non-current key once it is inactive or past its overlap; verify proves the key at STS and
 * reads a refusal (not a failure) from refused or throttled credentials; revoke is two-phase; containment is one
 * call on a recorded access key id. No secret access key appears in an error.
 */
import { PROVIDER_KINDS, TAGS } from '../../lambdas/core/constants';
import { ProviderError } from '../../lambdas/core/errors';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import type { StoredKey } from '../../lambdas/core/stored-key';
import type { CallerIdentity } from '../../lambdas/aws/caller-identity';
import type { AccessKeyInfo, IamUsers } from '../../lambdas/aws/iam-users';
import { IamAccessKeyProvider, orphansOf, pendingTagOf } from '../../lambdas/providers/iam-access-key';
import { managedTags } from '../helpers/keys';

const USER_ARN = 'arn:aws:iam::111122223333:user/ci-deployer';
const T0 = new Date('2026-11-01T00:00:00Z');
/** ProviderError messages start with the provider kind. */
const K = 'iam-access-key: ';
type Call = [string, ...unknown[]];

const awsError = (name: string, status?: number) =>
  Object.assign(new Error(`${name}: something about AKIA…`), {
    name,
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });

/** One IAM user in memory: access keys, tags, every call recorded, an optional failure per method. */
class MemoryIam {
  keys: Array<AccessKeyInfo & { secret: string }> = [];
  tags: Record<string, string> = {};
  readonly calls: Call[] = [];
  failing: Partial<Record<string, Error>> = {};
  clock = T0;
  private next = 1;

  private call(name: string, ...args: unknown[]): void {
    this.calls.push([name, ...args]);
    const failure = this.failing[name];
    if (failure) throw failure;
  }
  add(status: 'Active' | 'Inactive', createdAt: Date): string {
    const accessKeyId = `AKIA${String(this.next++).padStart(12, '0')}`;
    this.keys.push({ accessKeyId, status, createdAt, secret: `secret-${accessKeyId}-0123456789` });
    return accessKeyId;
  }
  async listAccessKeys(userName: string): Promise<AccessKeyInfo[]> {
    this.call('listAccessKeys', userName);
    return this.keys.map(({ accessKeyId, status, createdAt }) => ({ accessKeyId, status, createdAt }));
  }
  async createAccessKey(userName: string) {
    this.call('createAccessKey', userName);
    const accessKeyId = this.add('Active', this.clock);
    return { accessKeyId, secretAccessKey: this.keys.at(-1)!.secret };
  }
  async updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive') {
    this.call('updateAccessKey', userName, accessKeyId, status);
    const key = this.keys.find((k) => k.accessKeyId === accessKeyId);
    if (!key) throw awsError('NoSuchEntityException');
    key.status = status;
  }
  async deleteAccessKey(userName: string, accessKeyId: string) {
    this.call('deleteAccessKey', userName, accessKeyId);
    const before = this.keys.length;
    this.keys = this.keys.filter((k) => k.accessKeyId !== accessKeyId);
    return this.keys.length < before;
  }
  async listUserTags(userName: string) {
    this.call('listUserTags', userName);
    return { ...this.tags };
  }
  async tagUser(userName: string, key: string, value: string) {
    this.call('tagUser', userName, key, value);
    this.tags[key] = value;
  }
  async untagUser(userName: string, key: string) {
    this.call('untagUser', userName, key);
    delete this.tags[key];
  }
  ids(): string[] {
    return this.keys.map((k) => k.accessKeyId);
  }
}

let iam: MemoryIam;
/** What STS answers for a key: the user's ARN for a known active secret, or what the test scripts. */
let sts: (accessKeyId: string, secret: string) => Promise<string>;

beforeEach(() => {
  iam = new MemoryIam();
  sts = async (id, secret) => {
    const key = iam.keys.find((k) => k.accessKeyId === id && k.secret === secret);
    if (!key) throw awsError('InvalidClientTokenId', 403);
    return USER_ARN;
  };
});

const provider = (now: () => Date = () => iam.clock) =>
  new IamAccessKeyProvider({
    iam: iam as unknown as IamUsers,
    identity: {
      arnOf: (c: { accessKeyId: string; secretAccessKey: string }) => sts(c.accessKeyId, c.secretAccessKey),
    } as unknown as CallerIdentity,
    now,
  });

function context(userArn: string | null = USER_ARN, overlapHours = '24'): KeyContext {
  const tags = managedTags({ [TAGS.provider]: 'iam-access-key', [TAGS.overlapHours]: overlapHours });
  delete tags[`${TAGS.providerSetting}key-prefix`];
  if (userArn !== null) tags[`${TAGS.providerSetting}user-arn`] = userArn;
  const outcome = readKeyPolicy(tags);
  if (!outcome.ok) throw new Error(outcome.reason);
  return { secretId: 'arn:secret', secretName: 'keyturn/prod/ci', token: 'tok-1', policy: outcome.policy };
}

const stored = (
  keyId: string,
  key = `secret-${keyId}-0123456789`,
  provider = 'iam-access-key',
): StoredKey => ({
  keyturn: 1,
  provider,
  keyId,
  key,
  createdAt: T0.toISOString(),
});
const currentOf =
  (keyId: string | undefined, kind = 'iam-access-key') =>
  async () =>
    keyId === undefined ? undefined : stored(keyId, 'x', kind);
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);

async function refusal(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('rule: the user-arn setting names an IAM user, or nothing is called', () => {
  test.each([
    ['arn:aws:iam::111122223333:user/ci-deployer', 'ci-deployer'],
    ['arn:aws:iam::111122223333:user/team/ci/ci-deployer', 'ci-deployer'],
    ['arn:aws-cn:iam::111122223333:user/a+b=c,d.e@f-g_h', 'a+b=c,d.e@f-g_h'],
    ['arn:aws-us-gov:iam::111122223333:user/' + 'u'.repeat(64), 'u'.repeat(64)],
  ])('%s is the user %s', async (arn, userName) => {
    await provider().activate(context(arn));
    expect(iam.calls).toEqual([['untagUser', userName, 'keyturn:pending:tok-1']]);
  });

  test.each([
    [null],
    [''],
    ['arn:aws:iam::111122223333:role/ci-deployer'],
    ['arn:aws:iam::11112222333:user/ci-deployer'],
    ['arn:aws:iam::111122223333:user/' + 'u'.repeat(65)],
    ['arn:aws:iam::111122223333:user/ci deployer'],
    ['xarn:aws:iam::111122223333:user/ci-deployer'],
    ['arn:aws:iam::111122223333:user/ci-deployer/'],
    ['arn:aws:sts::111122223333:user/ci-deployer'],
  ])('%s is refused, not retryable, before any IAM call', async (arn) => {
    for (const call of [
      (p: IamAccessKeyProvider, c: KeyContext) => p.create(c, currentOf(undefined)),
      (p: IamAccessKeyProvider, c: KeyContext) => p.activate(c),
      (p: IamAccessKeyProvider, c: KeyContext) => p.verify(c, stored('AKIA000000000001')),
      (p: IamAccessKeyProvider, c: KeyContext) => p.revoke(c, stored('AKIA000000000001')),
      (p: IamAccessKeyProvider, c: KeyContext) => p.contain(c, stored('AKIA000000000001')),
    ]) {
      const error = await refusal(call(provider(), context(arn)));
      expect(error.message).toContain('tag keyturn:provider:user-arn must hold an IAM user ARN');
      expect(error.retryable).toBe(false);
    }
    expect(iam.calls).toEqual([]);
  });

  test('the provider describes itself: kind, side-effecting create, proved by STS with a capped backoff', () => {
    const p = provider();
    expect(p.kind).toBe(PROVIDER_KINDS.iamAccessKey);
    expect(p.createHasSideEffects).toBe(true);
    expect(p.checkedByConsumers).toBe(false);
    expect(p.verifyRetry).toEqual({ attempts: 7, baseDelayMs: 1000, maxDelayMs: 8000 });
    expect(pendingTagOf('tok-1')).toBe('keyturn:pending:tok-1');
  });
});

describe('rule: create records its intent, creates one key, and records its id', () => {
  test('tag "creating-<epoch s>" first, then create, then the key id; the key is returned with the user', async () => {
    iam.clock = new Date(T0.getTime() + 1_999);
    const issued = await provider().create(context(), currentOf(undefined));
    const id = iam.ids()[0];
    expect(issued).toEqual({
      keyId: id,
      key: `secret-${id}-0123456789`,
      attributes: { userName: 'ci-deployer', userArn: USER_ARN },
    });
    expect(iam.calls).toEqual([
      ['listAccessKeys', 'ci-deployer'],
      ['listUserTags', 'ci-deployer'],
      ['tagUser', 'ci-deployer', 'keyturn:pending:tok-1', `creating-${T0.getTime() / 1000 + 1}`],
      ['createAccessKey', 'ci-deployer'],
      ['tagUser', 'ci-deployer', 'keyturn:pending:tok-1', id],
    ]);
  });

  test('without an injected clock, the intent is stamped with the time now', async () => {
    const before = Math.floor(Date.now() / 1000);
    await new IamAccessKeyProvider({
      iam: iam as unknown as IamUsers,
      identity: {} as CallerIdentity,
    }).create(context(), currentOf(undefined));
    const stamp = Number(iam.calls[2][3]?.toString().replace('creating-', ''));
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  test('an earlier attempt whose key was recorded but never stored: that key is deleted, one new key created', async () => {
    const current = iam.add('Active', T0);
    const orphan = iam.add('Active', hours(1));
    iam.tags[pendingTagOf('tok-1')] = orphan;
    iam.clock = hours(2);
    const issued = await provider().create(context(), currentOf(current));
    expect(iam.ids()).toEqual([current, issued.keyId]);
    expect(iam.calls.filter(([op]) => op === 'deleteAccessKey')).toEqual([
      ['deleteAccessKey', 'ci-deployer', orphan],
    ]);
  });

  test('an earlier attempt lost the create answer ("creating-" marker): keys created since then are deleted, never the current one', async () => {
    const current = iam.add('Active', hours(5)); // newer than the marker, but current: kept
    const orphan = iam.add('Active', hours(3));
    iam.tags[pendingTagOf('tok-1')] = `creating-${hours(3).getTime() / 1000}`;
    iam.clock = hours(6);
    const issued = await provider().create(context(), currentOf(current));
    expect(iam.ids()).toEqual([current, issued.keyId]);
    expect(iam.calls.filter(([op]) => op === 'deleteAccessKey')).toEqual([
      ['deleteAccessKey', 'ci-deployer', orphan],
    ]);
  });

  test('a marker of another rotation token is not this rotation: nothing is deleted for it', async () => {
    const current = iam.add('Active', T0);
    const other = iam.add('Inactive', hours(1));
    iam.tags[pendingTagOf('tok-other')] = other;
    iam.clock = hours(2);
    // Two keys, the other inactive: room is made by deleting it (not as an orphan), once.
    await provider().create(context(), currentOf(current));
    expect(iam.calls.filter(([op]) => op === 'deleteAccessKey')).toEqual([
      ['deleteAccessKey', 'ci-deployer', other],
    ]);
  });

  test('a stored key of another provider is not the current access key: a full user is refused', async () => {
    const a = iam.add('Active', T0);
    iam.add('Inactive', T0);
    const error = await refusal(provider().create(context(), currentOf(a, 'self-issued')));
    expect(error.message).toBe(
      K +
        "user ci-deployer already has two access keys and neither is this secret's AWSCURRENT key: delete one by hand (keyturn never deletes a key it does not manage)",
    );
    expect(error.retryable).toBe(false);
    expect(iam.calls.map(([op]) => op)).toEqual(['listAccessKeys', 'listUserTags']);
  });

  test('one key (the current one) leaves room: nothing is deleted', async () => {
    const current = iam.add('Active', T0);
    iam.clock = hours(1);
    await provider().create(context(), currentOf(current));
    expect(iam.ids()).toHaveLength(2);
    expect(iam.calls.map(([op]) => op)).not.toContain('deleteAccessKey');
  });
});

describe('rule: a full user is made room for only by deleting the non-current key once it is safe', () => {
  test('an active other key inside the overlap is kept and nothing is created; at the overlap end it is deleted', async () => {
    const current = iam.add('Active', T0);
    const other = iam.add('Active', hours(-48));
    iam.clock = new Date(hours(24).getTime() - 1);
    const error = await refusal(provider().create(context(), currentOf(current)));
    expect(error.message).toBe(
      K +
        `user ci-deployer already has two access keys: ${other} is active and in its overlap window until 2026-11-02T00:00:00.000Z; retire it or wait (nothing was created)`,
    );
    expect(error.retryable).toBe(false);
    expect(iam.ids()).toEqual([current, other]);
    expect(iam.calls.map(([op]) => op)).not.toContain('tagUser');

    iam.clock = hours(24);
    await provider().create(context(), currentOf(current));
    expect(iam.ids()).not.toContain(other);
    expect(iam.ids()).toContain(current);
  });

  test("the overlap is the key's own overlapHours from the current key's creation", async () => {
    const current = iam.add('Active', T0);
    iam.add('Active', hours(-1));
    iam.clock = hours(2);
    await expect(provider().create(context(USER_ARN, '3'), currentOf(current))).rejects.toThrow(
      /until 2026-11-01T03:00:00.000Z/,
    );
    iam.clock = hours(3);
    await expect(provider().create(context(USER_ARN, '3'), currentOf(current))).resolves.toBeDefined();
  });

  test('an inactive other key is deleted even inside the overlap', async () => {
    const current = iam.add('Active', T0);
    const other = iam.add('Inactive', hours(-1));
    iam.clock = hours(1);
    await provider().create(context(), currentOf(current));
    expect(iam.ids()).not.toContain(other);
  });

  test('two keys neither of which is current, or no current key at all: refused, nothing deleted', async () => {
    iam.add('Inactive', T0);
    iam.add('Inactive', T0);
    for (const current of [undefined, 'AKIA999999999999']) {
      const error = await refusal(provider().create(context(), currentOf(current)));
      expect(error.message).toMatch(/neither is this secret's AWSCURRENT key/);
    }
    expect(iam.ids()).toHaveLength(2);
  });

  test('IAM failures while creating are wrapped: retryable when transient, naming the user and the error only', async () => {
    iam.failing.createAccessKey = awsError('ThrottlingException');
    let error = await refusal(provider().create(context(), currentOf(undefined)));
    expect(error.message).toBe(
      K + `creating an access key for ${USER_ARN} failed (ThrottlingException), retry later`,
    );
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(iam.failing.createAccessKey);
    iam.failing = { listUserTags: awsError('AccessDenied') };
    error = await refusal(provider().create(context(), currentOf(undefined)));
    expect(error.message).toBe(K + `creating an access key for ${USER_ARN} failed (AccessDenied)`);
    expect(error.retryable).toBe(false);
  });
});

describe('rule: activate clears the pending marker', () => {
  test('the marker of this token is removed; a failure is wrapped', async () => {
    iam.tags[pendingTagOf('tok-1')] = 'AKIA000000000001';
    await provider().activate(context());
    expect(iam.tags).toEqual({});
    iam.failing.untagUser = awsError('ServiceFailure', 500);
    const error = await refusal(provider().activate(context()));
    expect(error.message).toBe(
      K + `clearing the pending marker of ${USER_ARN} failed (ServiceFailure), retry later`,
    );
    expect(error.retryable).toBe(true);
  });
});

describe('rule: verify accepts a listed active key that STS authenticates as the user', () => {
  test('accepted: listed, active, and STS answers with the user ARN', async () => {
    const id = iam.add('Active', T0);
    await expect(provider().verify(context(), stored(id))).resolves.toEqual({ accepted: true });
  });

  test('refused with a reason: unlisted, inactive, another principal', async () => {
    const id = iam.add('Active', T0);
    await expect(provider().verify(context(), stored('AKIA999999999999'))).resolves.toEqual({
      accepted: false,
      reason: 'access key AKIA999999999999 does not exist for ci-deployer',
    });
    sts = async () => 'arn:aws:iam::111122223333:user/someone-else';
    await expect(provider().verify(context(), stored(id))).resolves.toEqual({
      accepted: false,
      reason: `access key ${id} authenticates as another principal`,
    });
    iam.keys[0].status = 'Inactive';
    await expect(provider().verify(context(), stored(id))).resolves.toEqual({
      accepted: false,
      reason: `access key ${id} is inactive`,
    });
  });

  test.each([
    'InvalidClientTokenId',
    'SignatureDoesNotMatch',
    'AccessDenied',
    'UnrecognizedClientException',
    'ThrottlingException',
  ])('STS answering %s is a refusal (retried while IAM propagates), not a failure', async (name) => {
    const id = iam.add('Active', T0);
    sts = async () => {
      throw awsError(name);
    };
    await expect(provider().verify(context(), stored(id))).resolves.toEqual({
      accepted: false,
      reason: `STS refused access key ${id} (${name})`,
    });
  });

  test('any other STS error is a provider failure naming the key id, never the secret', async () => {
    const id = iam.add('Active', T0);
    sts = async () => {
      throw awsError('ExpiredTokenException');
    };
    const error = await refusal(provider().verify(context(), stored(id, 'wJalrXUtnFEMI/K7MDENG')));
    expect(error.message).toBe(K + `checking access key ${id} with STS failed (ExpiredTokenException)`);
    expect(error.message).not.toContain('wJalrXUtnFEMI');
  });

  test('a failed listing is a provider failure, before STS is asked', async () => {
    iam.failing.listAccessKeys = awsError('ServiceUnavailable', 503);
    let asked = false;
    sts = async () => {
      asked = true;
      return USER_ARN;
    };
    const error = await refusal(provider().verify(context(), stored('AKIA000000000001')));
    expect(error.message).toBe(
      K + `listing the access keys of ${USER_ARN} failed (ServiceUnavailable), retry later`,
    );
    expect(error.retryable).toBe(true);
    expect(asked).toBe(false);
  });
});

describe('rule: revoke is two-phase and an absent key is revoked already', () => {
  test('active → Inactive (reversible), inactive → deleted, absent → nothing', async () => {
    const id = iam.add('Active', T0);
    await provider().revoke(context(), stored(id));
    expect(iam.keys[0].status).toBe('Inactive');
    expect(iam.calls.at(-1)).toEqual(['updateAccessKey', 'ci-deployer', id, 'Inactive']);
    await provider().revoke(context(), stored(id));
    expect(iam.ids()).toEqual([]);
    expect(iam.calls.at(-1)).toEqual(['deleteAccessKey', 'ci-deployer', id]);
    iam.calls.length = 0;
    await provider().revoke(context(), stored(id));
    expect(iam.calls).toEqual([['listAccessKeys', 'ci-deployer']]);
  });

  test('only the stored key is touched', async () => {
    const other = iam.add('Active', T0);
    const id = iam.add('Active', T0);
    await provider().revoke(context(), stored(id));
    expect(iam.keys.find((k) => k.accessKeyId === other)?.status).toBe('Active');
  });

  test("the stored key's own status decides the phase, whatever the other key's", async () => {
    const inactive = iam.add('Inactive', T0);
    const id = iam.add('Active', T0);
    await provider().revoke(context(), stored(id));
    expect(iam.ids()).toEqual([inactive, id]);
    expect(iam.keys[1].status).toBe('Inactive');
    // Absent next to another key: nothing is called on either.
    iam.keys = iam.keys.filter((k) => k.accessKeyId === inactive);
    iam.calls.length = 0;
    await provider().revoke(context(), stored(id));
    expect(iam.calls).toEqual([['listAccessKeys', 'ci-deployer']]);
  });

  test('a failure is wrapped, naming the key id and the user', async () => {
    const id = iam.add('Active', T0);
    iam.failing.updateAccessKey = awsError('LimitExceeded');
    const error = await refusal(provider().revoke(context(), stored(id)));
    expect(error.message).toBe(K + `revoking access key ${id} of ${USER_ARN} failed (LimitExceeded)`);
    expect(error.retryable).toBe(false);
  });
});

describe('rule: containment is one UpdateAccessKey on a recorded access key id', () => {
  test.each(['AKIA000000000001', 'A'.repeat(16), 'A'.repeat(128)])('%s is deactivated', async (id) => {
    iam.keys.push({ accessKeyId: id, status: 'Active', createdAt: T0, secret: 's' });
    await provider().contain(context(), stored(id));
    expect(iam.calls).toEqual([['updateAccessKey', 'ci-deployer', id, 'Inactive']]);
  });

  test.each(['A'.repeat(15), 'A'.repeat(129), 'akia000000000001', 'AKIA00000000000/', ' AKIA000000000001'])(
    '%s is not an access key id: refused before any call',
    async (id) => {
      const error = await refusal(provider().contain(context(), stored(id)));
      expect(error.message).toBe(K + `stored key id of ${USER_ARN} is not an access key id`);
      expect(error.retryable).toBe(false);
      expect(iam.calls).toEqual([]);
    },
  );

  test('a key IAM no longer has is contained; any other failure is wrapped', async () => {
    await expect(provider().contain(context(), stored('AKIA000000000009'))).resolves.toBeUndefined();
    iam.failing.updateAccessKey = awsError('ThrottlingException');
    const error = await refusal(provider().contain(context(), stored('AKIA000000000009')));
    expect(error.message).toBe(
      K + `deactivating access key AKIA000000000009 of ${USER_ARN} failed (ThrottlingException), retry later`,
    );
    expect(error.retryable).toBe(true);
  });
});

describe("rule: orphans are only this token's unrecorded keys, never the current key", () => {
  const key = (accessKeyId: string, createdAt: Date): AccessKeyInfo => ({
    accessKeyId,
    status: 'Active',
    createdAt,
  });
  const at = (s: number) => new Date(s * 1000);
  const keys = [
    key('AKIA000000000001', at(99)),
    key('AKIA000000000002', at(100)),
    key('AKIA000000000003', at(98.5)),
  ];

  test('no marker, or a marker that is neither a key id nor "creating-<s>": none', () => {
    for (const marker of [
      undefined,
      '',
      'creating-',
      'creating-1234567890123',
      'creating-12x',
      'xcreating-100',
      'akia000000000001',
    ])
      expect([marker, orphansOf(keys, marker, undefined)]).toEqual([marker, []]);
  });

  test('a key id marker names that key, unless it is the current one', () => {
    expect(orphansOf(keys, 'AKIA000000000002', undefined)).toEqual([keys[1]]);
    expect(orphansOf(keys, 'AKIA000000000002', 'AKIA000000000002')).toEqual([]);
    expect(orphansOf(keys, 'AKIA000000000009', undefined)).toEqual([]);
  });

  test('"creating-<s>" names the non-current keys created from one second before s', () => {
    expect(orphansOf(keys, 'creating-100', undefined)).toEqual([keys[0], keys[1]]);
    expect(orphansOf(keys, 'creating-100', 'AKIA000000000001')).toEqual([keys[1]]);
    expect(orphansOf(keys, 'creating-101', undefined)).toEqual([keys[1]]);
    expect(orphansOf(keys, 'creating-102', undefined)).toEqual([]);
    expect(orphansOf(keys, `creating-${'9'.repeat(12)}`, undefined)).toEqual([]);
  });
});

test('rule: no secret access key appears in any error', async () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const id = iam.add('Active', T0);
  iam.keys[0].secret = secret;
  const failures: unknown[] = [];
  for (const op of ['listAccessKeys', 'listUserTags', 'createAccessKey', 'updateAccessKey', 'untagUser']) {
    iam.failing = { [op]: awsError('InternalFailure', 500) };
    for (const run of [
      () => provider().create(context(), currentOf(id)),
      () => provider().activate(context()),
      () => provider().verify(context(), stored(id, secret)),
      () => provider().revoke(context(), stored(id, secret)),
      () => provider().contain(context(), stored(id, secret)),
    ])
      await run().catch((e: unknown) => failures.push(e));
  }
  expect(failures.length).toBeGreaterThan(5);
  for (const failure of failures) {
    expect(failure).toBeInstanceOf(ProviderError);
    expect(String((failure as Error).message)).not.toContain(secret);
    expect(String((failure as Error).message)).not.toContain(secret.slice(0, 10));
  }
});
