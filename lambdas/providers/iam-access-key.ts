/**
 * IAM user access keys. IAM allows two keys per user and shows a secret only once, at creation, so:
 * - before CreateAccessKey the provider tags the user `keyturn:pending:<token>` (then with the new key's id),
 *   so a retried createSecret finds, and deletes, a key whose secret an earlier attempt never stored;
 * - a full user (two keys) is made room for only by deleting the key that is not AWSCURRENT, and only when it
 *   is inactive or its overlap window is over; never the current key;
 * - testSecret proves the key with STS GetCallerIdentity (retrying while IAM propagates it);
 * - revoke is two-phase: an active key is made Inactive (undo with UpdateAccessKey Active), an inactive one is
 *   deleted (the next revoke, or the next rotation when it needs the slot);
 * - a leak contains the key in one call: UpdateAccessKey Inactive on the stored key id, no listing first (phase 1
 *   without its lookup; retirement's revoke later deletes the inactive key).
 */
import { PROVIDER_KINDS, PROVIDER_SETTINGS } from '../core/constants';
import { ProviderError } from '../core/errors';
import type { IssuedKey, KeyContext, KeyProvider, Verification } from '../core/provider';
import type { RetryPolicy } from '../core/retry';
import type { StoredKey } from '../core/stored-key';
import type { CallerIdentity } from '../aws/caller-identity';
import type { AccessKeyInfo, IamUsers } from '../aws/iam-users';
import { errorName, isTransientAwsError, providerFailure } from './aws-errors';

const IAM_ACCESS_KEY = PROVIDER_KINDS.iamAccessKey;
const PENDING_TAG_PREFIX = 'keyturn:pending:';
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const CREATING = /^creating-(\d{1,12})$/;
/** STS answers these while a new key has not reached it yet, or for a key that no longer works. */
const REFUSED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'UnrecognizedClientException',
]);

/** ~31 s at most (1+2+4+8+8+8 s ceilings, full jitter): IAM keys usually work at STS within seconds. */
const IAM_VERIFY_RETRY: RetryPolicy = { attempts: 7, baseDelayMs: 1000, maxDelayMs: 8000 };

interface IamAccessKeyProviderDeps {
  iam: IamUsers;
  identity: CallerIdentity;
  now?: () => Date;
}

export function pendingTagOf(token: string): string {
  return PENDING_TAG_PREFIX + token;
}

export class IamAccessKeyProvider implements KeyProvider {
  readonly kind = IAM_ACCESS_KEY;
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  readonly verifyRetry = IAM_VERIFY_RETRY;

  constructor(private readonly deps: IamAccessKeyProviderDeps) {}

