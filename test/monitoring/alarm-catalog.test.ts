/** The alarm catalogue: every alarm is documented in docs/alarms.md, and descriptions fit CloudWatch's limit. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALARMS, alarmDescription } from '../../lib/monitoring/alarm-catalog';

const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'alarms.md'), 'utf8');
const section = doc.slice(doc.indexOf('<!-- section:alarms -->'), doc.indexOf('<!-- /section:alarms -->'));

test.each(Object.values(ALARMS).map((s) => [s.id, s]))(
  '%s is listed in the docs/alarms.md table with its topic',
  (id, s) => {
    const row = section.split('\n').find((line) => line.startsWith(`| \`${id}\``));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${s.severity} |`);
  },
);

test('docs/alarms.md lists no alarm the stack does not create', () => {
  const listed = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
  expect(listed.sort()).toEqual(
    Object.values(ALARMS)
      .map((s) => s.id)
      .sort(),
  );
});

test('per-key findings are listed under the fleet evaluator, pipeline alarms under CloudWatch', () => {
  const findings = section.slice(section.indexOf('## Per-key findings'), section.indexOf('## Events'));
  for (const s of Object.values(ALARMS))
    expect(findings.includes(`| \`${s.id}\` |`)).toBe(s.scope === 'finding');
});

test('descriptions stay within 1024 characters even with long subjects', () => {
  for (const s of Object.values(ALARMS))
    expect(alarmDescription(s, 'x'.repeat(200)).length).toBeLessThanOrEqual(1024);
});
