/**
 * A leak, end to end against moto: `keyturn leak` puts the event on EventBridge, a rule delivers it (to SQS here,
 * to the state machine in AWS), and the synthesized state machine runs with the event as delivered, every task
 * bound to the real leak handler: contain → rotate (RotateSecret with `keyturn-leak-<incident>`; the service runs
 * the rotate handler's four steps with that token) → check-rotation → revoke-leaked (rotate-then-revoke) → audit →
 * rotate-linked → conclude. Done when each key ends with a new AWSCURRENT its provider accepts and the leaked key refused.
 * The audit handler and `keyturn status` / `incident` / `history` read the same world.
 */
import { CreateUsagePlanCommand, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { EVENTS, PROVIDER_KINDS, STAGE } from '../../lambdas/core/constants';
import type { LeakState } from '../../lambdas/core/leak/state';
import { rotationTokenFor } from '../../lambdas/core/leak/steps';
import { ApiKeyVerifier } from '../../lambdas/verifier';
import { captureOutput } from '../helpers/lambda';
import { describeWithMoto, MOTO_REGION } from '../helpers/moto-server';
import { execute } from '../helpers/state-machine';
import { leakMachine } from '../leak/definition';
import { keyturnAgainst } from './cli';
import {
  deployManagedSecret,
  hostRotateFunction,
  invoke,
  startWorld,
  storedKey,
  versionWith,
  type Handler,
  type ManagedSecretInput,
  type World,
} from './world';

describeWithMoto('leak response through the leak handler against moto', () => {
  let world: World;
  let leak: Handler;
  let audit: Handler;
  let events: EventBridgeClient;
  let signalQueue: string;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    world = await startWorld();
    await hostRotateFunction(world);
    ({ handler: leak } = await world.load<{ handler: Handler }>(
      '../../lambdas/leak/handler',
      world.env.leak,
    ));
    ({ handler: audit } = await world.load<{ handler: Handler }>(
      '../../lambdas/audit/handler',
      world.env.audit,
    ));
    // The stack's leak rule, with a queue where the state machine would be.
    events = new EventBridgeClient({ endpoint: world.proxy.url, region: MOTO_REGION });
    signalQueue = (await world.sqs.send(new CreateQueueCommand({ QueueName: 'leak-signals' }))).QueueUrl!;
    const queueArn = (
      await world.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: signalQueue, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes!.QueueArn!;
    await events.send(
      new PutRuleCommand({
        Name: 'keyturn-leak-signal',
        EventPattern: JSON.stringify({ source: [EVENTS.source], 'detail-type': [EVENTS.apiKeyLeaked] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'keyturn-leak-signal',
        Targets: [{ Id: 'leak-response', Arn: queueArn }],
      }),
    );
  });
  afterAll(async () => {
    events?.destroy();
    await world?.stop();
  });
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  /** `keyturn leak`, then the event exactly as the rule delivered it. */
  async function reportLeak(ref: string): Promise<unknown> {
    // --yes: no terminal to confirm on; the rule here listens on the default bus (the stack's is the leak bus).
    const cli = await keyturnAgainst(world, [
      'leak',
      ref,
      '--yes',
      '--event-bus',
      'default',
      '--where',
      'https://github.com/acme/app/commit/1',
    ]);
    expect(cli).toMatchObject({ code: 0 });
    const { Messages = [] } = await world.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: signalQueue, MaxNumberOfMessages: 1, WaitTimeSeconds: 2 }),
    );
    expect(Messages).toHaveLength(1);
    await world.sqs.send(
      new DeleteMessageCommand({ QueueUrl: signalQueue, ReceiptHandle: Messages[0].ReceiptHandle! }),
    );
    return JSON.parse(Messages[0].Body!);
  }

  /**
   * The leak response as AWS runs it: the synthesized state machine executed (test/helpers/state-machine.ts) with
   * every task bound to the leak handler loaded with the stack's environment. Two hooks, not a copy of the order:
   * check-rotation runs once the service's rotation has settled (the proxy runs the four steps asynchronously, as
   * Secrets Manager does; in AWS the Wait state gives it the time), and `afterContain` looks at the world right after
   * contain returned.
   */
  async function respond(event: unknown, afterContain?: (state: LeakState) => Promise<void>) {
    const { definition, functionArn } = leakMachine();
    const execution = execute(definition, event, {
      functions: {
        [functionArn]: async (payload, context) => {
          const task = (payload as { task?: string }).task;
          if (task === 'check-rotation') await world.proxy.settled();
          const out = await leak(payload, context);
          if (task === 'contain') {
            expect((out as LeakState).decision).toBe('respond');
            await afterContain?.(out as LeakState);
          }
          return out;
        },
      },
    });
    const result = await execution.done;
    // The failure's error and cause, with the states entered, say which task broke and why.
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(execution.invocations.filter((i) => i.outcome === 'error')).toEqual([]);
    return (result as { output: unknown }).output as LeakState;
  }

  async function deployAndLeak(
    input: ManagedSecretInput,
    afterContain?: (state: LeakState) => Promise<void>,
  ) {
    const arn = await deployManagedSecret(world, input);
    const leakedVersion = (await versionWith(world, arn, STAGE.current))!;
    const leakedKey = await storedKey(world, arn);
    const event = await reportLeak(`test/${input.keyName}`);
    const state = await respond(event, afterContain);
    const currentVersion = (await versionWith(world, arn, STAGE.current))!;
    return { arn, leakedVersion, leakedKey, state, currentVersion, currentKey: await storedKey(world, arn) };
  }

  test('a leaked self-issued key (revoke-first): refused at once, replaced through the rotate handler with the leak token, incident resolved', async () => {
    const verifier = (arn: string) =>
      new ApiKeyVerifier({
        keys: [{ name: 'orders-api', secretId: arn, prefix: 'kt_test_' }],
        client: new SecretsManagerClient({ endpoint: world.proxy.url, region: MOTO_REGION }),
        ttlMs: 0,
        minRefreshIntervalMs: 0,
      });
    let refusedWhileContained: unknown;
    let statusWhileContained: Awaited<ReturnType<typeof keyturnAgainst>> | undefined;
    let auditWhileContained: unknown;
    const r = await deployAndLeak(
      {
        keyName: 'orders-api',
        provider: PROVIDER_KINDS.selfIssued,
        providerSettings: { 'key-prefix': 'kt_test_' },
      },
      async (contained) => {
        const arn = contained.key!.secretArn;
        refusedWhileContained = await verifier(arn).verify((await storedKey(world, arn)).key);
        // Issue 15 fix 4: a revoked AWSCURRENT is critical for the audit and `keyturn status`, not "ok".
        statusWhileContained = await keyturnAgainst(world, ['status', '--env', 'test']);
        auditWhileContained = await invoke(audit, { id: 'audit-run-1' }, 'keyturn-audit');
      },
    );
    expect(refusedWhileContained).toMatchObject({ valid: false });
    expect(statusWhileContained?.code).toBe(1);
    expect(statusWhileContained?.stdout).toMatch(/orders-api .*current\(REVOKED\).*current-revoked!/);
    expect(auditWhileContained).toMatchObject({ notified: 'critical' });
    const pages = await world.published('critical');
    expect(pages.map((p) => p.message).join('\n')).toMatch(
      /current key \(version .*\) was revoked by the leak response/,
    );

    expect(r.currentVersion).toBe(rotationTokenFor(r.state.incidentId));
    expect(r.state).toMatchObject({ revoked: true, rotation: 'current', verified: true });
    expect(await verifier(r.arn).verify(r.currentKey.key)).toEqual({ valid: true, keyName: 'orders-api' });
    expect(await verifier(r.arn).verify(r.leakedKey.key)).toMatchObject({ valid: false });
    // moto has no CloudTrail LookupEvents: the audit says so and names the manual lookup, as for an outage.
    expect(r.state.audit?.note).toMatch(/CloudTrail lookup incomplete/);
    expect(output.text()).not.toContain(r.leakedKey.key);
    expect(output.text()).not.toContain(r.currentKey.key);

    const afterwards = await keyturnAgainst(world, ['status', '--env', 'test']);
    expect(afterwards.stdout).not.toMatch(/orders-api .*current-revoked/);
    const incident = await keyturnAgainst(world, ['incident', r.state.incidentId]);
    expect(incident.code).toBe(0);
    expect(incident.stdout).toContain(r.state.incidentId);
    expect(incident.stdout).toMatch(/orders-api/);
    const history = await keyturnAgainst(world, ['history', 'test/orders-api']);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain(r.currentVersion);
  });

  test('a leaked IAM access key (revoke-first): made Inactive, replaced by a key STS accepts as the user', async () => {
    const user = await world.iam.send(new CreateUserCommand({ UserName: 'leak-bot' }));
    const userArn = user.User!.Arn!;
    const r = await deployAndLeak({
      keyName: 'leak-iam',
      provider: PROVIDER_KINDS.iamAccessKey,
      providerSettings: { 'user-arn': userArn },
    });
    expect(r.currentVersion).toBe(rotationTokenFor(r.state.incidentId));
    expect(r.state).toMatchObject({ revoked: true, rotation: 'current', verified: true });
    const keys = (await world.iam.send(new ListAccessKeysCommand({ UserName: 'leak-bot' })))
      .AccessKeyMetadata!;
    const status = Object.fromEntries(keys.map((k) => [k.AccessKeyId, k.Status]));
    // moto still authenticates an Inactive key (MOTO_DIFFERENCES): refusal is proven by IAM's status.
    expect(status).toEqual({ [r.leakedKey.keyId]: 'Inactive', [r.currentKey.keyId]: 'Active' });
    const sts = new STSClient({
      endpoint: world.proxy.url,
      region: MOTO_REGION,
      credentials: { accessKeyId: r.currentKey.keyId, secretAccessKey: r.currentKey.key },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(userArn);
    sts.destroy();
  });

  test('a leaked API Gateway key (rotate-then-revoke): works until the replacement is current, then disabled', async () => {
    const plan = await world.apigw.send(new CreateUsagePlanCommand({ name: 'leak-plan' }));
    let enabledWhileRotating: boolean | undefined;
    const r = await deployAndLeak(
      {
        keyName: 'leak-apigw',
        provider: PROVIDER_KINDS.apiGatewayKey,
        leakPolicy: 'rotate-then-revoke',
        providerSettings: { 'usage-plan-ids': plan.id! },
      },
      async (contained) => {
        expect(contained.revoked).toBe(false);
        const leaked = await storedKey(world, contained.key!.secretArn);
        enabledWhileRotating = (await world.apigw.send(new GetApiKeyCommand({ apiKey: leaked.keyId })))
          .enabled;
      },
    );
    expect(enabledWhileRotating).toBe(true);
    expect(r.state).toMatchObject({ revoked: true, rotation: 'current', verified: true });
    expect((await world.apigw.send(new GetApiKeyCommand({ apiKey: r.leakedKey.keyId }))).enabled).toBe(false);
    const current = await world.apigw.send(
      new GetApiKeyCommand({ apiKey: r.currentKey.keyId, includeValue: true }),
    );
    expect(current).toMatchObject({ enabled: true, value: r.currentKey.key });
  });

  test('keyturn rotate against the emulated service: started, followed until the new version is AWSCURRENT', async () => {
    const arn = await deployManagedSecret(world, {
      keyName: 'cli-rotate',
      provider: PROVIDER_KINDS.selfIssued,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    const before = await versionWith(world, arn, STAGE.current);
    const cli = await keyturnAgainst(world, ['--json', 'rotate', 'test/cli-rotate']);
    expect(cli.code).toBe(0);
    const result = JSON.parse(cli.stdout) as { outcome: string; versionId: string };
    expect(result.outcome).toBe('rotated');
    expect(result.versionId).not.toBe(before);
    expect(await versionWith(world, arn, STAGE.current)).toBe(result.versionId);
    // The CLI stops following once AWSCURRENT moved; finishSecret goes on to schedule retirement and record it.
    await world.proxy.settled();
    expect(world.proxy.rotations.find((r) => r.token === result.versionId)).toMatchObject({
      outcome: 'succeeded',
      steps: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    });
  });
});
