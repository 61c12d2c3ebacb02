/**
 * GitHub's published secret scanning keys: `GET <url>` answers
 * `{ public_keys: [{ key_identifier, key: <PEM>, is_current }] }`. A short timeout: the partner retries a 503.
 */
import * as z from 'zod';
import type { PartnerKeySource, PartnerPublicKey } from '../core/intake/signature';

const responseSchema = z.object({
  public_keys: z
    .array(z.object({ key_identifier: z.string().min(1).max(256), key: z.string().min(1).max(4096) }))
    .max(50),
});

export class HttpPartnerKeySource implements PartnerKeySource {
  constructor(
    private readonly url: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly timeoutMs = 3_000,
  ) {}

  async fetch(): Promise<PartnerPublicKey[]> {
    const res = await this.fetchImpl(this.url, {
      headers: { accept: 'application/json', 'user-agent': 'keyturn-secret-scanning-intake' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`public keys endpoint answered ${res.status}`);
    const parsed = responseSchema.safeParse(await res.json());
    if (!parsed.success) throw new Error('public keys endpoint answered an unexpected shape');
    return parsed.data.public_keys.map((k) => ({ keyId: k.key_identifier, pem: k.key }));
  }
}