  private user(ctx: KeyContext): { userArn: string; userName: string } {
    const userArn = ctx.policy.providerSettings[PROVIDER_SETTINGS.iamAccessKey.userArn];
    const match = userArn ? USER_ARN.exec(userArn) : null;
    if (!userArn || !match) {
      throw new ProviderError(
        this.kind,
        `tag keyturn:provider:${PROVIDER_SETTINGS.iamAccessKey.userArn} must hold an IAM user ARN`,
        false,
      );
    }
    return { userArn, userName: match[1] };
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async create(ctx: KeyContext, loadCurrent: () => Promise<StoredKey | undefined>): Promise<IssuedKey> {
    const { userArn, userName } = this.user(ctx);
    const { iam } = this.deps;
    const tag = pendingTagOf(ctx.token);
    try {
      const current = await loadCurrent();
      const currentId = current?.provider === this.kind ? current.keyId : undefined;
      let keys = await iam.listAccessKeys(userName);
      const marker = (await iam.listUserTags(userName))[tag];
      // 1. A key an earlier attempt of this rotation created but never stored: its secret is lost, delete it.
      for (const orphan of orphansOf(keys, marker, currentId))
        await iam.deleteAccessKey(userName, orphan.accessKeyId);
      keys = keys.filter((k) => !orphansOf(keys, marker, currentId).includes(k));
      // 2. IAM allows two keys: make room only by deleting a non-current key that is safe to delete.
      if (keys.length >= 2) await this.makeRoom(ctx, userName, keys, currentId);
      // 3. Record the intent, create, record the id: a lost response leaves a key the next attempt can find.
      await iam.tagUser(userName, tag, `creating-${Math.floor(this.now().getTime() / 1000)}`);
      const created = await iam.createAccessKey(userName);
      await iam.tagUser(userName, tag, created.accessKeyId);
      return { keyId: created.accessKeyId, key: created.secretAccessKey, attributes: { userName, userArn } };
    } catch (error) {
      throw providerFailure(this.kind, `creating an access key for ${userArn}`, error);
    }
  }

  private async makeRoom(
    ctx: KeyContext,
    userName: string,
    keys: AccessKeyInfo[],
    currentId: string | undefined,
  ) {
    const current = keys.find((k) => k.accessKeyId === currentId);
    const others = keys.filter((k) => k !== current);
    if (!current || others.length !== 1) {
      throw new ProviderError(
        this.kind,
        `user ${userName} already has two access keys and neither is this secret's AWSCURRENT key: delete one by hand (keyturn never deletes a key it does not manage)`,
        false,
      );
    }
    const other = others[0];
    const overlapEnds = new Date(current.createdAt.getTime() + ctx.policy.overlapHours * 3_600_000);
    if (other.status !== 'Inactive' && overlapEnds > this.now()) {
      throw new ProviderError(
        this.kind,
        `user ${userName} already has two access keys: ${other.accessKeyId} is active and in its overlap window until ${overlapEnds.toISOString()}; retire it or wait (nothing was created)`,
        false,
      );
    }
    await this.deps.iam.deleteAccessKey(userName, other.accessKeyId);
  }

  /** setSecret: the key is stored now, so the pending marker has done its job. */
  async activate(ctx: KeyContext): Promise<void> {
    const { userArn, userName } = this.user(ctx);
    try {
      await this.deps.iam.untagUser(userName, pendingTagOf(ctx.token));
    } catch (error) {
      throw providerFailure(this.kind, `clearing the pending marker of ${userArn}`, error);
    }
  }

  /** Accepted when the key is listed active for the user and STS says it authenticates as that user. */
  async verify(ctx: KeyContext, stored: StoredKey): Promise<Verification> {
    const { userArn, userName } = this.user(ctx);
    let keys: AccessKeyInfo[];
    try {
      keys = await this.deps.iam.listAccessKeys(userName);
    } catch (error) {
      throw providerFailure(this.kind, `listing the access keys of ${userArn}`, error);
    }
    const entry = keys.find((k) => k.accessKeyId === stored.keyId);
    if (!entry)
      return { accepted: false, reason: `access key ${stored.keyId} does not exist for ${userName}` };
    if (entry.status === 'Inactive')
      return { accepted: false, reason: `access key ${stored.keyId} is inactive` };
    try {
      const arn = await this.deps.identity.arnOf({ accessKeyId: stored.keyId, secretAccessKey: stored.key });
      if (arn !== userArn)
        return { accepted: false, reason: `access key ${stored.keyId} authenticates as another principal` };
      return { accepted: true };
    } catch (error) {
      const name = errorName(error);
      if (REFUSED_CREDENTIALS.has(name) || isTransientAwsError(error)) {
        return { accepted: false, reason: `STS refused access key ${stored.keyId} (${name})` };
      }
      throw providerFailure(this.kind, `checking access key ${stored.keyId} with STS`, error);
    }
  }

  /** Phase 1 makes an active key Inactive (reversible); phase 2 deletes an inactive one. Absent: done. */
  async revoke(ctx: KeyContext, stored: StoredKey): Promise<void> {
    const { userArn, userName } = this.user(ctx);
    try {
      const entry = (await this.deps.iam.listAccessKeys(userName)).find(
        (k) => k.accessKeyId === stored.keyId,
      );
      if (!entry) return;
      if (entry.status === 'Active') await this.deps.iam.updateAccessKey(userName, stored.keyId, 'Inactive');
      else await this.deps.iam.deleteAccessKey(userName, stored.keyId);
    } catch (error) {
      throw providerFailure(this.kind, `revoking access key ${stored.keyId} of ${userArn}`, error);
    }
  }

  /**
   * Leak containment in one IAM call: deactivate the stored key id directly (reversible; inactive stays inactive).
   * A key that no longer exists (NoSuchEntity) is contained already. The key id must be one keyturn recorded.
   */
  async contain(ctx: KeyContext, stored: StoredKey): Promise<void> {
    const { userArn, userName } = this.user(ctx);
    if (!ACCESS_KEY_ID.test(stored.keyId))
      throw new ProviderError(this.kind, `stored key id of ${userArn} is not an access key id`, false);
    try {
      await this.deps.iam.updateAccessKey(userName, stored.keyId, 'Inactive');
    } catch (error) {
      if (errorName(error) === 'NoSuchEntityException') return;
      throw providerFailure(this.kind, `deactivating access key ${stored.keyId} of ${userArn}`, error);
    }
  }
}

/**
 * Keys this rotation's token created but never stored: the one the marker names, or (if the marker still says
 * `creating-<epoch s>`) any non-current key created since then.
 */
export function orphansOf(
  keys: AccessKeyInfo[],
  marker: string | undefined,
  currentId: string | undefined,
): AccessKeyInfo[] {
  if (!marker) return [];
  if (ACCESS_KEY_ID.test(marker))
    return keys.filter((k) => k.accessKeyId === marker && k.accessKeyId !== currentId);
  const creating = CREATING.exec(marker);
  if (!creating) return [];
  // IAM's CreateDate has one-second precision: allow one second of rounding.
  const since = (Number(creating[1]) - 1) * 1000;
  return keys.filter((k) => k.accessKeyId !== currentId && k.createdAt.getTime() >= since);
}
