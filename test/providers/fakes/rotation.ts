/** Drive the rotation protocol over the Secrets Manager fake with the given providers. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretStore } from '../../../lambdas/aws/secret-store';
import { ROTATION_STEPS, STAGE } from '../../../lambdas/core/constants';
import { readKeyPolicy } from '../../../lambdas/core/key-policy';
import type { KeyContext, KeyProvider } from '../../../lambdas/core/provider';
import { runRotationStep, type RotationDeps } from '../../../lambdas/core/rotation';
import { parseSecretContent, type StoredKey } from '../../../lambdas/core/stored-key';
import { MapProviderRegistry } from '../../../lambdas/providers/registry';
import type { KeyRegistry } from '../../../lambdas/core/registry';
import { MemoryIssuanceLog } from '../../helpers/issuance';
import { deployedRegistry } from '../../helpers/registry';
import type { FakeSecretsManager } from '../../helpers/secrets-manager-fake';

/** `registry`: default, every secret of `sm` is a deployed key. */
export function rotationDeps(
  providers: KeyProvider[],
  sm: FakeSecretsManager,
  registry: KeyRegistry = deployedRegistry(sm),
): RotationDeps & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    store: new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' })),
    providers: new MapProviderRegistry(providers),
    registry,
    // What createSecret records issuing (the IAM provider makes room only around a recorded AWSCURRENT key).
    issuance: new MemoryIssuanceLog(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
  };
}

export async function rotateFully(
  deps: RotationDeps,
  sm: FakeSecretsManager,
  secretArn: string,
): Promise<string> {
  const token = sm.beginRotation(secretArn);
  for (const Step of ROTATION_STEPS)
    await runRotationStep(deps, { Step, SecretId: secretArn, ClientRequestToken: token });
  return token;
}

export function keyAt(sm: FakeSecretsManager, secretArn: string, stage: string = STAGE.current): StoredKey {
  const raw = sm.valueAt(secretArn, stage);
  const parsed = raw === undefined ? undefined : parseSecretContent(raw);
  if (!parsed?.ok || parsed.content.kind !== 'key') throw new Error(`no key at ${stage}`);
  return parsed.content.key;
}

export function contextFor(
  tags: Record<string, string>,
  token = '3f5a6c1e-2b7d-4e8f-9a0b-1c2d3e4f5a6b',
): KeyContext {
  const outcome = readKeyPolicy(tags);
  if (!outcome.ok) throw new Error(outcome.reason);
  return {
    secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/k-AbCdEf',
    secretName: 'keyturn/prod/k',
    token,
    policy: outcome.policy,
  };
}
