/**
 * Rotation windows within Secrets Manager's rules: no window into the next rotation window or past UTC midnight, at
 * most every 4 hours, AutomaticallyAfterDays 1–1000 and not with a ScheduleExpression. The configuration names the
 * key and field; the synth guard checks every RotationSchedule a template holds.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { parseConfig } from '../../lib/config/load';
import { applyLimitGuards } from '../../lib/limits';
import { rotationWindowProblems, type RotationRules } from '../../lib/limits/rotation-window';
import { exampleConfigRaw } from './raw-example';

test.each<[string, RotationRules, RegExp]>([
  [
    'rate(4 hours) with a 24 h window',
    { scheduleExpression: 'rate(4 hours)', duration: '24h' },
    /runs into the next rotation window: set Duration to at most 4 hours/,
  ],
  [
    'cron(0 22 * * ? *) with 6 h',
    { scheduleExpression: 'cron(0 22 * * ? *)', duration: '6h' },
    /runs past midnight UTC.*at most 2 hours, or start earlier/,
  ],
  [
    'cron(30 23 * * ? *) with 1 h',
    { scheduleExpression: 'cron(30 23 * * ? *)', duration: '1h' },
    /runs past midnight UTC.*start earlier in the day/,
  ],
  ['rate(2 hours)', { scheduleExpression: 'rate(2 hours)' }, /at most every 4 hours/],
  ['cron every 2 hours', { scheduleExpression: 'cron(0 */2 * * ? *)', duration: '1h' }, /starts 2 h apart/],
  [
    'cron 0,6,12,18 with 8 h',
    { scheduleExpression: 'cron(0 0,6,12,18 * * ? *)', duration: '8h' },
    /at most 6 hours/,
  ],
  ['cron with every minute', { scheduleExpression: 'cron(* 4 * * ? *)' }, /minutes as one number/],
  ['a 25 h window', { scheduleExpression: 'rate(7 days)', duration: '25h' }, /must be 1h to 24h/],
  ['AutomaticallyAfterDays 0', { automaticallyAfterDays: 0 }, /from 1 to 1000/],
  ['AutomaticallyAfterDays 1001', { automaticallyAfterDays: 1001 }, /from 1 to 1000/],
  ['both set', { automaticallyAfterDays: 7, scheduleExpression: 'rate(7 days)' }, /not both/],
  ['neither set', { duration: '4h' }, /needs one/],
  ['a five-field cron', { scheduleExpression: 'cron(0 4 * * ?)' }, /6 fields/],
])('refused: %s', (_what, rules, message) => {
  const problems = rotationWindowProblems(rules);
  expect(problems.length).toBeGreaterThan(0);
  expect(problems.join('\n')).toMatch(message);
});

test.each<[string, RotationRules]>([
  ['rate(4 hours) with 4 h', { scheduleExpression: 'rate(4 hours)', duration: '4h' }],
  ['rate(4 hours) without a Duration (1 h)', { scheduleExpression: 'rate(4 hours)' }],
  [
    'rate(90 days) with 24 h (from midnight to midnight)',
    { scheduleExpression: 'rate(90 days)', duration: '24h' },
  ],
  ['cron(0 22 * * ? *) with 2 h', { scheduleExpression: 'cron(0 22 * * ? *)', duration: '2h' }],
  [
    'cron(0 22 * * ? *) without a Duration (to the end of the day)',
    { scheduleExpression: 'cron(0 22 * * ? *)' },
  ],
  ['cron 0,6,12,18 with 6 h', { scheduleExpression: 'cron(0 0,6,12,18 * * ? *)', duration: '6h' }],
  ['cron(0 4 1 * ? *) monthly with 4 h', { scheduleExpression: 'cron(0 4 1 * ? *)', duration: '4h' }],
  ['AutomaticallyAfterDays 1000', { automaticallyAfterDays: 1000, duration: '24h' }],
])('accepted: %s', (_what, rules) => {
  expect(rotationWindowProblems(rules)).toEqual([]);
});

function withRotation(rotation: Record<string, unknown>, tier?: string) {
  const raw = exampleConfigRaw();
  raw.keys[0].rotation = rotation;
  if (tier) raw.keys[0].tier = tier;
  return raw;
}

test('the configuration refuses a window past the schedule, naming the key and field', () => {
  expect(() => parseConfig(withRotation({ scheduleExpression: 'rate(4 hours)', windowHours: 24 }))).toThrow(
    /keys\[0\] \("billing-api"\)\.rotation\.windowHours: a 24 h window with rate\(4 hours\) runs into the next rotation window: set rotation\.windowHours to at most 4 hours/,
  );
  expect(() =>
    parseConfig(withRotation({ scheduleExpression: 'cron(0 22 * * ? *)', windowHours: 6 })),
  ).toThrow(
    /keys\[0\] \("billing-api"\)\.rotation\.windowHours: a 6 h window with cron\(0 22 \* \* \? \*\) runs past midnight UTC/,
  );
  // The tier's window counts when the key sets none: standard's 6 h from 22:00 passes midnight too.
  expect(() => parseConfig(withRotation({ scheduleExpression: 'cron(0 22 * * ? *)' }, 'standard'))).toThrow(
    /rotation\.scheduleExpression: .*runs past midnight UTC.*\(the standard tier's window is 6 h\)/,
  );
});

test('the configuration accepts windows inside the rules (the guard does not fire)', () => {
  expect(() =>
    parseConfig(withRotation({ scheduleExpression: 'cron(0 18 * * ? *)', windowHours: 6 })),
  ).not.toThrow();
  expect(() => parseConfig(withRotation({ everyDays: 30, windowHours: 24 }))).not.toThrow();
});

function appWithSchedule(rotationRules: secretsmanager.CfnRotationSchedule.RotationRulesProperty) {
  const app = new App();
  const stack = new Stack(app, 'Schedules');
  new secretsmanager.CfnRotationSchedule(stack, 'Schedule', {
    secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/k-AbCdEf',
    rotationLambdaArn: 'arn:aws:lambda:eu-west-1:111122223333:function:rotate',
    rotationRules,
  });
  applyLimitGuards(app, { keyCount: 1, shardCount: 0 });
  return app;
}

test('synth refuses a RotationSchedule that breaks the rules, whatever built it', () => {
  expect(() => appWithSchedule({ scheduleExpression: 'cron(0 22 * * ? *)', duration: '6h' }).synth()).toThrow(
    /rotation schedule Schedule: a 6 h window with cron\(0 22 \* \* \? \*\) runs past midnight UTC/,
  );
});

test('synth passes a RotationSchedule inside the rules', () => {
  expect(() =>
    appWithSchedule({ scheduleExpression: 'cron(0 18 * * ? *)', duration: '6h' }).synth(),
  ).not.toThrow();
});
