/**
 * Rules of the page's text (lambdas/core/notify/format.ts): severity per kind, the key's label and the target it
 * names with and without the secret's description, owner and runbook fallbacks, the next commands per kind, the
 * dedupe key's parts, and never key material from the event, whatever field carries it.
 */
import { classifyEvent, type Incident, type IncidentKind } from '../../lambdas/core/notify/classify';
import { dedupeKeyOf, formatNotification, severityOf, type KeyInfo } from '../../lambdas/core/notify/format';
import * as s from '../monitoring/cloudtrail-samples';

const KEY_MATERIAL = 'kt_live_9QzXv7Lk2PqR8sT4uW6yA1bC3dE5fG7hJ0mN2oP4';
const KINDS: IncidentKind[] = [
  'rotation-failed',
  'rotation-abandoned',
  'destructive-change',
  'unexpected-read',
  'tamper-write',
];

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    kind: 'unexpected-read',
    eventName: 'GetSecretValue',
    at: '2026-11-22T10:15:00Z',
    secretId: s.SECRET_ARN,
    principal: `arn:aws:iam::${s.ACCOUNT}:role/mallory`,
    identity: { type: 'AssumedRole' },
    sourceIp: '198.51.100.7',
    account: s.ACCOUNT,
    region: s.REGION,
    eventId: 'e3c6d0b2-0000-4000-8000-000000000002',
    ...overrides,
  };
}

const key: KeyInfo = {
  secretArn: s.SECRET_ARN,
  secretName: s.SECRET_NAME,
  keyName: 'billing-api',
  environment: 'prod',
  owner: 'payments-team@example.com',
};

const commands = (message: string) =>
  message
    .split('\n')
    .filter((l) => l.startsWith('  aws '))
    .map((l) => l.trim());

describe('rule: severity', () => {
  test('rule: an abandoned rotation is a notice; every other incident is critical, in subject and first line', () => {
    for (const kind of KINDS) {
      const expected = kind === 'rotation-abandoned' ? 'notice' : 'critical';
      expect(severityOf(kind)).toBe(expected);
      const n = formatNotification(incident({ kind }), key);
      expect(n.severity).toBe(expected);
      expect(n.kind).toBe(kind);
      expect(n.subject.startsWith(`[keyturn ${expected}] `)).toBe(true);
      expect(n.message.startsWith(`${expected.toUpperCase()}: `)).toBe(true);
    }
  });
});

