/**
 * The audit's drift report (issue 14): the deployed registry against the secrets listed as managed, through the
 * audit handler (Secrets Manager fake, SNS mock). A planted secret (tagged keyturn:managed, not registered), a
 * registered secret retagged by hand (which tag, registered vs tagged value), and a registered secret deleted or
 * re-created under its name are each a finding with its severity and runbook step, in the run's one notice.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ENV, TAGS } from '../../lambdas/core/constants';
import { driftFindings, tagDifferences } from '../../lambdas/core/audit/drift';
import { captureOutput } from '../helpers/lambda';
import { entryFor, MemoryKeyRegistry, policyFromDeployedTags } from '../helpers/registry';
import { FakeSecretsManager, type FakeSecret } from '../helpers/secrets-manager-fake';
import { NOW, daysAgo, hoursAgo } from './fixtures';
import { addManaged, installVersionIds } from './secrets-fixture';

process.env[ENV.criticalTopicArn] = 'arn:aws:sns:eu-west-1:111122223333:critical';
process.env[ENV.noticeTopicArn] = 'arn:aws:sns:eu-west-1:111122223333:notice';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const handlerModule = require('../../lambdas/audit/handler') as typeof import('../../lambdas/audit/handler');
const { audit, deps } = handlerModule;

const fake = new FakeSecretsManager();
const sns = mockClient(SNSClient);
let registry: MemoryKeyRegistry;
let output: ReturnType<typeof captureOutput>;
const saved = { ...deps };

beforeEach(() => {
  fake.reset();
  installVersionIds(fake);
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  registry = new MemoryKeyRegistry();
  Object.assign(deps, { registry, ledger: undefined, now: () => NOW });
  output = captureOutput();
});
afterEach(() => output.restore());
afterAll(() => Object.assign(deps, saved));

/** A healthy key the deployment registered with the policy of the tags it wrote. */
function deployed(name: string): FakeSecret {
  const secret = addManaged(fake, name, { lastRotatedDate: daysAgo(2), lastAccessedDate: hoursAgo(1) });
  registry.register(entryFor(secret, policyFromDeployedTags(secret.tags)));
  return secret;
}

const run = () => audit({ scheduledTime: '2026-06-15T06:00:00Z' });
const notice = () => {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
};

test('guard does not fire: registered secrets with the tags the deployment wrote give no drift finding', async () => {
  deployed('billing-api');
  deployed('reports-api');
  const result = await run();
  expect(result).toMatchObject({ checked: 2, findings: 0 });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});

test('attack: a planted secret (keyturn:managed under the prefix, not registered) is a critical finding with its runbook step', async () => {
  deployed('billing-api');
  addManaged(fake, 'evil', {
    tags: {
      [TAGS.provider]: 'iam-access-key',
      [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/admin',
    },
    lastRotatedDate: daysAgo(1),
    lastAccessedDate: hoursAgo(1),
  });
  const result = await run();
  expect(result.findings).toBe(1);
  const sent = notice();
  expect(sent.TopicArn).toBe(process.env[ENV.criticalTopicArn]);
  expect(sent.Message).toContain('[critical] prod/evil unregistered-secret');
  expect(sent.Message).toContain('secret: keyturn/prod/evil');
  expect(sent.Message).toContain('CloudTrail (CreateSecret, TagResource');
  expect(output.lines().some((l) => l.includes('"Rule":"unregistered-secret"'))).toBe(true);
});

test('attack: a registered secret retagged to another IAM user is critical tag drift naming the tag, registered and tagged values', async () => {
  const secret = addManaged(fake, 'deployer', {
    tags: {
      [TAGS.provider]: 'iam-access-key',
      [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/ci/deployer',
    },
    lastRotatedDate: daysAgo(2),
    lastAccessedDate: hoursAgo(1),
  });
  registry.register(entryFor(secret, policyFromDeployedTags(secret.tags)));
  secret.tags[`${TAGS.providerSetting}user-arn`] = 'arn:aws:iam::111122223333:user/admin';
  secret.tags[TAGS.overlapHours] = '0';
  await run();
  const sent = notice();
  expect(sent.TopicArn).toBe(process.env[ENV.criticalTopicArn]);
  expect(sent.Message).toContain('[critical] prod/deployer tag-drift');
  expect(sent.Message).toContain(
    'keyturn:provider:user-arn registered "arn:aws:iam::111122223333:user/ci/deployer", tagged "arn:aws:iam::111122223333:user/admin"',
  );
  expect(sent.Message).toContain('keyturn:overlap-hours registered "24", tagged "0"');
});

test('rule: a changed owner tag is notice-level drift; a removed tag shows as (none)', async () => {
  const secret = deployed('billing-api');
  const owner = secret.tags[TAGS.owner];
  secret.tags[TAGS.owner] = 'someone-else@example.com';
  delete secret.tags[TAGS.runbook];
  await run();
  const sent = notice();
  expect(sent.TopicArn).toBe(process.env[ENV.noticeTopicArn]);
  expect(sent.Message).toContain(`${TAGS.owner} registered "${owner}", tagged "someone-else@example.com"`);
  expect(sent.Message).toMatch(new RegExp(`${TAGS.runbook} registered "[^"]+", tagged \\(none\\)`));
});

test('attack: a registered secret deleted and re-created under its name (another ARN) is a critical finding naming the registered ARN', async () => {
  const real = deployed('billing-api');
  fake.find(real.arn).deleted = true;
  const impostor = addManaged(fake, 'billing-api', {
    lastRotatedDate: daysAgo(1),
    lastAccessedDate: hoursAgo(1),
  });
  expect(impostor.arn).not.toBe(real.arn);
  await run();
  const sent = notice();
  expect(sent.Message).toContain('[critical] prod/billing-api registered-secret-missing');
  expect(sent.Message).toContain(`registered ${real.arn}`);
  expect(sent.Message).toContain('deleted and re-created');
});

test('rule: a registered secret that is gone (or lost its keyturn:managed tag) is a critical finding', async () => {
  deployed('billing-api');
  const gone = deployed('reports-api');
  delete fake.find(gone.arn).tags[TAGS.managed];
  const result = await run();
  expect(result.findings).toBe(1);
  expect(notice().Message).toContain('[critical] prod/reports-api registered-secret-missing');
});

test('rule: without a registry (no table configured) the audit makes no drift report', async () => {
  deps.registry = undefined;
  addManaged(fake, 'evil', { lastRotatedDate: daysAgo(1), lastAccessedDate: hoursAgo(1) });
  const result = await run();
  expect(result.findings).toBe(0);
});

test('rule: tag differences name every policy tag that differs and extra provider settings; equal tags give none', () => {
  const secret = deployed('billing-api');
  const [entry] = [...registry.entries.values()];
  expect(tagDifferences(entry, secret.tags)).toEqual([]);
  const edited = { ...secret.tags, [TAGS.tier]: 'standard', [`${TAGS.providerSetting}extra`]: 'x' };
  expect(tagDifferences(entry, edited)).toEqual([
    { tag: TAGS.tier, registered: 'critical', tagged: 'standard' },
    { tag: `${TAGS.providerSetting}extra`, registered: undefined, tagged: 'x' },
  ]);
  expect(
    driftFindings([{ ...secret, tags: edited, versions: {}, rotationEnabled: true }], [entry]),
  ).toHaveLength(1);
});
