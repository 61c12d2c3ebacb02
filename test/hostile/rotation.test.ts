/**
 * Hostile input at the rotate function: malformed events, hostile secret tags, tampered secret values and
 * malformed provider responses. Each must end in a typed error (or the service's own not-found), change nothing,
 * keep Object.prototype clean, and quote no key material.
 */
import { randomUUID } from 'node:crypto';
import { BOOTSTRAP_SECRET_VALUE, TAGS } from '../../lambdas/core/constants';
import { KeyturnError } from '../../lambdas/core/errors';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyProvider } from '../../lambdas/core/provider';
import { runRotationStep } from '../../lambdas/core/rotation';
import { serializeStoredKey } from '../../lambdas/core/stored-key';
import { deps as handlerDeps, handler } from '../helpers/rotate-handler';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { VALID_ROTATION_EVENT } from '../helpers/rotation-events';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import {
  assertCleanMessage,
  EVERY_HOSTILE,
  HOSTILE_STRINGS,
  HOSTILE_VALUES,
  HUGE,
  prototypePolluted,
} from './corpus';

const sm = new FakeSecretsManager();
beforeEach(() => {
  handlerDeps.registry = deployedRegistry(sm);
});
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
/** A real key sits in AWSCURRENT so any echo of it would show. */
const CURRENT_KEY = 'kt_live_' + 'Q7vX2mN9pL4kR8sT1wY6zB3cD5fG0hJ2' + 'AbC123';
let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  sm.reset();
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  expect(prototypePolluted()).toBe(false);
});

