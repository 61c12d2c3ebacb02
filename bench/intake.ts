/**
 * Figure 5: a signed secret scanning report to the leak response started, in round trips, with 100 ms on every
 * outside call: the real intake core and adapters (partner keys from a loopback HTTP server that waits 100 ms,
 * managed keys from the stateful Secrets Manager fake at 100 ms per call, StartExecution mocked at 100 ms), cold
 * (a new container: nothing cached, code already loaded) and warm (the next report in the same container).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSecretStore } from '../lambdas/aws/secret-store';
import { BOOTSTRAP_SECRET_VALUE } from '../lambdas/core/constants';
import { ReplayGuard, TokenBucket } from '../lambdas/core/intake/guards';
import { handleIntake, type IntakeDeps } from '../lambdas/core/intake/intake';
import { PartnerKeyRing } from '../lambdas/core/intake/signature';
import { TokenIndex } from '../lambdas/core/intake/token-index';
import { runRotationStep } from '../lambdas/core/rotation';
import { HttpPartnerKeySource } from '../lambdas/intake/github-keys';
import { StepFunctionsLeakStarter } from '../lambdas/intake/leak-starter';
import { RegistryManagedKeys } from '../lambdas/intake/managed-keys';
import { MapProviderRegistry } from '../lambdas/providers/registry';
import { SelfIssuedProvider } from '../lambdas/providers/self-issued';
import { managedTags } from '../test/helpers/keys';
import { deployedRegistry } from '../test/helpers/registry';
import { FakeSecretsManager } from '../test/helpers/secrets-manager-fake';
import { median, spread, type BenchRow } from './table';

const LATENCY_MS = 100;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchIntake(opts: { quick: boolean }): Promise<BenchRow[]> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ public_keys: [{ key_identifier: 'bench', key: pem, is_current: true }] }));
    }, LATENCY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  const sm = new FakeSecretsManager();
  const sfn = mockClient(SFNClient);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const store = new SecretsManagerSecretStore(client);
  const providers = new MapProviderRegistry([new SelfIssuedProvider()]);
  const registry = deployedRegistry(sm);
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    // Run 0 only loads code (fetch, the SDK, zod schemas: a Lambda's init phase); runs 1.. are measured.
    for (let run = 0; run <= (opts.quick ? 1 : 5); run++) {
      sm.reset();
      sfn.reset();
      let n = 0;
      sfn.on(StartExecutionCommand).callsFake(async () => {
        await delay(LATENCY_MS);
        return {
          executionArn: `arn:aws:states:eu-west-1:111122223333:execution:leak:${++n}`,
          startDate: new Date(),
        };
      });
      const s = sm.addSecret('keyturn/prod/billing-api', {
        value: BOOTSTRAP_SECRET_VALUE,
        tags: managedTags(),
      });
      const tokens: string[] = [];
      for (let i = 0; i < 2; i++) {
        const token = sm.beginRotation(s.arn);
        for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)
          await runRotationStep(
            { store, providers, registry },
            { Step, SecretId: s.arn, ClientRequestToken: token },
          );
        tokens.push(JSON.parse(s.versions.get(token)!.value!).key as string);
      }
      sm.latencyMs = LATENCY_MS;
      const deps: IntakeDeps = {
        keys: new PartnerKeyRing(new HttpPartnerKeySource(url)),
        index: new TokenIndex(new RegistryManagedKeys(registry, store)),
        leak: new StepFunctionsLeakStarter(
          new SFNClient({}),
          'arn:aws:states:eu-west-1:111122223333:stateMachine:leak',
        ),
        bucket: new TokenBucket(100, 100),
        replays: new ReplayGuard(),
        now: () => new Date(),
      };
      for (const [i, out] of [cold, warm].entries()) {
        const body = JSON.stringify([
          { token: tokens[i], type: 'keyturn_live_api_key', url: 'https://github.com/a/b' },
        ]);
        const signature = sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString(
          'base64',
        );
        const start = performance.now();
        const outcome = await handleIntake(deps, { route: 'report', body, keyId: 'bench', signature });
        if (outcome.summary.started !== 1) throw new Error('bench: the report started no leak response');
        if (run > 0) out.push(performance.now() - start);
      }
      sm.latencyMs = 0;
    }
  } finally {
    sfn.restore();
    await new Promise((resolve) => server.close(resolve));
  }
  const trips = (ms: number[]) => Math.round(median(ms) / LATENCY_MS);
  return [
    {
      figure: `5. secret scanning: signed report to leak response started, cold, ${LATENCY_MS} ms per call`,
      measured: `${spread(cold, 'ms', 0)} = ${trips(cold)} round trips`,
      goal: '(no goal)',
      met: 'n/a',
      notes:
        'five calls in sequence (partner keys; registry Scan, free here; DescribeSecret per key in parallel; key values in parallel; StartExecution) plus signature and hashing CPU',
    },
    {
      figure: `5. secret scanning: signed report to leak response started, warm`,
      measured: `${spread(warm, 'ms', 0)} = ${trips(warm)} round trips`,
      goal: '<= 2 round trips',
      met: trips(warm) <= 2,
      notes: 'keys and index cached: StartExecution only',
    },
  ];
}
