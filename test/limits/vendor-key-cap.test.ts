/**
 * Synth checks the vendor's key cap (Datadog 50 per organization, SendGrid 100 per account) against the keys sharing
 * an admin credential: each holds up to ceil(overlap ÷ cadence) + 1 vendor keys at once.
 */
import { parseConfig } from '../../lib/config/load';
import { cadenceHoursOf, liveVendorKeys } from '../../lib/limits/vendor-key-cap';
import { exampleConfigRaw } from './raw-example';

const DD_ADMIN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/datadog-admin';

function datadogKeys(n: number, patch: Record<string, unknown> = {}, admin = (_i: number) => DD_ADMIN) {
  const raw = exampleConfigRaw();
  const template = raw.keys[0];
  raw.keys = Array.from({ length: n }, (_, i) => ({
    ...template,
    name: `dd-${i}`,
    provider: { kind: 'http-admin-api', profile: 'datadog', adminSecretArn: admin(i) },
    tier: 'high',
    ...patch,
  }));
  return raw;
}

test('live vendor keys per managed key: overlap ÷ cadence, rounded up, + 1', () => {
  expect(liveVendorKeys({ cadenceHours: 30 * 24, overlapHours: 24 })).toBe(2);
  expect(liveVendorKeys({ cadenceHours: 4, overlapHours: 24 })).toBe(7);
  expect(liveVendorKeys({ cadenceHours: 24, overlapHours: 0 })).toBe(1);
  expect(cadenceHoursOf({ scheduleExpression: 'rate(6 hours)' }, 30)).toBe(6);
  expect(cadenceHoursOf({ scheduleExpression: 'cron(0 0,12 * * ? *)' }, 30)).toBe(12);
  expect(cadenceHoursOf({ scheduleExpression: 'cron(0 4 1 * ? *)' }, 30)).toBe(720);
  expect(cadenceHoursOf({ everyDays: 3 }, 30)).toBe(72);
});

test('26 Datadog keys on one admin secret (52 live keys) pass the 50-per-organization cap: refused, naming the fix', () => {
  expect(() => parseConfig(datadogKeys(26))).toThrow(
    /keys\[0\] \("dd-0"\)\.provider\.profile: profile "datadog" allows 50 keys per organization, and the 26 keys that share admin secret .*datadog-admin hold up to 52 at once.*shorten overlapHours, rotate less often, or spread the keys over more organizations/,
  );
});

test('25 keys fit the cap exactly, and 26 over two admin secrets (two organizations) fit too', () => {
  expect(() => parseConfig(datadogKeys(25))).not.toThrow();
  expect(() => parseConfig(datadogKeys(26, {}, (i) => `${DD_ADMIN}-${i % 2 ? 'eu' : 'us'}`))).not.toThrow();
});

test('a short cadence under a long overlap counts every key it holds: 8 keys rotating every 4 h with 24 h overlap', () => {
  expect(() =>
    parseConfig(
      datadogKeys(8, { rotation: { scheduleExpression: 'rate(4 hours)', windowHours: 1 }, overlapHours: 24 }),
    ),
  ).toThrow(/hold up to 56 at once/);
});
