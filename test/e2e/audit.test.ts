/**
 * The daily audit handler against moto: it lists the managed secrets through ListSecrets (tags, stages and dates as
 * the service reports them), applies its rules, pages once and records the run in the ledger.
 */
import { CancelRotateSecretCommand, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PROVIDER_KINDS, TAGS } from '../../lambdas/core/constants';
import { captureOutput } from '../helpers/lambda';
import { describeWithMoto } from '../helpers/moto-server';
import {
  deployManagedSecret,
  hostRotateFunction,
  invoke,
  startWorld,
  type Handler,
  type World,
} from './world';

describeWithMoto('the daily audit against moto', () => {
  let world: World;
  let audit: Handler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    world = await startWorld();
    await hostRotateFunction(world);
    ({ handler: audit } = await world.load<{ handler: Handler }>(
      '../../lambdas/audit/handler',
      world.env.audit,
    ));
  });
  afterAll(async () => world?.stop());
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  const selfIssued = (keyName: string) => ({
    keyName,
    provider: PROVIDER_KINDS.selfIssued,
    providerSettings: { 'key-prefix': 'kt_test_' },
  });

  const auditRuns = async () =>
    ((await world.dynamo.send(new ScanCommand({ TableName: world.ledgerTable }))).Items ?? []).filter(
      (item) => item.kind === 'audit',
    );

  test('keys as deployed and rotated are clean: no finding, no page, the run recorded as clean', async () => {
    await deployManagedSecret(world, selfIssued('clean-a'));
    await deployManagedSecret(world, selfIssued('clean-b'));
    const result = await invoke(audit, { id: 'run-clean' }, 'keyturn-audit');
    expect(result).toMatchObject({ checked: 2, findings: 0 });
    expect(await world.published('critical')).toEqual([]);
    expect(await world.published('notice')).toEqual([]);
    expect((await auditRuns()).map((r) => r.outcome)).toEqual(['clean']);
  });

  test('a cancelled rotation is a critical finding paged with its fix; a planted secret outside the prefix is not audited', async () => {
    const arn = await deployManagedSecret(world, selfIssued('cancelled'));
    await world.sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
    await world.sm.send(
      new CreateSecretCommand({
        Name: 'elsewhere/test/planted',
        SecretString: '{}',
        Tags: [
          { Key: TAGS.managed, Value: 'true' },
          { Key: TAGS.keyName, Value: 'planted' },
        ],
      }),
    );
    const result = await invoke(audit, { id: 'run-cancelled' }, 'keyturn-audit');
    expect(result).toMatchObject({ findings: 1, notified: 'critical' });
    const pages = await world.published('critical');
    expect(pages).toHaveLength(1);
    expect(pages[0].message).toMatch(/\[critical\] test\/cancelled rotation-disabled: rotation is disabled/);
    expect(pages[0].message).toMatch(/fix: Redeploy keyturn/);
    expect(pages[0].message).not.toContain('planted');
    // One pipeline-wide line per run, and a line in the key's own history.
    const runs = await auditRuns();
    expect(runs).toContainEqual(
      expect.objectContaining({ keyName: 'cancelled', outcome: 'critical-findings' }),
    );
    expect(runs.filter((r) => r.outcome === 'findings')).toHaveLength(1);
    expect(runs.some((r) => r.keyName === 'planted')).toBe(false);
  });

  test('attack: a secret planted under the prefix with the managed tags is a critical drift finding (not registered)', async () => {
    await world.sm.send(
      new CreateSecretCommand({
        Name: 'keyturn/test/planted',
        SecretString: '{}',
        Tags: [
          { Key: TAGS.managed, Value: 'true' },
          { Key: TAGS.keyName, Value: 'planted' },
          { Key: TAGS.environment, Value: 'test' },
        ],
      }),
    );
    const result = await invoke(audit, { id: 'run-planted' }, 'keyturn-audit');
    expect(result).toMatchObject({ notified: 'critical' });
    const pages = await world.published('critical');
    const page = pages[pages.length - 1];
    expect(page.message).toMatch(
      /\[critical\] test\/planted unregistered-secret: .*no deployment registered it/,
    );
    expect(page.message).toContain('secret: keyturn/test/planted');
    // The registered keys of this world show no drift: their tags are the ones the deployment wrote.
    expect(page.message).not.toMatch(/clean-[ab] (tag-drift|registered-secret-missing)/);
  });
});
