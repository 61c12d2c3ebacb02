/**
 * Reads an HTTP admin API's credential from its own Secrets Manager secret (never from configuration or
 * environment), cached per ARN for a few minutes so a rotation's four steps read it once.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AdminCredentialReader {
  read(secretArn: string): Promise<string>;
}

export class SecretsManagerAdminCredentials implements AdminCredentialReader {
  private readonly cache = new Map<string, { value: string; at: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async read(secretArn: string): Promise<string> {
    const hit = this.cache.get(secretArn);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!out.SecretString) throw new Error('the admin credential secret holds no string value');
    this.cache.set(secretArn, { value: out.SecretString, at: this.now() });
    return out.SecretString;
  }
}
