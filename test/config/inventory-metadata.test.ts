/**
 * Inventory metadata (issue 7): every key must say who owns it, the backup owner, its scopes, environment, tier,
 * linked systems and runbook; expiry is optional. A missing or invalid field stops synth with a message naming
 * the key and the field. Also the `audit` section and the cadence tag the audit reads.
 */
import { ConfigurationError, parseConfig } from '../../lib/config/load';
import { keyTags, rotationCadenceTag } from '../../lib/key-tags';

const key = (overrides: Record<string, unknown> = {}) => ({
  name: 'billing-api',
  provider: { kind: 'self-issued' },
  environment: 'prod',
  tier: 'critical',
  owner: 'payments@example.com',
  backupOwner: 'oncall@example.com',
  scopes: ['billing:read'],
  linkedSystems: ['billing-service'],
  runbookUrl: 'https://runbooks.example.com/billing',
  ...overrides,
});

function problems(input: unknown): string {
  try {
    parseConfig(input, 'keys.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).message;
  }
  throw new Error('expected the configuration to be rejected');
}

test.each(['owner', 'backupOwner', 'scopes', 'environment', 'tier', 'linkedSystems', 'runbookUrl'])(
  'guard: a key without %s stops synth, naming the key and the field',
  (field) => {
    const message = problems({ keys: [key({ [field]: undefined })] });
    expect(message).toContain(`keys[0] ("billing-api").${field}`);
  },
);

test('guard does not fire: a key with every required field and no expiry is valid; the metadata becomes tags', () => {
  const config = parseConfig({ keys: [key()] });
  expect(keyTags(config.keys[0])).toMatchObject({
    'keyturn:owner': 'payments@example.com',
    'keyturn:backup-owner': 'oncall@example.com',
    'keyturn:scopes': 'billing:read',
    'keyturn:environment': 'prod',
    'keyturn:tier': 'critical',
    'keyturn:linked-systems': 'billing-service',
    'keyturn:runbook': 'https://runbooks.example.com/billing',
  });
  expect(keyTags(config.keys[0])).not.toHaveProperty('keyturn:expires');
});

test.each([
  ['an empty owner', { owner: '' }, /owner must not be empty/],
  ['a backup owner with a comma', { backupOwner: 'a,b' }, /backupOwner may hold only/],
  ['an expiry that is not a date', { expires: 'next year' }, /expires must be a date/],
])('guard: %s is rejected naming the key', (_name, overrides, message) => {
  const text = problems({ keys: [key(overrides)] });
  expect(text).toMatch(message);
  expect(text).toContain('("billing-api")');
});

test('the second of two bad keys is named too', () => {
  const text = problems({ keys: [key(), key({ name: 'reports-api', runbookUrl: undefined })] });
  expect(text).toContain('keys[1] ("reports-api").runbookUrl');
});

test('audit section: defaults, overrides, and a wrong schedule rejected with the fix', () => {
  expect(parseConfig({ keys: [key()] }).audit).toEqual({
    schedule: 'cron(0 6 * * ? *)',
    timezone: 'UTC',
    graceHours: 24,
    stuckPendingHours: 6,
    unusedDays: 30,
    expiryWarningDays: 14,
  });
  expect(parseConfig({ keys: [key()], audit: { unusedDays: 60 } }).audit.unusedDays).toBe(60);
  expect(problems({ keys: [key()], audit: { schedule: 'daily' } })).toMatch(
    /audit\.schedule: audit\.schedule must be rate\(N days\) or cron/,
  );
  expect(problems({ keys: [key()], audit: { unusedDays: 0 } })).toMatch(/audit\.unusedDays/);
});

test('cadence tag: written for everyDays and rate() overrides, not for the tier default or cron', () => {
  const cadence = (rotation: unknown) =>
    rotationCadenceTag(parseConfig({ keys: [key({ rotation })] }).keys[0]);
  expect(cadence({ everyDays: 45 })).toEqual({ 'keyturn:rotate-every-days': '45' });
  expect(cadence({ scheduleExpression: 'rate(10 days)' })).toEqual({ 'keyturn:rotate-every-days': '10' });
  expect(cadence({ scheduleExpression: 'rate(36 hours)' })).toEqual({ 'keyturn:rotate-every-days': '2' });
  expect(cadence({ scheduleExpression: 'cron(0 4 1 * ? *)' })).toEqual({});
  expect(cadence(undefined)).toEqual({});
});
