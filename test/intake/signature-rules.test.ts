/**
 * The partner signature rules, through PartnerKeyRing and verifyPartnerSignature with an in-memory key source and
 * a hand-driven clock: what is looked up, what verifies, when the published keys are refetched (the TTL, the
 * refetch interval for unknown ids, single flight), what a failed fetch leaves, and which published keys count.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { BadSignatureError, PartnerKeysUnavailableError } from '../../lambdas/core/intake/errors';
import {
  PartnerKeyRing,
  verifyPartnerSignature,
  type PartnerKeySource,
  type PartnerPublicKey,
} from '../../lambdas/core/intake/signature';

interface Signer {
  privateKey: KeyObject;
  published: PartnerPublicKey;
}
function ecKey(keyId: string): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    published: { keyId, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  };
}
const sigOf = (signer: Signer, body: string) =>
  sign('sha256', Buffer.from(body), { key: signer.privateKey, dsaEncoding: 'der' }).toString('base64');

/** A key source serving `keys` (or failing with `failure`), counting fetches. */
class Source implements PartnerKeySource {
  fetches = 0;
  keys: PartnerPublicKey[] = [];
  failure?: Error;
  async fetch(): Promise<PartnerPublicKey[]> {
    this.fetches++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.failure) throw this.failure;
    return this.keys.map((k) => ({ ...k }));
  }
}

let t = 0;
const now = () => t;
const body = '[{"token":"kt_live_x","type":"keyturn_live_api_key"}]';
const a = ecKey('key-a');
let source: Source;
beforeEach(() => {
  t = 1_000_000;
  source = new Source();
  source.keys = [a.published];
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadSignatureError);
  expect(error).toMatchObject({ status: 401, message: expect.stringMatching(/^signature refused: /) });
  return (error as Error).message;
}

