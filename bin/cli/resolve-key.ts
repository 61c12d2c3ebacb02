/**
 * Find one managed key from what the user typed: `<name>` or `<environment>/<name>`. One filtered ListSecrets
 * call (plus pages), never a scan of every secret's details.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretInventory } from '../../lambdas/aws/secret-inventory';
import { TAGS } from '../../lambdas/core/constants';
import type { ManagedSecret } from '../../lambdas/core/audit/inventory';
import { CliError, EXIT } from './exit-codes';

const KEY_REF = /^(?:([a-z0-9][a-z0-9-]{0,31})\/)?([a-z0-9][a-z0-9-]{0,62})$/;

interface ResolvedKey {
  keyName: string;
  environment: string;
  secret: ManagedSecret;
}

export async function resolveKey(
  client: SecretsManagerClient,
  prefix: string,
  ref: string,
): Promise<ResolvedKey> {
  const match = KEY_REF.exec(ref);
  if (!match) {
    throw new CliError(
      EXIT.usage,
      'A key is "<name>" or "<environment>/<name>" in lowercase letters, digits and dashes, e.g. prod/billing-api.',
    );
  }
  const [, environment, keyName] = match;
  const inventory = new SecretInventory(client, { secretPrefix: prefix });
  // Narrow server-side: the full secret name when the environment is known, else the key-name tag's value.
  const filter = environment
    ? { Key: 'name' as const, Values: [`${prefix}${environment}/${keyName}`] }
    : { Key: 'tag-value' as const, Values: [keyName] };
  const found = (await inventory.listManaged([filter])).filter(
    (s) => s.tags[TAGS.keyName] === keyName && (!environment || s.tags[TAGS.environment] === environment),
  );
  if (found.length === 0) {
    throw new CliError(
      EXIT.notFound,
      `No managed key "${ref}" under ${prefix} in this account and region. Run \`keyturn status\` to list the keys.`,
    );
  }
  if (found.length > 1) {
    const environments = found
      .map((s) => s.tags[TAGS.environment])
      .sort()
      .join(', ');
    throw new CliError(
      EXIT.usage,
      `"${keyName}" exists in several environments (${environments}): name one, e.g. ${found[0].tags[TAGS.environment]}/${keyName}.`,
    );
  }
  return { keyName, environment: found[0].tags[TAGS.environment], secret: found[0] };
}
