import * as path from 'node:path';
import { ConfigurationError, loadConfigFile, parseConfig } from '../../lib/config/load';

const EXAMPLE = path.join(__dirname, '..', '..', 'bin', 'keyturn.config.json');

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

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

test('the shipped example loads, with defaults filled in', () => {
  const config = loadConfigFile(EXAMPLE);
  expect(config.keys.map((k) => k.name)).toEqual(['billing-api', 'reports-api']);
  expect(config.keys.every((k) => k.provider.kind === 'self-issued')).toBe(true);
  expect(config.pipeline.secretPrefix).toBe('keyturn/');
});

test('a minimal key gets the documented defaults', () => {
  const config = parseConfig({ keys: [key()] });
  expect(config.keys[0]).toMatchObject({ overlapHours: 24, leakPolicy: 'revoke-first', allowedReaders: [] });
  expect(config.pipeline).toMatchObject({
    stackName: 'Keyturn',
    secretPrefix: 'keyturn/',
    logRetentionDays: 90,
  });
});

test.each([
  ['missing owner', { owner: undefined }, /keys\[0\] \("billing-api"\)\.owner: owner is required/],
  ['unknown tier', { tier: 'gold' }, /\.tier: tier must be one of critical, high, standard/],
  ['unknown provider', { provider: { kind: 'vault' } }, /\.provider.*provider/],
  [
    'bad prefix',
    { provider: { kind: 'self-issued', prefix: 'LIVE' } },
    /\.provider\.prefix: prefix must look like/,
  ],
  ['overlap over 7 days', { overlapHours: 200 }, /overlapHours must be at most 168/],
  ['runbook with a query string', { runbookUrl: 'https://x.example.com/?a=b' }, /runbookUrl may hold only/],
  ['http runbook', { runbookUrl: 'http://x.example.com/a' }, /runbookUrl must be an https/],
  ['no scopes', { scopes: [] }, /scopes must name at least one scope/],
  ['scope with a space', { scopes: ['a b'] }, /must not contain spaces/],
  ['bad expiry', { expires: '31/12/2027' }, /expires must be a date/],
  [
    'both cadences',
    { rotation: { everyDays: 7, scheduleExpression: 'rate(7 days)' } },
    /either everyDays or scheduleExpression/,
  ],
  ['unknown field', { colour: 'red' }, /colour/],
])('rejects %s, naming the key and field', (_name, overrides, message) => {
  const problems = problemsOf({ keys: [key(overrides)] });
  expect(problems.join('\n')).toMatch(message);
});

test('every problem is reported at once', () => {
  const problems = problemsOf({ keys: [key({ owner: undefined, tier: 'gold' })] });
  expect(problems).toHaveLength(2);
});

test('duplicate names in one environment are rejected; the same name in two environments is fine', () => {
  expect(problemsOf({ keys: [key(), key()] }).join()).toMatch(/duplicate key "prod\/billing-api"/);
  expect(() => parseConfig({ keys: [key(), key({ environment: 'staging' })] })).not.toThrow();
});

test('an empty key list, a missing file and invalid JSON are clear errors', () => {
  expect(problemsOf({ keys: [] }).join()).toMatch(/at least one key/);
  expect(() => loadConfigFile('/nonexistent/keyturn.json')).toThrow(/cannot read the file \(ENOENT\)/);
  expect(() => loadConfigFile(__filename)).toThrow(/not valid JSON/);
});