describe("rule: the key's label and the target the page names", () => {
  test('rule: a described key is labelled environment/key name in subject, headline and Key line', () => {
    const n = formatNotification(incident(), key);
    expect(n.subject).toBe('[keyturn critical] Secret read by an unexpected principal: prod/billing-api');
    expect(n.message.split('\n')[0]).toBe(
      'CRITICAL: Secret read by an unexpected principal - prod/billing-api',
    );
    expect(n.message).toContain('\nKey:           prod/billing-api\n');
    expect(n).toMatchObject({ keyName: 'billing-api', environment: 'prod' });
  });

  test('rule: a key without an environment tag is labelled ?/key name', () => {
    const n = formatNotification(incident(), { ...key, environment: undefined });
    expect(n.subject).toContain(': ?/billing-api');
    expect(n.environment).toBeUndefined();
  });

  test('rule: a key without a name tag is labelled by the secret id, then the resource, then "keyturn"', () => {
    expect(formatNotification(incident(), { ...key, keyName: undefined }).subject).toContain(
      `: ${s.SECRET_ARN}`,
    );
    expect(formatNotification(incident(), undefined).subject).toContain(`: ${s.SECRET_ARN}`);
    const kms = incident({ kind: 'destructive-change', secretId: undefined, resource: s.KMS_KEY_ARN });
    expect(formatNotification(kms, undefined).subject).toContain(`: ${s.KMS_KEY_ARN}`);
    const bare = incident({ kind: 'destructive-change', secretId: undefined, resource: undefined });
    expect(formatNotification(bare, undefined).subject).toBe(
      '[keyturn critical] Destructive change: keyturn',
    );
    expect(formatNotification(bare, undefined).message).toContain(
      'What happened: arn:aws:iam::111122223333:role/mallory called GetSecretValue on a keyturn resource.',
    );
  });

  test('rule: what happened names the described secret by name, an undescribed one by the id the caller used', () => {
    const line = (i: Incident, k: KeyInfo | undefined) =>
      formatNotification(i, k)
        .message.split('\n')
        .find((l) => l.startsWith('What happened: '));
    const p = `arn:aws:iam::${s.ACCOUNT}:role/mallory`;
    expect(line(incident({ kind: 'rotation-failed' }), key)).toBe(
      `What happened: Secrets Manager reported RotationFailed for secret ${s.SECRET_NAME}.`,
    );
    expect(line(incident({ kind: 'rotation-abandoned' }), undefined)).toBe(
      `What happened: Secrets Manager reported RotationAbandoned for secret ${s.SECRET_ARN}.`,
    );
    expect(line(incident({ kind: 'unexpected-read' }), key)).toBe(
      `What happened: ${p} read secret ${s.SECRET_NAME} (GetSecretValue) and is not in the key's allowed readers.`,
    );
    expect(line(incident({ kind: 'unexpected-read' }), undefined)).toBe(
      `What happened: ${p} read secret ${s.SECRET_ARN} (GetSecretValue), a secret under the prefix that no deployment manages.`,
    );
    expect(line(incident({ kind: 'tamper-write', eventName: 'TagResource' }), key)).toBe(
      `What happened: ${p} called TagResource on secret ${s.SECRET_NAME}, and is neither a keyturn role nor the deploy role.`,
    );
    expect(line(incident({ kind: 'destructive-change', eventName: 'DeleteSecret' }), key)).toBe(
      `What happened: ${p} called DeleteSecret on secret ${s.SECRET_NAME}.`,
    );
  });

  test('rule: a destructive change names the resource only when it is not about a secret', () => {
    const text = (i: Incident) => formatNotification(i, undefined).message;
    const p = `arn:aws:iam::${s.ACCOUNT}:role/mallory`;
    expect(
      text(
        incident({
          kind: 'destructive-change',
          eventName: 'StopLogging',
          secretId: undefined,
          resource: s.TRAIL_ARN,
        }),
      ),
    ).toContain(`What happened: ${p} called StopLogging on ${s.TRAIL_ARN}.`);
    expect(
      text(incident({ kind: 'destructive-change', eventName: 'DeleteSecret', resource: s.KMS_KEY_ARN })),
    ).toContain(`What happened: ${p} called DeleteSecret on secret ${s.SECRET_ARN}.`);
    // Even with key details at hand, a change to a non-secret resource names that resource.
    expect(
      formatNotification(
        incident({
          kind: 'destructive-change',
          eventName: 'DisableKey',
          secretId: undefined,
          resource: s.KMS_KEY_ARN,
        }),
        key,
      ).message,
    ).toContain(`What happened: ${p} called DisableKey on ${s.KMS_KEY_ARN}.`);
  });
});

describe('rule: the page, line by line', () => {
  test('rule: a failed rotation of a described key, in full', () => {
    const full: KeyInfo = {
      ...key,
      backupOwner: 'oncall@example.com',
      runbook: 'https://rb.example.com/k',
    };
    const r = `--region ${s.REGION}`;
    expect(
      formatNotification(
        incident({ kind: 'rotation-failed', eventName: 'RotationFailed' }),
        full,
      ).message.split('\n'),
    ).toEqual([
      'CRITICAL: Rotation FAILED - prod/billing-api',
      '',
      `What happened: Secrets Manager reported RotationFailed for secret ${s.SECRET_NAME}.`,
      'Key:           prod/billing-api',
      'Owner:         payments-team@example.com (backup: oncall@example.com)',
      'Since:         2026-11-22T10:15:00Z',
      `Who:           arn:aws:iam::${s.ACCOUNT}:role/mallory from 198.51.100.7`,
      `Where:         account ${s.ACCOUNT}, ${s.REGION}`,
      '',
      'What keyturn did: Nothing was promoted: AWSCURRENT still holds the previous, working key. Secrets Manager retries the rotation inside its window; the rotate function logged the failed step.',
      '',
      'Runbook: https://rb.example.com/k',
      '',
      'Next commands:',
      `  aws secretsmanager describe-secret --secret-id '${s.SECRET_ARN}' ${r}`,
      `  aws secretsmanager list-secret-version-ids --secret-id '${s.SECRET_ARN}' --include-deprecated ${r}`,
      `  aws secretsmanager rotate-secret --secret-id '${s.SECRET_ARN}' ${r}   # retry once the cause is fixed`,
      `  aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventId,AttributeValue=e3c6d0b2-0000-4000-8000-000000000002 ${r}`,
      '',
      'CloudTrail event id: e3c6d0b2-0000-4000-8000-000000000002',
    ]);
  });

  test.each([
    [
      'rotation-failed',
      'Rotation FAILED',
      'Nothing was promoted: AWSCURRENT still holds the previous, working key. Secrets Manager retries the rotation inside its window; the rotate function logged the failed step.',
    ],
    [
      'rotation-abandoned',
      'Rotation ABANDONED',
      'Secrets Manager abandoned the rotation (a value was written by hand during it, or the pending version was replaced). AWSCURRENT was not changed by keyturn.',
    ],
    [
      'destructive-change',
      'Destructive change',
      'Nothing automatic: keyturn does not undo changes. This message and the CloudTrail record are the evidence.',
    ],
    [
      'unexpected-read',
      'Secret read by an unexpected principal',
      'Nothing automatic: the key was not revoked. If you do not recognise the principal, treat the key as leaked.',
    ],
    [
      'tamper-write',
      'Managed secret written outside a deployment',
      'Nothing automatic. keyturn refuses secrets its deployment did not write, but a planted secret, a changed tag or a hand-written value is someone acting on managed keys outside keyturn and the deploy role.',
    ],
  ] as Array<[IncidentKind, string, string]>)(
    'rule: %s has its headline and says what keyturn did',
    (kind, headline, did) => {
      const n = formatNotification(incident({ kind }), key);
      expect(n.subject).toBe(`[keyturn ${severityOf(kind)}] ${headline}: prod/billing-api`);
      expect(n.message.split('\n')[0]).toBe(
        `${severityOf(kind).toUpperCase()}: ${headline} - prod/billing-api`,
      );
      expect(n.message).toContain(`\nWhat keyturn did: ${did}\n`);
    },
  );
});

