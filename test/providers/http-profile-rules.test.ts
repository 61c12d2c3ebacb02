/**
 * The rules of what an HTTP admin API profile may say and how its requests are filled in (lambdas/providers/http/
 * profile.ts, json-path.ts, template.ts): a profile's base URL is https without query, fragment or credentials
 * (not even a bare `?` or `#`), its key-id pattern compiles (synth and runtime alike), every
 * bounded field is refused one past its bound, a JSON path names at most one own value, and a placeholder fills
 * exactly one path segment or one header line, naming itself (never its value) when it cannot.
 */
import { httpApiProfileSchema } from '../../lib/config/http-api';
import { evaluateJsonPath, parseJsonPath } from '../../lambdas/providers/http/json-path';
import { parseProfiles } from '../../lambdas/providers/http/profile';
import {
  TemplateError,
  render,
  renderHeader,
  renderJson,
  renderPath,
} from '../../lambdas/providers/http/template';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/admin-AbCdEf';
const PROFILE = {
  baseUrl: 'https://api.example.com/v1',
  adminSecretArns: [ARN],
  create: { method: 'POST', path: '/keys', keyPath: '$.key', idPath: '$.id' },
  verify: { method: 'GET', path: '/me' },
  revoke: { method: 'DELETE', path: '/keys/{{keyId}}' },
};
const parse = (profile: Record<string, unknown>, options = {}) =>
  parseProfiles(JSON.stringify({ saas: profile }), options);
const reasonOf = (profile: Record<string, unknown>, options = {}) => {
  const outcome = parse(profile, options);
  return outcome.ok ? 'accepted' : outcome.reason;
};
const at = (...paths: string[]) => `invalid HTTP API profiles at ${paths.join(', ')}`;

describe('rule: a profile is https, bounded, and says nothing it may not', () => {
  test('no variable (or an empty one) is no profile; a variable that is not JSON is refused', () => {
    for (const json of [undefined, '']) {
      const outcome = parseProfiles(json);
      expect(outcome.ok && outcome.profiles.size).toBe(0);
    }
    expect(parseProfiles('{nope')).toEqual({ ok: false, reason: 'the HTTP API profiles are not JSON' });
  });

  test('a complete profile parses, with every optional field at its bounds', () => {
    const outcome = parse({
      ...PROFILE,
      keyIdPattern: '^[a-z0-9]{1,64}$',
      rateLimitReset: 'unix-seconds',
      proofWaitMs: 60000,
      keyCap: { keys: 1, per: 'p'.repeat(64) },
      timeoutMs: 30000,
      maxRetries: 5,
      keyNameTemplate: 'kt-{{token}}',
      create: { ...PROFILE.create, successStatus: [100, 599], idempotencyHeader: 'A'.repeat(64) },
      findOrphans: { method: 'GET', path: '/keys', itemsPath: '$.items', namePath: '$.name', idPath: '$.id' },
      verify: {
        ...PROFILE.verify,
        acceptStatus: [200],
        refuseStatus: [401],
        headers: { 'X-Key': '{{key}}' },
      },
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.profiles.get('saas')?.maxRetries).toBe(5);
    expect(reasonOf({ ...PROFILE, proofWaitMs: 0, timeoutMs: 100, maxRetries: 0 })).toBe('accepted');
  });

  test.each([
    ['proofWaitMs', { proofWaitMs: 60001 }],
    ['proofWaitMs', { proofWaitMs: -1 }],
    ['timeoutMs', { timeoutMs: 99 }],
    ['timeoutMs', { timeoutMs: 30001 }],
    ['maxRetries', { maxRetries: 6 }],
    ['maxRetries', { maxRetries: 1.5 }],
    ['keyCap.keys', { keyCap: { keys: 0, per: 'org' } }],
    ['keyCap.per', { keyCap: { keys: 1, per: 'p'.repeat(65) } }],
    ['rateLimitReset', { rateLimitReset: 'minutes' }],
    ['keyIdPattern', { keyIdPattern: '.*' }],
    ['adminSecretArns', { adminSecretArns: [] }],
    ['adminSecretArns.0', { adminSecretArns: ['platform/admin'] }],
    ['create.successStatus.0', { create: { ...PROFILE.create, successStatus: [99] } }],
    ['create.successStatus.0', { create: { ...PROFILE.create, successStatus: [600] } }],
    ['create.successStatus', { create: { ...PROFILE.create, successStatus: [] } }],
    ['create.idempotencyHeader', { create: { ...PROFILE.create, idempotencyHeader: 'A'.repeat(65) } }],
    ['create.idempotencyHeader', { create: { ...PROFILE.create, idempotencyHeader: 'Idem_Key' } }],
    ['create.keyPath', { create: { ...PROFILE.create, keyPath: 'key' } }],
    ['create.method', { create: { ...PROFILE.create, method: 'TRACE' } }],
    ['verify.path', { verify: { ...PROFILE.verify, path: 'me' } }],
    ['verify.headers.X_Key', { verify: { ...PROFILE.verify, headers: { X_Key: 'v' } } }],
    ['revoke', { revoke: { ...PROFILE.revoke, extra: 1 } }],
    ['baseUrl', { baseUrl: 'not a url' }],
    ['', { unknown: true }],
  ])('%s out of bounds is refused, naming where', (path, override) => {
    const reason = reasonOf({ ...PROFILE, ...override });
    expect(reason.startsWith('invalid HTTP API profiles at saas')).toBe(true);
    expect(reason).toBe(at(path ? `saas.${path}` : 'saas'));
  });

  test('every method a request may use parses: GET, POST, PUT, PATCH and DELETE', () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const outcome = parse({
        ...PROFILE,
        create: { ...PROFILE.create, method },
        verify: { ...PROFILE.verify, method },
        revoke: { ...PROFILE.revoke, method },
      });
      expect([method, outcome.ok && outcome.profiles.get('saas')?.revoke.method]).toEqual([method, method]);
    }
  });

  test('every place is named once, in order', () => {
    expect(reasonOf({ ...PROFILE, timeoutMs: 1, maxRetries: 9 })).toBe(
      at('saas.timeoutMs', 'saas.maxRetries'),
    );
  });

  test.each([
    ['http://api.example.com'],
    ['https://api.example.com/?token=x'],
    ['https://api.example.com/#x'],
    ['https://api.example.com/v1?'],
    ['https://api.example.com?'],
    ['https://api.example.com/v1#'],
    ['https://api.example.com#'],
    ['https://user@api.example.com'],
    ['https://user:pass@api.example.com'],
    ['ftp://api.example.com'],
  ])('base URL %s is refused', (baseUrl) => {
    expect(reasonOf({ ...PROFILE, baseUrl })).toBe(
      'profile "saas": baseUrl must be https:// (without query, fragment or credentials)',
    );
  });

  test('http is allowed only for 127.0.0.1, and only with the test-only option', () => {
    const loopback = { ...PROFILE, baseUrl: 'http://127.0.0.1:8080' };
    expect(reasonOf(loopback, { allowInsecureLoopback: true })).toBe('accepted');
    expect(reasonOf(loopback)).toMatch(/must be https/);
    expect(
      reasonOf({ ...PROFILE, baseUrl: 'http://localhost:8080' }, { allowInsecureLoopback: true }),
    ).toMatch(/must be https/);
    expect(reasonOf({ ...PROFILE, baseUrl: 'ftp://127.0.0.1' }, { allowInsecureLoopback: true })).toMatch(
      /must be https/,
    );
  });
});

