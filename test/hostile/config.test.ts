/**
 * Hostile configuration files: every field of a key and of the pipeline fed the corpus. A bad file must end in one
 * ConfigurationError (never a crash, a TypeError or a polluted prototype); values that do pass are kept verbatim.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigurationError, loadConfigFile, parseConfig } from '../../lib/config/load';
import { EXAMPLE_CONFIG } from '../helpers/synth';
import {
  assertCleanMessage,
  EVERY_HOSTILE,
  HOSTILE_STRINGS,
  HOSTILE_VALUES,
  HUGE,
  POLLUTION_OBJECTS,
  prototypePolluted,
} from './corpus';

const example = JSON.parse(fs.readFileSync(EXAMPLE_CONFIG, 'utf8')) as {
  pipeline: Record<string, unknown>;
  keys: Array<Record<string, unknown>>;
};
const clone = () => JSON.parse(JSON.stringify(example)) as typeof example;

afterEach(() => expect(prototypePolluted()).toBe(false));

/**
 * What a value that passes may contain, by where it ends up. Names go into secret names, ARNs, construct ids,
 * URLs and CloudWatch filter patterns; text fields into tags (Secrets Manager's own tag charset). Neither allows
 * quotes, braces, `$`, `*`, `?`, `%`, newlines or other control characters, so nothing accepted can break out.
 */
const SINK_SAFE: Record<string, RegExp> = {
  name: /^[a-z0-9-]{1,63}$/,
  environment: /^[a-z0-9-]{1,32}$/,
  tier: /^(critical|high|standard)$/,
  leakPolicy: /^(revoke-first|rotate-then-revoke)$/,
  expires: /^\d{4}-\d{2}-\d{2}$/,
  owner: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u,
  backupOwner: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u,
  runbookUrl: /^https:\/\/[\p{L}\p{N}_.:/=+\-@]{1,248}$/u,
};
/** Characters that could break out of an ARN, a URL, a filter pattern or a log line: never accepted anywhere. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this must catch
const BREAKOUT = /["'{}$*?%;\n\r\u0000\u202e\u200b]/;

function outcome(
  raw: unknown,
): { ok: true; value: ReturnType<typeof parseConfig> } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: parseConfig(raw, 'hostile.json') };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectRejected(raw: unknown) {
  const result = outcome(raw);
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.error).toBeInstanceOf(ConfigurationError);
    expect((result.error as ConfigurationError).problems.length).toBeGreaterThan(0);
  }
  return result;
}

/** The value is refused with a ConfigurationError, or kept verbatim and safe for where it goes. */
function expectRefusedOrSafe(raw: ReturnType<typeof clone>, field: string, value: unknown) {
  const result = outcome(raw);
  if (!result.ok) {
    expect(result.error).toBeInstanceOf(ConfigurationError);
    expect((result.error as ConfigurationError).problems.length).toBeGreaterThan(0);
    return;
  }
  const kept = (result.value.keys[0] as Record<string, unknown>)[field];
  if (typeof value === 'string') {
    expect(kept).toBe(value);
    expect(value).toMatch(SINK_SAFE[field] ?? /(?!)/);
    expect(value).not.toMatch(BREAKOUT);
  } else {
    expect(isBenignStructure(field, value)).toBe(true);
  }
}

/** Structured fields where some corpus entries are simply valid (an empty rotation override, a one-item list). */
function isBenignStructure(field: string, value: unknown): boolean {
  if (field === 'overlapHours') return typeof value === 'number' && value >= 0 && value <= 168;
  if (field === 'rotation') return JSON.stringify(value) === '{}';
  if (field === 'scopes' || field === 'linkedSystems')
    return Array.isArray(value) && value.every((v) => typeof v === 'string' && /^[a-zA-Z0-9:_.-]+$/.test(v));
  return false;
}

describe.each([...Object.keys(SINK_SAFE), 'overlapHours', 'provider', 'scopes', 'linkedSystems', 'rotation'])(
  'key field %s',
  (field) => {
    test.each(EVERY_HOSTILE)(
      'rule: %s is refused, or kept verbatim within the safe charset',
      (_what, value) => {
        const raw = clone();
        raw.keys[0][field] = value;
        expectRefusedOrSafe(raw, field, value);
      },
    );
  },
);

describe.each(['stackName', 'secretPrefix', 'logRetentionDays'])('pipeline field %s', (field) => {
  test.each(EVERY_HOSTILE)(
    'rule: %s is refused, or kept within a CloudFormation-safe charset',
    (_what, value) => {
      const raw = clone();
      raw.pipeline[field] = value;
      const result = outcome(raw);
      if (result.ok) {
        const kept = (result.value.pipeline as Record<string, unknown>)[field];
        expect(kept).toBe(value);
        expect(String(kept)).toMatch(/^[A-Za-z0-9/-]{1,128}$/);
      } else {
        expect(result.error).toBeInstanceOf(ConfigurationError);
      }
      const numericRetention = field === 'logRetentionDays' && typeof value === 'number';
      if (!numericRetention && (typeof value !== 'string' || BREAKOUT.test(value) || value.length > 128))
        expect(result.ok).toBe(false);
    },
  );
});