describe('rule: owner, who, where and runbook', () => {
  test('rule: the owner, with the backup owner only when there is one', () => {
    expect(formatNotification(incident(), key).message).toContain(
      '\nOwner:         payments-team@example.com\n',
    );
    expect(formatNotification(incident(), { ...key, backupOwner: 'oncall@example.com' }).message).toContain(
      '\nOwner:         payments-team@example.com (backup: oncall@example.com)\n',
    );
    expect(formatNotification(incident(), undefined).message).toContain(
      '\nOwner:         unknown (secret not described or not tagged)\n',
    );
  });

  test('rule: who, from where, when and in which account and region', () => {
    const m = formatNotification(incident(), key).message;
    expect(m).toContain(`\nWho:           arn:aws:iam::${s.ACCOUNT}:role/mallory from 198.51.100.7\n`);
    expect(m).toContain('\nSince:         2026-11-22T10:15:00Z\n');
    expect(m).toContain(`\nWhere:         account ${s.ACCOUNT}, ${s.REGION}\n`);
    expect(formatNotification(incident({ sourceIp: undefined }), key).message).toContain(
      `\nWho:           arn:aws:iam::${s.ACCOUNT}:role/mallory\n`,
    );
  });

  test("rule: the key's runbook, else the alarms documentation; what keyturn did, per kind", () => {
    expect(formatNotification(incident(), { ...key, runbook: 'https://rb.example.com/k' }).message).toContain(
      '\nRunbook: https://rb.example.com/k\n',
    );
    expect(formatNotification(incident(), key).message).toContain('\nRunbook: see docs/alarms.md\n');
    expect(formatNotification(incident({ kind: 'tamper-write' }), key).message).toContain(
      'What keyturn did: Nothing automatic. keyturn refuses secrets its deployment did not write',
    );
    expect(formatNotification(incident({ kind: 'unexpected-read' }), key).message).toContain(
      'What keyturn did: Nothing automatic: the key was not revoked.',
    );
  });

  test('rule: the message ends with the CloudTrail event id', () => {
    const m = formatNotification(incident(), key).message;
    expect(m.endsWith('\n\nCloudTrail event id: e3c6d0b2-0000-4000-8000-000000000002')).toBe(true);
  });
});

