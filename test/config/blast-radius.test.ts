/** `leakResponse.blastRadius` in the configuration: defaults, bounds, and errors that name the field and the fix. */
import { ConfigurationError, parseConfig } from '../../lib/config/load';

const key = {
  name: 'billing-api',
  provider: { kind: 'self-issued' },
  environment: 'prod',
  tier: 'critical',
  owner: 'payments@example.com',
  backupOwner: 'oncall@example.com',
  scopes: ['billing:read'],
  linkedSystems: [],
  runbookUrl: 'https://runbooks.example.com/billing',
};

function problemsOf(blastRadius: unknown): string[] {
  try {
    parseConfig({ keys: [key], leakResponse: { blastRadius } }, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

test('by default more than 3 keys within 10 minutes wait for a human, for at most 60 minutes', () => {
  expect(parseConfig({ keys: [key] }).leakResponse.blastRadius).toEqual({
    maxRevocations: 3,
    windowMinutes: 10,
    approvalTimeoutMinutes: 60,
  });
  expect(
    parseConfig({ keys: [key], leakResponse: { senders: [] } }).leakResponse.blastRadius.maxRevocations,
  ).toBe(3);
});

test('values inside the bounds are taken as given (the others keep their defaults)', () => {
  const cap = parseConfig({
    keys: [key],
    leakResponse: { blastRadius: { maxRevocations: 20, windowMinutes: 60 } },
  }).leakResponse.blastRadius;
  expect(cap).toEqual({ maxRevocations: 20, windowMinutes: 60, approvalTimeoutMinutes: 60 });
});

test.each([
  [{ maxRevocations: 0 }, 'maxRevocations must be at least 1'],
  [{ maxRevocations: 101 }, 'maxRevocations must be at most 100'],
  [{ maxRevocations: 2.5 }, 'maxRevocations must be a whole number from 1 to 100'],
  [{ windowMinutes: 0 }, 'windowMinutes must be at least 1'],
  [{ windowMinutes: 1441 }, 'windowMinutes must be at most 1440'],
  [{ approvalTimeoutMinutes: 4 }, 'approvalTimeoutMinutes must be at least 5'],
  [{ approvalTimeoutMinutes: '60' }, 'approvalTimeoutMinutes must be a whole number from 5 to 1440'],
])('%o is refused: "%s", naming the field', (blastRadius, message) => {
  const problems = problemsOf(blastRadius);
  expect(problems.join('\n')).toContain(`leakResponse.blastRadius.${message}`);
});

test('an unknown field (a typo that would silently keep the default) is refused', () => {
  expect(problemsOf({ maxRevocation: 10 }).join('\n')).toMatch(/maxRevocation/);
});
