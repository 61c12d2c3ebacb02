/**
 * Hardening rules every resource of the synthesized template must meet, whichever part of keyturn added it:
 * bounded Lambda timeouts, log groups with retention, reserved concurrency where a runaway would cost, encrypted
 * topics and queues, TLS-only topics, customer-managed encryption of secrets, and cdk-nag with zero
 * unacknowledged findings, each acknowledgement carrying a reason at a narrow scope.
 */
import { Stack, type App } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { synthExample } from '../helpers/synth';
import { kindOf, TemplateResolver } from '../helpers/template-iam';

const { app, stack, assembly, template } = synthExample();
const resolver = new TemplateResolver(template.toJSON() as never);
const functions = resolver.ofType('AWS::Lambda::Function');
const props = (p: unknown) => p as Record<string, unknown>;

/**
 * Functions whose trigger can be flooded by events keyturn does not control, so a runaway would cost money and
 * starve the account's concurrency: notify (every matching CloudTrail management event) and leak response (leak
 * signals can arrive from outside, e.g. a secret-scanning partner). rotate, retire and audit run on Secrets Manager
 * and Scheduler schedules bounded by the number of keys: reserving capacity for them would only take it from others.
 */
const MUST_RESERVE_CONCURRENCY = new Set(['notify', 'leak']);
const MAX_TIMEOUT_SECONDS = 900;

test('the template holds at least the rotate function (the rules below run over every function present)', () => {
  expect(functions.map(([id]) => kindOf(id))).toContain('rotate');
});

describe.each(functions.map(([id, f]) => [id, props(f.Properties)] as const))('function %s', (id, fn) => {
  test('rule: an explicit, bounded timeout', () => {
    expect(typeof fn.Timeout).toBe('number');
    expect(fn.Timeout as number).toBeGreaterThan(0);
    expect(fn.Timeout as number).toBeLessThanOrEqual(MAX_TIMEOUT_SECONDS);
  });

  test('rule: logs to its own log group, which has a retention', () => {
    const logGroup = props(fn.LoggingConfig).LogGroup as { Ref: string } | undefined;
    expect(logGroup?.Ref).toBeDefined();
    const group = resolver.resource(logGroup!.Ref);
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(typeof props(group.Properties).RetentionInDays).toBe('number');
  });

  const kind = kindOf(id);
  if (MUST_RESERVE_CONCURRENCY.has(kind)) {
    test(`rule: a ${kind} function reserves a small concurrency (a flood of events cannot run away)`, () => {
      expect(fn.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(1);
      expect(fn.ReservedConcurrentExecutions).toBeLessThanOrEqual(50);
    });
  }

  test('rule: no key material or secret-looking value in its environment', () => {
    const variables = props(props(fn.Environment).Variables ?? {});
    for (const [name, value] of Object.entries(variables)) {
      expect(name).not.toMatch(/SECRET_VALUE|API_KEY$|PASSWORD|TOKEN$/i);
      expect(JSON.stringify(value)).not.toMatch(/kt_[a-z0-9]+_[0-9A-Za-z]{20,}/);
    }
  });
});

test('rule: every SNS topic is KMS-encrypted and refuses publishers without TLS', () => {
  const topics = resolver.ofType('AWS::SNS::Topic');
  expect(topics.length).toBeGreaterThanOrEqual(2);
  const policies = resolver
    .ofType('AWS::SNS::TopicPolicy')
    .map(([, p]) => resolver.resolve(p.Properties) as Record<string, unknown>);
  for (const [id, topic] of topics) {
    expect(props(topic.Properties).KmsMasterKeyId).toBeDefined();
    const arn = resolver.arnOf(id);
    const policy = policies.find((p) => (p.Topics as string[]).includes(arn));
    const statements = (props(policy?.PolicyDocument).Statement ?? []) as Array<Record<string, unknown>>;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  }
});

// Queues (dead-letter queues) appear as functions gain them: one test per queue present.
for (const [id, queue] of resolver.ofType('AWS::SQS::Queue')) {
  test(`rule: queue ${id} is encrypted (KMS or SQS-managed) and refuses non-TLS access`, () => {
    const p = props(queue.Properties ?? {});
    expect(p.SqsManagedSseEnabled).not.toBe(false);
    expect(p.KmsMasterKeyId !== undefined || p.SqsManagedSseEnabled === true).toBe(true);
    const policies = resolver.ofType('AWS::SQS::QueuePolicy').map(([, q]) => JSON.stringify(q.Properties));
    expect(policies.some((q) => q.includes(id) && q.includes('aws:SecureTransport'))).toBe(true);
  });
}

test('rule: every managed secret is encrypted with the keyturn customer-managed key and kept on stack deletion', () => {
  const [keyId] = resolver.ofType('AWS::KMS::Key')[0];
  const secrets = resolver.ofType('AWS::SecretsManager::Secret');
  expect(secrets.length).toBeGreaterThan(0);
  for (const [, secret] of secrets) {
    expect(resolver.resolve(props(secret.Properties).KmsKeyId)).toBe(resolver.arnOf(keyId));
    expect((secret as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
  }
});

test('rule: every KMS key rotates its key material yearly', () => {
  for (const [, key] of resolver.ofType('AWS::KMS::Key'))
    expect(props(key.Properties).EnableKeyRotation).toBe(true);
});

test('rule: cdk-nag AwsSolutions reports zero unacknowledged errors', () => {
  // synthExample synthesized with the nag plugin: an unacknowledged error would have thrown; the report agrees.
  const errors = assembly.stacks.flatMap((s) => s.messages).filter((m) => m.level === 'error');
  expect(errors.map((m) => `${m.id}: ${String(m.entry.data)}`)).toEqual([]);
});

describe('cdk-nag acknowledgements', () => {
  const acknowledgements = collectAcknowledgements(app);

  test('rule: each one carries a reason a reviewer can check (a sentence, not a placeholder)', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.reason.trim().length).toBeGreaterThanOrEqual(30);
      expect(ack.reason).not.toMatch(/^(todo|n\/a|none|ok|fine|ignore)/i);
    }
  });

  test('rule: each one sits at a narrow scope (never the app or a whole stack)', () => {
    for (const ack of acknowledgements) {
      expect(ack.path).not.toBe('');
      expect(ack.construct).not.toBe(stack);
      expect(Stack.isStack(ack.construct)).toBe(false);
    }
  });

  test('rule: no rule is acknowledged wholesale: IAM5 (wildcards) is acknowledged per finding', () => {
    for (const ack of acknowledgements.filter((a) => a.id.includes('IAM5')))
      expect(ack.id).toMatch(/IAM5\[.+\]/);
  });
});

interface Acknowledgement {
  id: string;
  reason: string;
  path: string;
  construct: IConstruct;
}

/** Acknowledgements live in construct metadata (`aws:cdk:acknowledged-rules`), as Validations.acknowledge records them. */
function collectAcknowledgements(root: App): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules' || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ id, reason, path: construct.node.path, construct });
      }
    }
  }
  return out;
}