describe('rule: the next commands, per kind', () => {
  const id = s.SECRET_ARN;
  const r = `--region ${s.REGION}`;
  const describeCmds = [
    `aws secretsmanager describe-secret --secret-id '${id}' ${r}`,
    `aws secretsmanager list-secret-version-ids --secret-id '${id}' --include-deprecated ${r}`,
  ];
  const byEvent = `aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventId,AttributeValue=e3c6d0b2-0000-4000-8000-000000000002 ${r}`;
  const byResource = `aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue='${id}' ${r}   # every access`;
  const retry = `aws secretsmanager rotate-secret --secret-id '${id}' ${r}   # retry once the cause is fixed`;

  test.each([
    ['rotation-failed', [...describeCmds, retry, byEvent]],
    ['rotation-abandoned', [...describeCmds, retry, byEvent]],
    ['destructive-change', [...describeCmds, byEvent]],
    ['unexpected-read', [...describeCmds, byResource, byEvent]],
    ['tamper-write', [...describeCmds, byResource, byEvent]],
  ] as Array<[IncidentKind, string[]]>)('rule: %s', (kind, expected) => {
    expect(commands(formatNotification(incident({ kind }), undefined).message)).toEqual(expected);
  });

  test("rule: the commands use the described secret's ARN over the id the caller used", () => {
    const m = formatNotification(incident({ secretId: s.SECRET_NAME }), key).message;
    expect(commands(m)[0]).toBe(`aws secretsmanager describe-secret --secret-id '${s.SECRET_ARN}' ${r}`);
    expect(m).not.toContain(`'${s.SECRET_NAME}'`);
  });

  test('rule: without a secret only the event lookup is offered, whatever the kind', () => {
    for (const kind of KINDS) {
      const i = incident({ kind, secretId: undefined, resource: s.KMS_KEY_ARN });
      expect(commands(formatNotification(i, undefined).message)).toEqual([byEvent]);
    }
  });
});

describe('rule: the dedupe key', () => {
  test('rule: kind, event name, secret (else resource, else -) and principal, in that order', () => {
    const i = incident();
    expect(dedupeKeyOf(i)).toBe(`unexpected-read|GetSecretValue|${s.SECRET_ARN}|${i.principal}`);
    expect(dedupeKeyOf(incident({ secretId: undefined, resource: s.KMS_KEY_ARN }))).toBe(
      `unexpected-read|GetSecretValue|${s.KMS_KEY_ARN}|${i.principal}`,
    );
    expect(dedupeKeyOf(incident({ secretId: undefined }))).toBe(
      `unexpected-read|GetSecretValue|-|${i.principal}`,
    );
    expect(dedupeKeyOf(incident({ resource: s.KMS_KEY_ARN }))).toBe(dedupeKeyOf(i));
  });

  test('rule: two deliveries of one happening share it; another principal, event or secret does not', () => {
    const i = incident();
    expect(dedupeKeyOf({ ...i, eventId: 'another-delivery', at: 'later' })).toBe(dedupeKeyOf(i));
    for (const other of [
      incident({ principal: 'arn:aws:iam::111122223333:role/eve' }),
      incident({ eventName: 'PutSecretValue', kind: 'tamper-write' }),
      incident({ secretId: s.OTHER_SECRET_ARN }),
    ]) {
      expect(dedupeKeyOf(other)).not.toBe(dedupeKeyOf(i));
    }
  });
});

describe('rule: key material in an event never reaches the page', () => {
  const carrying = (detail: s.Record_) => ({
    ...detail,
    requestParameters: {
      ...(detail.requestParameters as object),
      secretString: KEY_MATERIAL,
      secretBinary: Buffer.from(KEY_MATERIAL).toString('base64'),
      clientRequestToken: KEY_MATERIAL,
    },
    responseElements: { secretString: KEY_MATERIAL },
    additionalEventData: { ...(detail.additionalEventData as object), value: KEY_MATERIAL },
    serviceEventDetails: { value: KEY_MATERIAL },
  });
  test.each([
    ['a read', s.asEvent(carrying(s.secretCall('GetSecretValue', s.SECRET_ARN)))],
    ['a put', s.asEvent(carrying(s.secretCall('PutSecretValue', s.SECRET_ARN)))],
    ['an update', s.asEvent(carrying(s.secretCall('UpdateSecret', s.SECRET_ARN)))],
    [
      'a failed rotation',
      s.asEvent(
        carrying(s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'arn').detail as s.Record_),
        'AWS Service Event via CloudTrail',
      ),
    ],
  ])('rule: %s carrying a key in every payload field pages without it', (_what, event) => {
    for (const k of [key, undefined]) {
      const text = JSON.stringify(formatNotification(classifyEvent(event), k));
      expect(text).not.toContain(KEY_MATERIAL);
      expect(text).not.toContain('9QzXv7Lk2PqR8sT4');
      expect(text).not.toContain(Buffer.from(KEY_MATERIAL).toString('base64').slice(0, 16));
    }
  });
});
