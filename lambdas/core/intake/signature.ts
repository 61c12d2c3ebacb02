/**
 * The partner's ECDSA signature: `Github-Public-Key-Signature` (base64 DER, ECDSA P-256 with SHA-256 over the raw
 * body) made with the key named by `Github-Public-Key-Identifier`, one of the keys GitHub publishes at its
 * public-keys endpoint. The key ring caches them; an unknown key id refetches (GitHub rotated), at most once per
 * `refetchMs`, so a stream of made-up key ids cannot turn into a stream of fetches.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { BadSignatureError, PartnerKeysUnavailableError } from './errors';

export interface PartnerPublicKey {
  keyId: string;
  /** PEM (SubjectPublicKeyInfo). */
  pem: string;
}

export interface PartnerKeySource {
  fetch(): Promise<PartnerPublicKey[]>;
}

export interface PartnerKeyRingOptions {
  /** Keys are refetched after this long. @default 3_600_000 */
  ttlMs?: number;
  /** An unknown key id refetches at most this often. @default 60_000 */
  refetchMs?: number;
  now?: () => number;
}

export class PartnerKeyRing {
  private keys = new Map<string, KeyObject>();
  private fetchedAt?: number;
  private lastAttemptAt?: number;
  private inflight?: Promise<void>;
  private readonly ttlMs: number;
  private readonly refetchMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: PartnerKeySource,
    options: PartnerKeyRingOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.refetchMs = options.refetchMs ?? 60_000;
    this.now = options.now ?? (() => Date.now());
  }

  /** The key for `keyId`; undefined when the partner publishes no such key. */
  async get(keyId: string): Promise<KeyObject | undefined> {
    const expired = this.fetchedAt === undefined || this.now() - this.fetchedAt >= this.ttlMs;
    if (expired || (!this.keys.has(keyId) && this.mayRefetch())) await this.refresh(expired);
    return this.keys.get(keyId);
  }

  private mayRefetch(): boolean {
    return this.lastAttemptAt === undefined || this.now() - this.lastAttemptAt >= this.refetchMs;
  }

  private async refresh(expired: boolean): Promise<void> {
    if (!this.inflight) {
      if (!expired && !this.mayRefetch()) return;
      this.lastAttemptAt = this.now();
      this.inflight = this.load().finally(() => (this.inflight = undefined));
    }
    return this.inflight;
  }

  private async load(): Promise<void> {
    let fetched: PartnerPublicKey[];
    try {
      fetched = await this.source.fetch();
    } catch (error) {
      // Keep serving the keys we have (a published key stays valid until GitHub drops it), else refuse.
      if (this.keys.size) return;
      throw new PartnerKeysUnavailableError({ cause: error });
    }
    const keys = new Map<string, KeyObject>();
    for (const k of fetched) {
      try {
        const key = createPublicKey(k.pem);
        if (key.asymmetricKeyType === 'ec') keys.set(k.keyId, key);
      } catch {
        // A key that does not parse is not a key we can verify with: skipped.
      }
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }
}

const KEY_ID = /^[A-Za-z0-9+/=_-]{1,256}$/;
const SIGNATURE = /^[A-Za-z0-9+/=]{16,256}$/;

/** Throws BadSignatureError unless `signature` is a valid signature of `body` by the partner key `keyId`. */
export async function verifyPartnerSignature(
  ring: PartnerKeyRing,
  body: string,
  keyId: string | undefined,
  signature: string | undefined,
): Promise<void> {
  if (!keyId || !KEY_ID.test(keyId)) throw new BadSignatureError('missing or malformed key identifier');
  if (!signature || !SIGNATURE.test(signature)) throw new BadSignatureError('missing or malformed signature');
  const key = await ring.get(keyId);
  if (!key) throw new BadSignatureError('unknown key identifier');
  let valid = false;
  try {
    valid = verify(
      'sha256',
      Buffer.from(body),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new BadSignatureError('invalid signature');
}
