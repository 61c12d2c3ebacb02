/**
 * The secret scanning intake through its exported handler against moto: the handler loaded with the stack's
 * environment reads the deployed registry (DynamoDB), describes and reads the registered secrets (Secrets Manager)
 * and starts the leak response's state machine (Step Functions), all through the real SDK. A partner on 127.0.0.1
 * publishes its signing key in GitHub's shape. The report of a live managed key starts one execution whose input
 * names the secret and never holds the token; a secret planted under the prefix with keyturn's tags, a bad
 * signature and a repeated report start nothing more.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  ENV,
  INTAKE_ENV,
  METRICS_NAMESPACE,
  PROVIDER_KINDS,
  REGISTRY_ENV,
  TAGS,
} from '../../lambdas/core/constants';
import { parseLeakEvent } from '../../lambdas/core/leak/signal';
import { generateApiKey } from '../../lambdas/core/key-material';
import { serializeStoredKey } from '../../lambdas/core/stored-key';
import { keyIdOf } from '../../lambdas/providers/self-issued';
import { captureOutput } from '../helpers/lambda';
import { describeWithMoto, MOTO_REGION } from '../helpers/moto-server';
import {
  deployManagedSecret,
  hostRotateFunction,
  invoke,
  SECRET_PREFIX,
  storedKey,
  startWorld,
  type Handler,
  type World,
} from './world';

const PARTNER_KEY_ID = 'f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d';

describeWithMoto('secret scanning intake against moto', () => {
  let world: World;
  let sfn: SFNClient;
  let stateMachineArn: string;
  let intake: Handler;
  let partner: Server;
  let privateKey: KeyObject;
  const savedEnv = new Map<string, string | undefined>();

  beforeAll(async () => {
    world = await startWorld();
    await hostRotateFunction(world);
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    privateKey = pair.privateKey;
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    partner = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ public_keys: [{ key_identifier: PARTNER_KEY_ID, key: pem, is_current: true }] }),
      );
    });
    await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
    const keysUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/meta/public_keys/secret_scanning`;

    sfn = new SFNClient({
      endpoint: world.proxy.url,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    stateMachineArn = (
      await sfn.send(
        new CreateStateMachineCommand({
          name: 'keyturn-leak-response',
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
          roleArn: 'arn:aws:iam::123456789012:role/keyturn-leak-response',
        }),
      )
    ).stateMachineArn!;
    // The intake function's environment as lib/scanning-intake.ts gives it (the registry's table from grantList).
    // The handler builds its dependencies from the environment at its first request, not at import, so the
    // variables stay set for the file, as they do for a Lambda container's life.
    const intakeEnv = {
      [ENV.metricsNamespace]: METRICS_NAMESPACE,
      [ENV.secretNamePrefix]: SECRET_PREFIX,
      [REGISTRY_ENV.table]: world.registryTable,
      [INTAKE_ENV.stateMachineArn]: stateMachineArn,
      [INTAKE_ENV.publicKeysUrl]: keysUrl,
      [INTAKE_ENV.ratePerSecond]: '50',
      [INTAKE_ENV.burst]: '50',
    };
    for (const [name, value] of Object.entries(intakeEnv)) {
      savedEnv.set(name, process.env[name]);
      process.env[name] = value;
    }
    intake = (await world.load<{ handler: Handler }>('../../lambdas/intake/handler', intakeEnv)).handler;
  }, 120_000);

  afterAll(async () => {
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await new Promise((resolve) => partner?.close(resolve));
    sfn?.destroy();
    await world?.stop();
  });

  const report = (tokens: string[]) =>
    JSON.stringify(
      tokens.map((token) => ({
        token,
        type: 'keyturn_live_api_key',
        url: 'https://github.com/octocat/hello-world/blob/12345600b9cbe38a219f39a9941c9319b600c002/.env',
        source: 'content',
      })),
    );
  const post = async (body: string, signature = sign('sha256', Buffer.from(body), privateKey)) => {
    const res = (await invoke(
      intake,
      {
        rawPath: '/secret-scanning/report',
        headers: {
          'Content-Type': 'application/json',
          'Github-Public-Key-Identifier': PARTNER_KEY_ID,
          'Github-Public-Key-Signature': signature.toString('base64'),
        },
        body,
      },
      'keyturn-intake',
    )) as { statusCode: number; body: string };
    return { status: res.statusCode, json: JSON.parse(res.body) as unknown };
  };
  const executions = async () =>
    (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];

  test('rule: a signed report of a live managed key starts one leak response naming the secret, and a repeat starts no second', async () => {
    const arn = await deployManagedSecret(world, {
      keyName: 'scanned-api',
      provider: PROVIDER_KINDS.selfIssued,
    });
    const { key, keyId } = await storedKey(world, arn);
    const output = captureOutput();
    try {
      const first = await post(report([key]));
      expect(first.status).toBe(200);
      expect(first.json).toEqual([expect.objectContaining({ label: 'true_positive' })]);
      const again = await post(report([key]));
      expect(again.json).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    } finally {
      output.restore();
    }
    const started = await executions();
    expect(started).toHaveLength(1);
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: started[0].executionArn }));
    expect(parseLeakEvent(JSON.parse(input!))).toMatchObject({
      key: arn,
      keyId,
      reportedBy: 'GitHub secret scanning',
    });
    // The token reached the intake and nothing after it: not the execution's input, not a log line.
    expect(input).not.toContain(key);
    expect(output.text()).not.toContain(key);
  });

  test('attacker: the key of a secret planted under the prefix with the managed tags starts nothing (the registry names the keys)', async () => {
    const before = (await executions()).length;
    const planted = generateApiKey('kt_live_');
    await world.sm.send(
      new CreateSecretCommand({
        Name: 'keyturn/test/planted-api',
        // A well-formed stored key, as the rotate function would have written it: only the registry tells it apart.
        SecretString: serializeStoredKey({
          keyturn: 1,
          provider: PROVIDER_KINDS.selfIssued,
          keyId: keyIdOf(planted),
          key: planted,
          createdAt: new Date().toISOString(),
        }),
        Tags: [
          { Key: TAGS.managed, Value: 'true' },
          { Key: TAGS.keyName, Value: 'planted-api' },
          { Key: TAGS.provider, Value: PROVIDER_KINDS.selfIssued },
        ],
      }),
    );
    const output = captureOutput();
    let res;
    try {
      res = await post(report([planted]));
    } finally {
      output.restore();
    }
    expect(res.status).toBe(200);
    expect(res.json).toEqual([expect.objectContaining({ label: 'false_positive' })]);
    expect(await executions()).toHaveLength(before);
  });

  test('attacker: a report whose signature is not the partner key is refused and starts nothing', async () => {
    const output = captureOutput();
    let res, key: string, before: number;
    try {
      const arn = await deployManagedSecret(world, {
        keyName: 'forged-report-api',
        provider: PROVIDER_KINDS.selfIssued,
      });
      ({ key } = await storedKey(world, arn));
      before = (await executions()).length;
      const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      const body = report([key]);
      res = await post(body, sign('sha256', Buffer.from(body), impostor));
    } finally {
      output.restore();
    }
    expect(res).toEqual({ status: 401, json: { message: 'unauthorized' } });
    expect(await executions()).toHaveLength(before);
  });
});
