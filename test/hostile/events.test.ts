/**
 * Hostile input at the other event entry points: retire requests (from EventBridge Scheduler), leak events (from
 * EventBridge: keyturn's own and AWS Health), the leak state machine's task requests, and the alarm events the
 * notify function classifies. Each must be a typed rejection with a clean message and no state change, or, where
 * the field is free text or a name that may simply be unknown, a response that changes nothing and carries no
 * control or bidirectional-override characters onward.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerLeakSecrets } from '../../lambdas/aws/leak-secrets';
import { EVENTS } from '../../lambdas/core/constants';
import { contain } from '../../lambdas/core/leak/contain';
import type { IncidentStore, LeakDeps, LeakNotification } from '../../lambdas/core/leak/ports';
import { InvalidLeakEventError } from '../../lambdas/core/leak/signal';
import { classifyEvent, UnrecognisedEventError } from '../../lambdas/core/notify/classify';
import { notifyIncident } from '../../lambdas/core/notify/notify';
import { InvalidRetirementRequestError } from '../../lambdas/core/retirement-errors';
import { InvalidLeakTaskError, parseLeakRequest } from '../../lambdas/leak/request';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { handler as retireHandler } from '../../lambdas/retire/handler';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { deployedRegistry } from '../helpers/registry';
import * as samples from '../monitoring/cloudtrail-samples';
import { installTagResource, RevocableProvider } from '../retire/fakes';
import {
  assertCleanMessage,
  EVERY_HOSTILE,
  HOSTILE_STRINGS,
  HOSTILE_VALUES,
  POLLUTION_OBJECTS,
  prototypePolluted,
} from './corpus';

const sm = new FakeSecretsManager();
const KEY = 'kt_live_' + 'Zr8Qm2Lp5Vx9Tn4Wc7Yb1Kd6Hf3Js0Ga' + 'Xy7Pq1';
const KEY_VALUE = JSON.stringify({
  keyturn: 1,
  provider: 'self-issued',
  keyId: 'sha256:aabbccddeeff0011',
  key: KEY,
  createdAt: '2026-11-01T00:00:00.000Z',
});
let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  sm.reset();
  installTagResource(sm);
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  expect(prototypePolluted()).toBe(false);
});

async function rejection(run: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

const writes = () =>
  sm.callCount('PutSecretValue') + sm.callCount('UpdateSecretVersionStage') + sm.callCount('RotateSecret');
// eslint-disable-next-line no-control-regex -- control characters are what must not pass
const UNSAFE_TEXT = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

describe('retire requests (EventBridge Scheduler → retire function)', () => {
  const VALID = {
    secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf',
    versionId: '11111111-2222-4333-8444-555555555555',
  };
  const cases: Array<[string, unknown]> = [
    ...(['secretId', 'versionId'] as const).flatMap((field) =>
      EVERY_HOSTILE.map(([what, value]): [string, unknown] => [
        `${field} = ${what}`,
        { ...VALID, [field]: value },
      ]),
    ),
    ...HOSTILE_VALUES.map(([what, value]): [string, unknown] => [`whole request = ${what}`, value]),
    ...POLLUTION_OBJECTS.map(([what, value]): [string, unknown] => [`whole request = ${what}`, value]),
    ['an extra field', { ...VALID, revokeEverything: true }],
  ];

  test.each(cases)('rule: %s is refused with a typed error and zero AWS calls', async (_what, event) => {
    const s = sm.addSecret('keyturn/prod/billing-api', { value: KEY_VALUE, tags: managedTags() });
    const before = sm.snapshot();
    const error = await rejection(() => retireHandler(event, lambdaContext('keyturn-retire')));
    expect(error).toBeInstanceOf(InvalidRetirementRequestError);
    assertCleanMessage(error);
    expect(error!.message).not.toContain(KEY);
    expect(sm.callCount()).toBe(0);
    expect(sm.snapshot()).toEqual(before);
    expect(sm.find(s.arn).tags).toEqual(managedTags());
    expect(output.text()).not.toContain(KEY);
  });
});

describe('leak events (EventBridge → leak response, first task)', () => {
  const revoked: string[] = [];
  const notified: LeakNotification[] = [];
  const opened: string[] = [];
  const incidents: IncidentStore = {
    openOrJoin: async ({ record }) => {
      opened.push(record.id);
      return { outcome: 'opened', incidentId: record.id };
    },
    save: async () => undefined,
    get: async () => undefined,
    attachApprovalToken: async () => undefined,
    releaseMarker: async () => undefined,
  };

  function deps(): LeakDeps {
    const iam = new RevocableProvider();
    const origRevoke = iam.revoke.bind(iam);
    iam.revoke = async (ctx, key) => {
      revoked.push(key.keyId);
      return origRevoke(ctx, key);
    };
    return {
      secrets: new SecretsManagerLeakSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), {
        secretPrefix: 'keyturn/',
      }),
      providers: new MapProviderRegistry([new SelfIssuedProvider(), iam]),
      registry: deployedRegistry(sm),
      issuance: new MemoryIssuanceLog(),
      incidents,
      trail: { lookup: async () => ({ records: [], truncated: false }) },
      notify: async (n) => notified.push(n),
      now: () => new Date('2026-11-23T10:00:00Z'),
      sleep: async () => {},
      secretPrefix: 'keyturn/',
      dedupeWindowSeconds: 3600,
    };
  }

  beforeEach(() => {
    revoked.length = 0;
    notified.length = 0;
    opened.length = 0;
  });

  const envelope = (detail: unknown, extra: Record<string, unknown> = {}) => ({
    version: '0',
    id: 'evt-hostile-0001',
    source: EVENTS.source,
    'detail-type': EVENTS.apiKeyLeaked,
    account: '111122223333',
    time: '2026-11-23T09:59:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...extra,
  });
  // The key is not managed: whatever parses, nothing may be revoked, rotated, opened or sent by `contain`.
  const detail = {
    key: 'no-such-key',
    environment: 'prod',
    where: 'https://github.com/acme/app/blob/main/.env',
    reportedBy: 'scanner',
  };
  const cases: Array<[string, unknown]> = [
    ...(['key', 'environment', 'where', 'reportedBy', 'exposedAt', 'keyId'] as const).flatMap((field) =>
      EVERY_HOSTILE.map(([what, value]): [string, unknown] => [
        `detail.${field} = ${what}`,
        envelope({ ...detail, [field]: value }),
      ]),
    ),
    ...(['id', 'time', 'source', 'detail-type'] as const).flatMap((field) =>
      HOSTILE_STRINGS.slice(0, 8).map(([what, value]): [string, unknown] => [
        `${field} = ${what}`,
        envelope(detail, { [field]: value }),
      ]),
    ),
    ...EVERY_HOSTILE.map(([what, value]): [string, unknown] => [`detail = ${what}`, envelope(value)]),
    ...HOSTILE_VALUES.map(([what, value]): [string, unknown] => [`whole event = ${what}`, value]),
    ['detail with an extra field', envelope({ ...detail, revoke: 'all' })],
    [
      'AWS Health event with no access key id',
      {
        ...envelope({
          eventTypeCode: 'AWS_RISK_CREDENTIALS_EXPOSED',
          affectedEntities: [{ entityValue: '__proto__' }],
        }),
        source: 'aws.health',
        'detail-type': 'AWS Health Event',
      },
    ],
    [
      'AWS Health event of another type',
      {
        ...envelope({
          eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
          affectedEntities: [{ entityValue: 'AKIAIOSFODNN7EXAMPLE' }],
        }),
        source: 'aws.health',
        'detail-type': 'AWS Health Event',
      },
    ],
  ];

  test.each(cases)(
    'rule: %s is refused, or only reaches "unmanaged key", with nothing changed',
    async (_what, event) => {
      const managed = sm.addSecret('keyturn/prod/billing-api', { value: KEY_VALUE, tags: managedTags() });
      const before = sm.snapshot();
      let state: Awaited<ReturnType<typeof contain>> | undefined;
      const error = await rejection(async () => (state = await contain(deps(), event)));
      if (error) {
        expect(error).toBeInstanceOf(InvalidLeakEventError);
        assertCleanMessage(error);
      } else {
        expect(state!.decision).toBe('unmanaged');
        for (const text of [state!.signal.where, state!.signal.reportedBy, state!.signal.key ?? ''])
          expect(text).not.toMatch(UNSAFE_TEXT);
      }
      expect(sm.snapshot()).toEqual(before);
      expect(writes()).toBe(0);
      expect(sm.find(managed.arn).tags).toEqual(managedTags());
      expect([revoked, opened, notified]).toEqual([[], [], []]);
      expect(output.text() + (error?.message ?? '')).not.toContain(KEY);
    },
  );
});

describe('leak task requests (state machine → leak function)', () => {
  const state = {
    incidentId: 'inc-1',
    decision: 'respond',
    detectedAt: '2026-11-23T10:00:00Z',
    leaked: [],
    revoked: false,
    rotation: 'not-started',
    rotationChecks: 0,
    actions: [],
    signal: {
      signalId: 'e',
      origin: 'keyturn',
      receivedAt: '2026-11-23T10:00:00Z',
      where: 'x',
      reportedBy: 'y',
    },
  };
  const cases: Array<[string, unknown]> = [
    ...EVERY_HOSTILE.map(([what, value]): [string, unknown] => [`task = ${what}`, { task: value, state }]),
    ...EVERY_HOSTILE.map(([what, value]): [string, unknown] => [
      `state = ${what}`,
      { task: 'rotate', state: value },
    ]),
    ...(
      [
        'incidentId',
        'decision',
        'leaked',
        'revoked',
        'rotation',
        'rotationChecks',
        'actions',
        'signal',
      ] as const
    ).flatMap((field) =>
      HOSTILE_VALUES.filter(
        ([, v]) =>
          !(field === 'revoked' && typeof v === 'boolean') && !(field === 'rotationChecks' && v === 42),
      ).map(([what, value]): [string, unknown] => [
        `state.${field} = ${what}`,
        { task: 'conclude', state: { ...state, [field]: value } },
      ]),
    ),
    [
      'a leaked list of 11 versions',
      {
        task: 'audit',
        state: {
          ...state,
          leaked: Array.from({ length: 11 }, (_, i) => ({
            versionId: `v${i}`,
            keyId: 'k',
            stage: 'AWSCURRENT',
          })),
        },
      },
    ],
    ...HOSTILE_VALUES.map(([what, value]): [string, unknown] => [`whole request = ${what}`, value]),
  ];

  test.each(cases)('rule: %s is refused with a typed error naming fields, never values', (_what, request) => {
    let error: unknown;
    try {
      parseLeakRequest(request);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidLeakTaskError);
    assertCleanMessage(error);
    for (const [, value] of HOSTILE_STRINGS.filter(([, v]) => v.length > 12))
      expect((error as Error).message).not.toContain(value);
  });
});

describe('alarm and CloudTrail events (EventBridge → notify function)', () => {
  const valid = samples.rotationServiceEvent('RotationFailed', samples.SECRET_ARN, 'arn') as Record<
    string,
    unknown
  >;
  const cases: Array<[string, unknown]> = [
    ...(['source', 'detail-type', 'detail', 'id', 'time'] as const).flatMap((field) =>
      EVERY_HOSTILE.filter(([, v]) => typeof v !== 'string' || field !== 'id').map(
        ([what, value]): [string, unknown] => [`${field} = ${what}`, { ...valid, [field]: value }],
      ),
    ),
    ...HOSTILE_VALUES.map(([what, value]): [string, unknown] => [`whole event = ${what}`, value]),
    ...POLLUTION_OBJECTS.map(([what, value]): [string, unknown] => [`whole event = ${what}`, value]),
  ];

  test.each(cases)(
    'rule: %s is refused as unrecognised, or classified without echoing hostile text; nothing else',
    async (_what, event) => {
      const published: unknown[] = [];
      const described: string[] = [];
      let error: unknown;
      try {
        classifyEvent(event);
      } catch (e) {
        error = e;
      }
      const outcome = await rejection(() =>
        notifyIncident(
          {
            describe: async (id) => (described.push(id), Promise.reject(new Error('not found'))),
            dedupe: { firstSighting: async () => true } as never,
            publish: async (n) => published.push(n),
          },
          event,
        ),
      );
      if (error) {
        expect(error).toBeInstanceOf(UnrecognisedEventError);
        assertCleanMessage(error);
        expect(outcome).toBeInstanceOf(UnrecognisedEventError);
        expect([published, described]).toEqual([[], []]);
      } else {
        // Still a recognisable event (the hostile field is one notify does not read): one message, no unsafe text.
        expect(published).toHaveLength(1);
        expect(JSON.stringify(published)).not.toMatch(/\\u0000|\\u202e/);
      }
    },
  );
});
