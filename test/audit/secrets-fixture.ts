/**
 * The Secrets Manager fake (test/helpers) filled with managed secrets in given states, plus ListSecretVersionIds
 * (which the shared fake does not answer) from the fake's own versions.
 */
import { ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { FakeSecretsManager, type FakeSecret } from '../helpers/secrets-manager-fake';
import { HEALTHY_TAGS } from './fixtures';

export function installVersionIds(fake: FakeSecretsManager): void {
  fake.mock.on(ListSecretVersionIdsCommand as never).callsFake(async (input: { SecretId: string }) => {
    const secret = fake.find(input.SecretId);
    return {
      ARN: secret.arn,
      Versions: [...secret.versions.entries()].map(([VersionId, v]) => ({
        VersionId,
        VersionStages: [...v.stages],
        CreatedDate: v.created,
      })),
    };
  });
}

/** A managed secret `keyturn/<env>/<name>` holding `value` as AWSCURRENT, tagged like the stack tags it. */
export function addManaged(
  fake: FakeSecretsManager,
  name: string,
  opts: {
    environment?: string;
    value?: string;
    tags?: Record<string, string>;
    lastRotatedDate?: Date;
    lastAccessedDate?: Date;
  } = {},
): FakeSecret {
  const environment = opts.environment ?? 'prod';
  const secret = fake.addSecret(`keyturn/${environment}/${name}`, {
    value: opts.value ?? JSON.stringify({ keyturn: 1, bootstrap: true }),
    tags: { ...HEALTHY_TAGS, 'keyturn:key': name, 'keyturn:environment': environment, ...opts.tags },
  });
  secret.lastRotatedDate = opts.lastRotatedDate;
  secret.lastAccessedDate = opts.lastAccessedDate;
  return secret;
}