describe('what verifies', () => {
  test('rule: a signature of the exact body by the published key named verifies; anything else is 401', async () => {
    const ring = new PartnerKeyRing(source, { now });
    await expect(verifyPartnerSignature(ring, body, 'key-a', sigOf(a, body))).resolves.toBeUndefined();
    expect(await refusal(verifyPartnerSignature(ring, `${body} `, 'key-a', sigOf(a, body)))).toMatch(
      /invalid signature/,
    );
    const other = ecKey('key-a');
    expect(await refusal(verifyPartnerSignature(ring, body, 'key-a', sigOf(other, body)))).toMatch(
      /invalid signature/,
    );
  });

  test('rule: a missing key id or signature is refused before any key is fetched', async () => {
    const ring = new PartnerKeyRing(source, { now });
    const signature = sigOf(a, body);
    expect(await refusal(verifyPartnerSignature(ring, body, undefined, signature))).toMatch(
      /missing or malformed key identifier/,
    );
    expect(await refusal(verifyPartnerSignature(ring, body, '', signature))).toMatch(/key identifier/);
    expect(await refusal(verifyPartnerSignature(ring, body, 'key-a', undefined))).toMatch(
      /missing or malformed signature/,
    );
    expect(await refusal(verifyPartnerSignature(ring, body, 'key-a', ''))).toMatch(/malformed signature/);
    expect(source.fetches).toBe(0);
  });

  test("rule: a key id is 1 to 256 characters of GitHub's alphabet (letters, digits, + / = _ -), whole", async () => {
    const ids = ['k', 'AZaz09+/=_-', 'x'.repeat(256)];
    const signers = ids.map(ecKey);
    source.keys = signers.map((s) => s.published);
    const ring = new PartnerKeyRing(source, { now });
    for (const s of signers)
      await expect(
        verifyPartnerSignature(ring, body, s.published.keyId, sigOf(s, body)),
      ).resolves.toBeUndefined();
    // Published under a malformed id, still refused: the id is checked before the ring.
    for (const id of ['x'.repeat(257), '!key', 'key!', 'key a', 'key\nb', 'ключ']) {
      const s = ecKey(id);
      source.keys = [s.published];
      expect(await refusal(verifyPartnerSignature(ring, body, id, sigOf(s, body)))).toMatch(
        /malformed key identifier/,
      );
    }
  });

  test('rule: a signature is 16 to 256 base64 characters, whole; within that, a wrong one is invalid, not malformed', async () => {
    const ring = new PartnerKeyRing(source, { now });
    for (const signature of ['A'.repeat(16), 'AZaz09+/=AAAAAAA', 'A'.repeat(256)])
      expect(await refusal(verifyPartnerSignature(ring, body, 'key-a', signature))).toMatch(
        /invalid signature/,
      );
    const good = sigOf(a, body);
    for (const signature of [
      'A'.repeat(15),
      'A'.repeat(257),
      `!${good}`,
      `${good}!`,
      `${good.slice(0, 20)}-_`,
    ])
      expect(await refusal(verifyPartnerSignature(ring, body, 'key-a', signature))).toMatch(
        /malformed signature/,
      );
  });

  test('rule: a key id the partner does not publish is refused', async () => {
    const ring = new PartnerKeyRing(source, { now });
    const b = ecKey('key-b');
    expect(await refusal(verifyPartnerSignature(ring, body, 'key-b', sigOf(b, body)))).toMatch(
      /unknown key identifier/,
    );
  });

  test('rule: only EC keys count: an RSA key published under an id verifies nothing, and a PEM that does not parse is skipped', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    source.keys = [
      { keyId: 'rsa', pem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      { keyId: 'junk', pem: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' },
      a.published,
    ];
    const ring = new PartnerKeyRing(source, { now });
    const rsaSignature = sign('sha256', Buffer.from(body), rsa.privateKey).toString('base64');
    expect(await refusal(verifyPartnerSignature(ring, body, 'rsa', rsaSignature))).toMatch(
      /unknown key identifier/,
    );
    expect(await ring.get('junk')).toBeUndefined();
    // The good key beside them still verifies.
    await expect(verifyPartnerSignature(ring, body, 'key-a', sigOf(a, body))).resolves.toBeUndefined();
  });
});

describe('when the keys are fetched', () => {
  test('rule: the keys are refetched once they are an hour old (by default), not before', async () => {
    const ring = new PartnerKeyRing(source, { now });
    await ring.get('key-a');
    t += 3_600_000 - 1;
    await ring.get('key-a');
    expect(source.fetches).toBe(1);
    t += 1;
    await ring.get('key-a');
    expect(source.fetches).toBe(2);
  });

  test('rule: a refetch replaces the ring: a key the partner dropped stops verifying, a new one starts', async () => {
    const ring = new PartnerKeyRing(source, { now, ttlMs: 1000 });
    expect(await ring.get('key-a')).toBeDefined();
    const b = ecKey('key-b');
    source.keys = [b.published];
    t += 1000;
    expect(await ring.get('key-a')).toBeUndefined();
    expect(await ring.get('key-b')).toBeDefined();
  });

  test('rule: an unknown key id refetches at most once a minute (by default); a known one never does', async () => {
    const ring = new PartnerKeyRing(source, { now });
    await ring.get('key-a');
    expect(await ring.get('made-up')).toBeUndefined(); // the first fetch was just now: not yet
    expect(source.fetches).toBe(1);
    t += 60_000 - 1;
    await ring.get('made-up');
    await ring.get('key-a');
    expect(source.fetches).toBe(1);
    t += 1;
    await ring.get('made-up');
    expect(source.fetches).toBe(2);
    await ring.get('made-up');
    expect(source.fetches).toBe(2);
  });

  test('rule: the partner rotates its key: an unknown id, once the refetch interval allows, finds the new key', async () => {
    const ring = new PartnerKeyRing(source, { now, refetchMs: 10 });
    await ring.get('key-a');
    const b = ecKey('key-b');
    source.keys = [a.published, b.published];
    t += 10;
    await expect(verifyPartnerSignature(ring, body, 'key-b', sigOf(b, body))).resolves.toBeUndefined();
    expect(source.fetches).toBe(2);
  });

  test('rule: concurrent lookups share one fetch, and a later due one fetches again', async () => {
    const ring = new PartnerKeyRing(source, { now, ttlMs: 1000 });
    const keys = await Promise.all([ring.get('key-a'), ring.get('key-a'), ring.get('other')]);
    expect(keys.map((k) => k !== undefined)).toEqual([true, true, false]);
    expect(source.fetches).toBe(1);
    t += 1000;
    await ring.get('key-a');
    expect(source.fetches).toBe(2);
  });

  test('rule: the clock is Date.now unless given', async () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(5_000_000);
    try {
      const ring = new PartnerKeyRing(source);
      await ring.get('key-a');
      spy.mockReturnValue(5_000_000 + 3_600_000);
      await ring.get('key-a');
      expect(source.fetches).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a failed fetch', () => {
  test('rule: with no key cached, a failed fetch is PartnerKeysUnavailableError (503) carrying its cause', async () => {
    const ring = new PartnerKeyRing(source, { now });
    const down = new Error('connect ECONNREFUSED');
    source.failure = down;
    const error = await ring.get('key-a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PartnerKeysUnavailableError);
    expect(error).toMatchObject({ status: 503, cause: down, message: 'partner public keys unavailable' });
    // Not a signature refusal: the partner retries.
    await expect(verifyPartnerSignature(ring, body, 'key-a', sigOf(a, body))).rejects.toBeInstanceOf(
      PartnerKeysUnavailableError,
    );
  });

  test('rule: until a first fetch succeeds, every lookup tries again: the keys back a moment later verify', async () => {
    const ring = new PartnerKeyRing(source, { now });
    source.failure = new Error('down');
    await expect(ring.get('key-a')).rejects.toBeInstanceOf(PartnerKeysUnavailableError);
    source.failure = undefined;
    t += 1;
    await expect(verifyPartnerSignature(ring, body, 'key-a', sigOf(a, body))).resolves.toBeUndefined();
    expect(source.fetches).toBe(2);
  });

  test('rule: with keys cached, a failed fetch keeps serving them (a published key stays valid)', async () => {
    const ring = new PartnerKeyRing(source, { now, ttlMs: 1000 });
    await ring.get('key-a');
    source.failure = new Error('down');
    t += 1000;
    await expect(verifyPartnerSignature(ring, body, 'key-a', sigOf(a, body))).resolves.toBeUndefined();
    expect(source.fetches).toBe(2);
  });
});
