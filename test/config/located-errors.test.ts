/** Configuration errors point at line:column and suggest the field or value that was probably meant. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigurationError, loadConfigFile, parseConfig } from '../../lib/config/load';
import { lineColumnAt, locateJsonPaths } from '../../lib/config/json-locations';
import { closest, editDistance, knownFields } from '../../lib/config/suggest';
import { configSchema } from '../../lib/config/schema';
import { EXAMPLE_CONFIG } from '../helpers/synth';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function problemsOfFile(text: string): string[] {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, text);
  try {
    loadConfigFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems.map((p) => p.replace(file, 'FILE'));
  }
  throw new Error('expected the file to be rejected');
}

/** The example file, edited as text so the positions are those a person sees. */
const example = fs.readFileSync(EXAMPLE_CONFIG, 'utf8');
const pretty = JSON.stringify(JSON.parse(example), null, 2);
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
const columnOf = (text: string, needle: string) => {
  const at = text.indexOf(needle);
  return at - text.lastIndexOf('\n', at - 1);
};

describe('JSON syntax errors', () => {
  test('name the line and column, never the content', () => {
    const text = '{\n  "keys": [\n    { "name": "a" "tier": "x" }\n  ]\n}\n';
    const [problem] = problemsOfFile(text);
    expect(problem).toBe(`FILE:3:19: not valid JSON`);
    expect(problem).not.toContain('tier');
  });

  test('a truncated file points at its end', () => {
    expect(problemsOfFile('{\n  "keys": [\n')).toEqual(['FILE:3:1: not valid JSON']);
  });
});

describe('schema problems', () => {
  test('a mistyped field: its line:column and "did you mean"', () => {
    const text = pretty.replace('"backupOwner"', '"backupOwnr"');
    const problems = problemsOfFile(text);
    const at = `${lineOf(text, '"backupOwnr"')}:${columnOf(text, '"backupOwnr"')}`;
    expect(problems).toContain(
      `FILE:${at}: keys[0] ("billing-api").backupOwnr: unknown field "backupOwnr"; did you mean "backupOwner"?`,
    );
  });

  test('a wrong value: the line:column of the value', () => {
    const text = pretty.replace('"overlapHours": 24', '"overlapHours": 900');
    const problems = problemsOfFile(text);
    expect(problems.find((p) => p.includes('overlapHours'))).toMatch(
      new RegExp(
        `^FILE:${lineOf(text, '"overlapHours": 900')}:\\d+: keys\\[0\\] \\("billing-api"\\)\\.overlapHours: `,
      ),
    );
  });

  test('a missing field points at its object', () => {
    const raw = JSON.parse(example);
    delete raw.keys[1].owner;
    const text = JSON.stringify(raw, null, 2);
    const [problem] = problemsOfFile(text);
    const secondKey = text.indexOf('{', text.indexOf('"reports-api"') - 20);
    const { line } = lineColumnAt(text, secondKey);
    expect(problem).toMatch(
      new RegExp(`^FILE:${line}:\\d+: keys\\[1\\] \\("reports-api"\\)\\.owner: owner is required`),
    );
  });

  test('a mistyped enum value gets the closest allowed one', () => {
    const text = pretty.replace('"tier": "critical"', '"tier": "critcal"');
    expect(problemsOfFile(text).join('\n')).toMatch(
      /\.tier: tier must be one of .*; did you mean "critical"\?/,
    );
  });

  test('a field inside a provider is suggested from that provider kind', () => {
    const raw = JSON.parse(example);
    raw.keys[0].provider = { kind: 'iam-access-key', usrArn: 'arn:aws:iam::111122223333:user/x' };
    expect(problemsOfFile(JSON.stringify(raw, null, 2)).join('\n')).toMatch(
      /provider\.usrArn: unknown field "usrArn"; did you mean "userArn"\?/,
    );
  });

  test('guard does not fire: a field nothing is close to gets no suggestion', () => {
    const raw = JSON.parse(example);
    raw.keys[0].zzzzzzzz = 1;
    const [problem] = problemsOfFile(JSON.stringify(raw));
    expect(problem).toMatch(/unknown field "zzzzzzzz"$/);
  });

  test('guard does not fire: a valid file loads', () => {
    expect(loadConfigFile(EXAMPLE_CONFIG).keys.length).toBeGreaterThan(0);
  });

  test('parsed input without a file keeps path-only messages', () => {
    const raw = JSON.parse(example);
    raw.keys[0].ownr = 'x';
    expect(() => parseConfig(raw, 'test')).toThrow(
      /^.*\n {2}- keys\[0\] \("billing-api"\)\.ownr: unknown field "ownr"; did you mean "owner"\?/,
    );
  });
});

describe('attacker: hostile field names', () => {
  test('a field name with control or bidi characters is never echoed, but still located', () => {
    const raw = JSON.parse(example);
    raw.keys[0]['own\u202eer\n- keys[9].forged: x'] = 1;
    const text = JSON.stringify(raw, null, 2);
    const problems = problemsOfFile(text);
    expect(problems.join('\n')).not.toMatch(/forged|\u202e/);
    expect(problems).toContain(
      `FILE:${lineOf(text, '"own\u202e')}:${columnOf(text, '"own\u202e')}: keys[0] ("billing-api"): unknown field (its name is not shown)`,
    );
  });

  test('a 1 MB field name costs no suggestion search and is not echoed', () => {
    const raw = JSON.parse(example);
    raw.keys[0]['o'.repeat(1_000_000)] = 1;
    const started = Date.now();
    const problems = problemsOfFile(JSON.stringify(raw));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(problems.join('').length).toBeLessThan(1_000);
  });

  test('deep nesting is located without deep recursion', () => {
    const text = '{"keys": ' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    expect(() => locateJsonPaths(text)).not.toThrow();
    expect(problemsOfFile(text).length).toBeGreaterThan(0);
  });
});

describe('building blocks', () => {
  test('edit distance and closest', () => {
    expect(editDistance('owner', 'ownr')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closest('Owner', ['owner', 'tier'])).toBe('owner');
    expect(closest('tier', ['owner'])).toBeUndefined();
  });

  test('known fields follow arrays, defaults and the discriminated provider union', () => {
    const input = { keys: [{ provider: { kind: 'api-gateway-key' } }] };
    expect(knownFields(configSchema, [], input)).toEqual(
      expect.arrayContaining(['pipeline', 'keys', 'notifications']),
    );
    expect(knownFields(configSchema, ['keys', 0], input)).toEqual(
      expect.arrayContaining(['name', 'backupOwner']),
    );
    expect(knownFields(configSchema, ['keys', 0, 'provider'], input)).toEqual(
      expect.arrayContaining(['kind', 'usagePlanIds']),
    );
    expect(knownFields(configSchema, ['keys', 0, 'provider'], input)).not.toContain('userArn');
    expect(knownFields(configSchema, ['pipeline'], input)).toEqual(
      expect.arrayContaining(['stackName', 'keyShards']),
    );
  });
});