describe('pipeline retention', () => {
  // Was a finding: any integer 1–3653 passed synth and then failed at deploy.
  test.each([[42], [2], [1000]])(
    'rule: logRetentionDays %d (not a CloudWatch retention period) is refused',
    (days) => {
      const raw = clone();
      raw.pipeline.logRetentionDays = days;
      expectRejected(raw);
    },
  );
});

describe('lists and the provider', () => {
  test.each(HOSTILE_STRINGS.filter(([, v]) => BREAKOUT.test(v) || v.trim() === '' || v.length > 256))(
    'rule: a scope %s is refused',
    (_what, value) => {
      const raw = clone();
      raw.keys[0].scopes = ['billing:read', value];
      expectRejected(raw);
    },
  );

  test.each(HOSTILE_STRINGS)('rule: a key prefix %s is refused', (_what, value) => {
    const raw = clone();
    raw.keys[0].provider = { kind: 'self-issued', prefix: value };
    expectRejected(raw);
  });

  test.each(HOSTILE_STRINGS)('rule: a provider kind %s is refused', (_what, value) => {
    const raw = clone();
    raw.keys[0].provider = { kind: value };
    expectRejected(raw);
  });

  test('rule: 10,000 keys with one hostile value among them are refused as a whole, naming that key', () => {
    const raw = clone();
    raw.keys = Array.from({ length: 10_000 }, (_, i) => ({ ...example.keys[0], name: `key-${i}` }));
    raw.keys[7_777].owner = 'x\u0000y';
    const result = expectRejected(raw);
    if (!result.ok) expect((result.error as ConfigurationError).message).toContain('keys[7777]');
  });
});

describe('whole files', () => {
  test.each([...HOSTILE_VALUES, ...HOSTILE_STRINGS.slice(0, 4)])(
    'rule: a file that is %s is refused',
    (_what, value) => {
      expectRejected(value);
    },
  );

  test.each([
    ['an own __proto__ key at the top', '{"__proto__": {"polluted": "yes"}, "pipeline": {}, "keys": []}'],
    ['an own __proto__ key in a key', `{"keys": [{"__proto__": {"polluted": "yes"}, "name": "x"}]}`],
    [
      'an own constructor key in the pipeline',
      '{"pipeline": {"constructor": {"prototype": {"polluted": "yes"}}}, "keys": []}',
    ],
  ])('rule: a file with %s is refused and pollutes nothing', (_what, text) => {
    expectRejected(JSON.parse(text));
  });

  test.each(POLLUTION_OBJECTS)(
    'rule: %s inside a valid key is refused as an unknown field',
    (_what, value) => {
      const raw = JSON.parse(
        JSON.stringify(example).replace(
          '"name":"billing-api"',
          `${JSON.stringify(value).slice(1, -1)},"name":"billing-api"`,
        ),
      );
      expectRejected(raw);
    },
  );

  test.each([
    ['not JSON', '{ keys: [ '],
    ['a 1 MB JSON string', JSON.stringify(HUGE)],
    ['deeply nested JSON', '['.repeat(5000) + ']'.repeat(5000)],
  ])('rule: a configuration file holding %s is refused by loadConfigFile', (_what, text) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-hostile-')), 'config.json');
    fs.writeFileSync(file, text);
    let error: unknown;
    try {
      loadConfigFile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    assertCleanMessage(error);
  });

  test('guard does not fire: the example file and word-like owners are accepted verbatim', () => {
    const raw = clone();
    raw.keys[0].owner = 'Zoë Ångström @payments';
    const result = outcome(raw);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.keys[0].owner).toBe('Zoë Ångström @payments');
  });
});

describe('error messages', () => {
  test.each(
    EVERY_HOSTILE.filter(
      ([what]) =>
        what !== 'log-line injection' &&
        what !== '1 MB string' &&
        what !== 'NUL byte' &&
        what !== 'right-to-left override',
    ),
  )('rule: a key whose owner is %s gets a bounded message with no control characters', (_what, value) => {
    const raw = clone();
    raw.keys[0].owner = value;
    const result = outcome(raw);
    if (!result.ok) assertCleanMessage(result.error);
  });

  // Were findings: the unparsable file content and an invalid key name reached the message verbatim.
  test('rule: loadConfigFile does not quote the unparsable file content into its message', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-hostile-')), 'config.json');
    fs.writeFileSync(file, '\u0000{"forged": "\n  - line"');
    let error: unknown;
    try {
      loadConfigFile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    assertCleanMessage(error);
  });

  test.each([
    ['a 1 MB name', HUGE],
    ['a name forging a second problem line', 'x")\n  - keys[1].owner: forged'],
  ])('rule: a key with %s is not quoted into the message', (_what, name) => {
    const raw = clone();
    raw.keys[0].name = name;
    raw.keys[0].owner = '';
    const result = outcome(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      assertCleanMessage(result.error);
      expect((result.error as Error).message).not.toContain('forged');
    }
  });
});
