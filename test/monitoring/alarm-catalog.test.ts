/** The alarm catalogue: every alarm is documented in the README, and descriptions fit CloudWatch's limit. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALARMS, alarmDescription } from '../../lib/monitoring/alarm-catalog';

const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('<!-- section:alarms -->'),
  readme.indexOf('<!-- /section:alarms -->'),
);

test.each(Object.values(ALARMS).map((s) => [s.id, s]))(
  '%s is listed in the README alarms table with its topic',
  (id, s) => {
    const row = section
      .split('\n')
      .find((line) => line.startsWith(`| \`${id}\``) || line.startsWith(`| \`<env>-<key>-${id}\``));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${s.severity} |`);
  },
);

test('the README lists no alarm the stack does not create', () => {
  const listed = [...section.matchAll(/^\| `(?:<env>-<key>-)?([a-z-]+)` \|/gm)].map((m) => m[1]);
  expect(listed.sort()).toEqual(
    Object.values(ALARMS)
      .map((s) => s.id)
      .sort(),
  );
});

test('descriptions stay within 1024 characters even with long subjects', () => {
  for (const s of Object.values(ALARMS))
    expect(alarmDescription(s, 'x'.repeat(200)).length).toBeLessThanOrEqual(1024);
});