function managedSecret(tags = managedTags()) {
  const value = serializeStoredKey({
    keyturn: 1,
    provider: 'self-issued',
    keyId: 'sha256:0011223344556677',
    key: CURRENT_KEY,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  return sm.addSecret('keyturn/prod/billing-api', { value, tags });
}

async function rejection(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

function expectNoKeyAnywhere(error: Error) {
  const text = `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')} ${output.text()}`;
  expect(text).not.toContain(CURRENT_KEY.slice(8, 30));
}

describe('rotation events', () => {
  const fields = ['Step', 'SecretId', 'ClientRequestToken', 'RotationToken'] as const;
  // RotationToken is the service's opaque token, passed through to PutSecretValue: any 1–256 character string is
  // legitimate, so only values outside that shape must be refused.
  const hostileFor = (field: (typeof fields)[number]) =>
    field === 'RotationToken'
      ? EVERY_HOSTILE.filter(([, v]) => typeof v !== 'string' || v.length === 0 || v.length > 256)
      : EVERY_HOSTILE;
  const withOwnKey = (key: string, value: unknown) =>
    JSON.parse(
      JSON.stringify(VALID_ROTATION_EVENT).replace('{', `{${JSON.stringify(key)}:${JSON.stringify(value)},`),
    );
  const cases: Array<[string, unknown]> = [
    ...fields.flatMap((field) =>
      hostileFor(field).map(([what, value]): [string, unknown] => [
        `${field} = ${what}`,
        { ...VALID_ROTATION_EVENT, [field]: value },
      ]),
    ),
    ...HOSTILE_VALUES.map(([what, value]): [string, unknown] => [`whole event = ${what}`, value]),
    ...HOSTILE_STRINGS.slice(0, 6).map(([what, value]): [string, unknown] => [
      `whole event = string ${what}`,
      value,
    ]),
    ['event with an own __proto__ key', withOwnKey('__proto__', { polluted: 'yes' })],
    ['event with an own constructor key', withOwnKey('constructor', { prototype: { polluted: 'yes' } })],
  ];

  test.each(cases)('rule: %s is rejected cleanly with no state change', async (_what, event) => {
    const s = managedSecret();
    const token = sm.beginRotation(s.arn, VALID_ROTATION_EVENT.ClientRequestToken);
    const before = sm.snapshot();
    const concrete =
      typeof event === 'object' &&
      event !== null &&
      !Array.isArray(event) &&
      (event as { SecretId?: unknown }).SecretId === VALID_ROTATION_EVENT.SecretId
        ? { ...(event as object), SecretId: s.arn }
        : event;
    const error = await rejection(() => handler(concrete, lambdaContext()));
    // Typed: our own validation error, or the service's not-found for a well-formed id naming no secret.
    expect(['InvalidRotationEventError', 'ResourceNotFoundException', 'UnknownVersionError']).toContain(
      error.name,
    );
    assertCleanMessage(error);
    expect(sm.snapshot()).toEqual(before);
    expect(sm.callCount('PutSecretValue') + sm.callCount('UpdateSecretVersionStage')).toBe(0);
    expectNoKeyAnywhere(error);
    expect(token).toBe(VALID_ROTATION_EVENT.ClientRequestToken);
  });
});

describe('secret tags (the key policy the rotate function reads)', () => {
  // Secrets Manager itself refuses tag values over 256 characters or outside letters, digits, spaces and
  // `_ . : / = + - @`: whoever can tag a secret can still send anything within those limits.
  const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
  const taggable = HOSTILE_STRINGS.filter(([, v]) => TAG_VALUE.test(v));
  const cases: Array<[string, Record<string, string>]> = [
    ...taggable.map(([what, value]): [string, Record<string, string>] => [
      `tier = ${what}`,
      { [TAGS.tier]: value },
    ]),
    ...taggable.map(([what, value]): [string, Record<string, string>] => [
      `provider = ${what}`,
      { [TAGS.provider]: value },
    ]),
    ...['NaN', '-1', '1e309', '169', 'Infinity', '24 hours', '', ' ', '0x10', ' 24 ', '--1', '.'].map(
      (v): [string, Record<string, string>] => [`overlap-hours = ${v}`, { [TAGS.overlapHours]: v }],
    ),
    ...taggable.map(([what, value]): [string, Record<string, string>] => [
      `leak-policy = ${what}`,
      { [TAGS.leakPolicy]: value },
    ]),
    ['managed = TRUE', { [TAGS.managed]: 'TRUE' }],
    ['managed = "true " ', { [TAGS.managed]: 'true ' }],
    ['__proto__ tag', JSON.parse(`{"__proto__": {"${TAGS.managed}": "true"}, "${TAGS.managed}": "false"}`)],
  ];

  test.each(cases)(
    'rule: a secret tagged %s (no deployment could write it) is refused before any write',
    async (_what, overrides) => {
      const s = managedSecret({ ...managedTags(), ...overrides });
      const token = sm.beginRotation(s.arn);
      const before = sm.snapshot();
      for (const Step of STEPS) {
        const error = await rejection(() =>
          handler({ Step, SecretId: s.arn, ClientRequestToken: token }, lambdaContext()),
        );
        // setSecret of a self-issued key with a valid policy is a no-op; here every step must refuse: as
        // unregistered, or (a registered entry naming a provider no function has) as misconfigured.
        expect(error.name).toMatch(/^(UnregisteredSecretError|KeyConfigurationError)$/);
        assertCleanMessage(error);
        expectNoKeyAnywhere(error);
      }
      expect(sm.snapshot()).toEqual(before);
    },
  );

  test.each([
    ['an upper-case prefix', 'KT_LIVE_'],
    ['a prefix without the closing underscore', 'kt_live'],
    ['a prefix with a space', 'kt live_'],
    ['a Cyrillic homoglyph prefix', 'kt_\u043bive_'],
    ['a 256-character prefix', 'k'.repeat(255) + '_'],
    ['a prefix with a path', 'kt/../live_'],
  ])(
    'rule: provider settings with %s are refused by the provider (ProviderError), nothing stored',
    async (_what, prefix) => {
      const s = managedSecret(managedTags({ [`${TAGS.providerSetting}key-prefix`]: prefix }));
      const token = sm.beginRotation(s.arn);
      const before = sm.snapshot();
      const error = await rejection(() =>
        handler({ Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token }, lambdaContext()),
      );
      expect(error.name).toBe('ProviderError');
      assertCleanMessage(error);
      expect(sm.snapshot()).toEqual(before);
    },
  );

  test.each(['0', '0.5', '24', '168'])(
    'guard does not fire: overlap-hours = %s is read as that many hours',
    (hours) => {
      expect(readKeyPolicy(managedTags({ [TAGS.overlapHours]: hours }))).toMatchObject({
        ok: true,
        policy: { overlapHours: Number(hours) },
      });
    },
  );

  test('guard does not fire: the same secret with valid tags rotates', async () => {
    const s = managedSecret();
    const token = sm.beginRotation(s.arn);
    for (const Step of STEPS)
      await handler({ Step, SecretId: s.arn, ClientRequestToken: token }, lambdaContext());
    expect(sm.versionWith(s.arn, 'AWSCURRENT')).toBe(token);
  });
});

describe('tampered secret values (what GetSecretValue returns)', () => {
  const values: Array<[string, string]> = [
    ['not JSON', 'kt_live_Q7vX2mN9pL4kR8sT1wY6zB3cD5fG0hJ2AbC123'],
    ['a 1 MB string', HUGE],
    ['JSON null', 'null'],
    ['JSON array', '[1,2,3]'],
    [
      'key of the wrong type',
      JSON.stringify({
        keyturn: 1,
        provider: 'self-issued',
        keyId: 'x',
        key: 42,
        createdAt: '2026-01-01T00:00:00.000Z',
      }),
    ],
    [
      '__proto__ payload',
      `{"__proto__": {"polluted": "yes"}, "keyturn": 1, "provider": "self-issued", "keyId": "x", "key": "${CURRENT_KEY}", "createdAt": "nope"}`,
    ],
    ['an unknown version marker', JSON.stringify({ keyturn: 2, key: CURRENT_KEY })],
    ['truncated JSON holding the key', `{"keyturn":1,"key":"${CURRENT_KEY}`],
  ];

  test.each(values)(
    'rule: a pending value that is %s stops testSecret and finishSecret (MalformedSecretValueError), no promotion',
    async (_what, value) => {
      const s = managedSecret();
      const token = sm.beginRotation(s.arn);
      sm.find(s.arn).versions.get(token)!.value = value;
      const before = sm.snapshot();
      for (const Step of ['testSecret', 'finishSecret']) {
        const error = await rejection(() =>
          handler({ Step, SecretId: s.arn, ClientRequestToken: token }, lambdaContext()),
        );
        expect(error.name).toBe('MalformedSecretValueError');
        assertCleanMessage(error);
        expectNoKeyAnywhere(error);
      }
      expect(sm.snapshot()).toEqual(before);
    },
  );
});

describe('provider responses', () => {
  const responses: Array<[string, unknown]> = [
    ['an empty key', { keyId: 'k-1', key: '' }],
    ['a key of the wrong type', { keyId: 'k-1', key: 12345 }],
    ['a 1 MB key', { keyId: 'k-1', key: HUGE }],
    ['a 1 MB key id', { keyId: HUGE, key: CURRENT_KEY }],
    ['an empty key id', { keyId: '', key: CURRENT_KEY }],
    ['an invalid expiry', { keyId: 'k-1', key: CURRENT_KEY, expiresAt: 'tomorrow' }],
    [
      'attributes that are not strings',
      { keyId: 'k-1', key: CURRENT_KEY, attributes: { user: { nested: true } } },
    ],
  ];

  test.each(responses)(
    'rule: a provider answering with %s fails createSecret with a ProviderError and stores nothing',
    async (_what, issued) => {
      const hostile: KeyProvider = {
        kind: 'hostile-fake',
        createHasSideEffects: false,
        checkedByConsumers: false,
        create: async () => issued as never,
        verify: async () => ({ accepted: true }),
        revoke: async () => undefined,
      };
      const s = managedSecret(managedTags({ [TAGS.provider]: 'hostile-fake' }));
      const token = sm.beginRotation(s.arn);
      const before = sm.snapshot();
      const error = await rejection(() =>
        runRotationStep(
          {
            store: handlerDeps.store,
            registry: handlerDeps.registry,
            providers: new MapProviderRegistry([hostile]),
            sleep: async () => undefined,
          },
          { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token },
        ),
      );
      expect(error).toBeInstanceOf(KeyturnError);
      expect(error.name).toBe('ProviderError');
      assertCleanMessage(error);
      expect(error.message).not.toContain(CURRENT_KEY);
      expect(sm.snapshot()).toEqual(before);
      expect(sm.callCount('PutSecretValue')).toBe(0);
    },
  );

  test('rule: a provider answering with __proto__ attributes has that key dropped and pollutes nothing', async () => {
    const hostile: KeyProvider = {
      kind: 'hostile-fake',
      createHasSideEffects: false,
      checkedByConsumers: false,
      create: async () => ({
        keyId: 'k-1',
        key: CURRENT_KEY,
        attributes: JSON.parse('{"__proto__": {"polluted": "yes"}, "user": "svc"}'),
      }),
      verify: async () => ({ accepted: true }),
      revoke: async () => undefined,
    };
    const s = managedSecret(managedTags({ [TAGS.provider]: 'hostile-fake' }));
    const token = sm.beginRotation(s.arn);
    await runRotationStep(
      { ...handlerDeps, providers: new MapProviderRegistry([hostile]) },
      { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token },
    );
    const stored = JSON.parse(sm.find(s.arn).versions.get(token)!.value!);
    expect(Object.keys(stored.attributes)).toEqual(['user']);
    expect(prototypePolluted()).toBe(false);
  });

  test('guard does not fire: a well-formed provider answer is stored as AWSPENDING', async () => {
    const s = managedSecret();
    const token = sm.beginRotation(s.arn);
    const outcome = await runRotationStep(
      { ...handlerDeps, providers: new MapProviderRegistry([new SelfIssuedProvider()]) },
      { Step: 'createSecret', SecretId: s.arn, ClientRequestToken: token },
    );
    expect(outcome).toBe('created');
    expect(sm.find(s.arn).versions.get(token)?.value).toBeDefined();
  });
});

test('sanity: the pollution probes would be detected', () => {
  const probe = {} as Record<string, unknown>;
  Object.defineProperty(Object.prototype, 'polluted', { value: 'yes', configurable: true });
  try {
    expect(prototypePolluted()).toBe(true);
  } finally {
    delete (Object.prototype as Record<string, unknown>).polluted;
  }
  expect(probe.polluted).toBeUndefined();
  expect(randomUUID()).toMatch(/-/);
  expect(BOOTSTRAP_SECRET_VALUE).toContain('bootstrap');
});