describe('rule: a key-id pattern compiles, at synth and at run time alike', () => {
  // The synth schema is the unbound profile (the admin secrets are bound after the checks).
  const synthIssues = (keyIdPattern: string) => {
    const profile: Record<string, unknown> = { ...PROFILE, keyIdPattern };
    delete profile.adminSecretArns;
    const parsed = httpApiProfileSchema.safeParse(profile);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  test.each(['^[z-a]{1,8}$', '^[a]{5,1}$', '^[0-9a-f-]{64,1}$', '^[9-0]{1}$'])(
    '%s has the allowed shape but does not compile: refused by both schemas, the synth one saying how to fix it',
    (keyIdPattern) => {
      expect(() => new RegExp(keyIdPattern)).toThrow(SyntaxError);
      expect(reasonOf({ ...PROFILE, keyIdPattern })).toBe(at('saas.keyIdPattern'));
      expect(synthIssues(keyIdPattern)).toEqual([
        'keyIdPattern: keyIdPattern does not compile: write each range and the length low to high, like "^[a-z0-9]{1,64}$" (not "z-a" or "{64,1}")',
      ]);
    },
  );

  test.each(['^[a-z]{1,8}$', '^[a]{5,5}$', '^[a]{5}$', '^[0-9a-f-]{36}$', '^[A-Za-z0-9_.:~-]{1,999}$'])(
    '%s compiles: accepted by both schemas',
    (keyIdPattern) => {
      expect(reasonOf({ ...PROFILE, keyIdPattern })).toBe('accepted');
      expect(synthIssues(keyIdPattern)).toEqual([]);
    },
  );

  test('a pattern of the wrong shape is refused for its shape at synth, whether or not it compiles', () => {
    expect(synthIssues('.*')).toEqual([
      expect.stringMatching(/^keyIdPattern: keyIdPattern must be one character class/),
    ]);
    expect(reasonOf({ ...PROFILE, keyIdPattern: '.*' })).toBe(at('saas.keyIdPattern'));
  });
});

describe('rule: a JSON path names at most one own value', () => {
  test('a path of 256 characters parses, 257 does not; a path must start at $ and name something', () => {
    const long = `$.${'a'.repeat(254)}`;
    expect(parseJsonPath(long)).toEqual(['a'.repeat(254)]);
    expect(parseJsonPath(`${long}b`)).toBeUndefined();
    expect(parseJsonPath('x.a')).toBeUndefined();
    expect(parseJsonPath('$')).toBeUndefined();
  });

  test('indexes of up to 4 digits, quoted names of up to 64 characters', () => {
    expect(parseJsonPath('$[9999]')).toEqual([9999]);
    expect(parseJsonPath('$[10000]')).toBeUndefined();
    expect(parseJsonPath(`$['${'k'.repeat(64)}']`)).toEqual(['k'.repeat(64)]);
    expect(parseJsonPath(`$['${'k'.repeat(65)}']`)).toBeUndefined();
    expect(parseJsonPath('$.a-b.c$')).toEqual(['a-b', 'c$']);
    expect(parseJsonPath('$.1a')).toBeUndefined();
  });

  test('evaluation walks own values only: no index past the end, no index into an object, no name into an array', () => {
    const doc = { list: ['a', 'b'], obj: { 0: 'zero' }, nil: null };
    expect(evaluateJsonPath(doc, '$.list[1]')).toBe('b');
    expect(evaluateJsonPath(doc, '$.list[2]')).toBeUndefined();
    expect(evaluateJsonPath(doc, '$.obj[0]')).toBeUndefined();
    expect(evaluateJsonPath(doc, "$.list['length']")).toBeUndefined();
    expect(evaluateJsonPath(doc, '$.nil.x')).toBeUndefined();
    expect(evaluateJsonPath(doc, '$.obj')).toEqual({ 0: 'zero' });
    expect(() => evaluateJsonPath(doc, '$..x')).toThrow(new TypeError('unsupported JSON path "$..x"'));
  });
});

describe('rule: a placeholder fills one path segment or one header line, and names itself when it cannot', () => {
  test('an unknown or unset placeholder names itself (trimmed), never a value', () => {
    expect(() => render('{{ missing }}', {})).toThrow(
      new TemplateError('the template uses {{missing}}, which has no value here'),
    );
    expect(() => render('{{admin}}', { admin: undefined })).toThrow(/\{\{admin\}\}/);
    expect(() => render('{{toString}}', {})).toThrow(/\{\{toString\}\}/);
    expect(render('{{a}}-{{ a }}', { a: 'x' })).toBe('x-x');
  });

  test('a path value that is a dot segment or holds a slash is refused, naming the placeholder', () => {
    for (const value of ['.', '..', '...', 'a/b', 'a\\b']) {
      expect(() => renderPath('/keys/{{keyName}}', { keyName: value })).toThrow(
        new TemplateError('{{keyName}} is a dot segment or holds a slash: refused in a path'),
      );
    }
    expect(renderPath('/keys/{{keyName}}', { keyName: '.a.' })).toBe('/keys/.a.');
    expect(renderPath('/keys/{{keyName}}', { keyName: 'a b?c' })).toBe('/keys/a%20b%3Fc');
  });

  test("{{keyId}} must match the profile's pattern (by default letters, digits, _ and -, up to 128)", () => {
    expect(renderPath('/keys/{{keyId}}', { keyId: 'k'.repeat(128) })).toBe(`/keys/${'k'.repeat(128)}`);
    expect(() => renderPath('/keys/{{keyId}}', { keyId: 'k'.repeat(129) })).toThrow(
      new TemplateError(
        "{{keyId}} does not match the profile's keyIdPattern ^[A-Za-z0-9_-]{1,128}$: refused",
      ),
    );
    expect(() => renderPath('/keys/{{keyId}}', { keyId: 'a:b' })).toThrow(/keyIdPattern/);
    expect(renderPath('/keys/{{keyId}}', { keyId: 'a:b' }, '^[a-z:]{1,8}$')).toBe('/keys/a%3Ab');
    // The pattern binds keyId only.
    expect(renderPath('/keys/{{keyName}}', { keyName: 'a:b' })).toBe('/keys/a%3Ab');
  });

  test('a path value that is not well-formed Unicode (a lone surrogate) is refused by name, not thrown as a URIError', () => {
    for (const value of ['\ud800', 'a\udfffb', 'x\ud83d']) {
      expect(() => renderPath('/orgs/{{admin.org}}/keys', { 'admin.org': value })).toThrow(
        new TemplateError('{{admin.org}} is not well-formed Unicode: refused in a path'),
      );
    }
    expect(renderPath('/orgs/{{admin.org}}', { 'admin.org': '\ud83d\ude00' })).toBe('/orgs/%F0%9F%98%80');
  });

  test('a header value may not break the line', () => {
    for (const value of ['a\rb', 'a\nb', 'a\0b']) {
      expect(() => renderHeader('Bearer {{admin}}', { admin: value })).toThrow(
        new TemplateError('a header value may not contain line breaks'),
      );
    }
    expect(renderHeader('Bearer {{admin}}', { admin: 'a b\tc' })).toBe('Bearer a b\tc');
  });

  test('a JSON body renders every string inside, keys as written, other values untouched', () => {
    expect(
      renderJson(
        { '{{k}}': '{{v}}', list: ['{{v}}', 1, null, true, { deep: '{{v}}' }], n: 0 },
        { k: 'K', v: 'V' },
      ),
    ).toEqual({ '{{k}}': 'V', list: ['V', 1, null, true, { deep: 'V' }], n: 0 });
    expect(renderJson(null, {})).toBeNull();
  });
});
