/** JSON paths, templates, and the two profile schemas (synth and runtime) agreeing on the shipped presets. */
import { httpApiProfileSchema, JSON_PATH, loadPresets, profileProblems } from '../../lib/config/http-api';
import { PROVIDER_ENV, PROVIDER_KINDS } from '../../lambdas/core/constants';
import { evaluateJsonPath, parseJsonPath } from '../../lambdas/providers/http/json-path';
import { parseProfiles } from '../../lambdas/providers/http/profile';
import {
  render,
  renderHeader,
  renderJson,
  renderPath,
  TemplateError,
} from '../../lambdas/providers/http/template';
import { defaultProviders } from '../../lambdas/providers/registry';
import fc from 'fast-check';

test.each([
  ['$.id', ['id']],
  ['$.data.attributes.key', ['data', 'attributes', 'key']],
  ["$.items[0]['api-key']", ['items', 0, 'api-key']],
  ['$.a_b.$c', ['a_b', '$c']],
])('parses %s', (path, segments) => {
  expect(parseJsonPath(path)).toEqual(segments);
  expect(JSON_PATH.test(path)).toBe(true);
});

test.each(['data.id', '$', '$.', '$..id', '$.items[*]', '$[?(@.id)]', '$.a b', "$['unterminated]", '$.a.'])(
  'refuses %s',
  (path) => {
    expect(parseJsonPath(path)).toBeUndefined();
    expect(JSON_PATH.test(path)).toBe(false);
  },
);

test('the synth regex and the runtime parser agree on arbitrary paths', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^\$[.[\]a-z0-9'_$*-]{0,12}$/), (path) => {
      expect(parseJsonPath(path) !== undefined).toBe(JSON_PATH.test(path));
    }),
    { numRuns: 2000 },
  );
});

test('evaluation finds own values only and answers undefined for anything missing', () => {
  const doc = { data: { id: 7, list: [{ k: 'v' }] } };
  expect(evaluateJsonPath(doc, '$.data.id')).toBe(7);
  expect(evaluateJsonPath(doc, '$.data.list[0].k')).toBe('v');
  expect(evaluateJsonPath(doc, '$.data.list[3].k')).toBeUndefined();
  expect(evaluateJsonPath(doc, '$.data.missing')).toBeUndefined();
  expect(evaluateJsonPath(doc, '$.data.toString')).toBeUndefined();
  expect(evaluateJsonPath('text', '$.a')).toBeUndefined();
  expect(() => evaluateJsonPath(doc, 'data')).toThrow(TypeError);
});

test('templates encode per destination and refuse unknown placeholders and header injection', () => {
  const vars = { keyId: 'a/b c', admin: 'tok', keyName: 'a b' };
  expect(renderPath('/keys/{{keyName}}', vars)).toBe('/keys/a%20b');
  expect(renderHeader('Bearer {{ admin }}', vars)).toBe('Bearer tok');
  expect(renderJson({ name: '{{keyId}}', n: 1, list: ['{{admin}}'] }, vars)).toEqual({
    name: 'a/b c',
    n: 1,
    list: ['tok'],
  });
  expect(() => render('{{nope}}', vars)).toThrow(TemplateError);
  expect(() => renderHeader('{{admin}}', { admin: 'x\r\nX-Evil: 1' })).toThrow(/line breaks/);
  expect(render('no placeholders', {})).toBe('no placeholders');
});

test('every shipped preset passes both schemas and the placeholder rules', () => {
  const presets = loadPresets();
  expect(Object.keys(presets).sort()).toEqual(['datadog', 'sendgrid']);
  for (const [name, raw] of Object.entries(presets)) {
    const parsed = httpApiProfileSchema.parse(raw);
    expect([name, profileProblems(parsed)]).toEqual([name, []]);
    const bound = {
      ...parsed,
      adminSecretArns: ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:admin'],
    };
    expect(parseProfiles(JSON.stringify({ [name]: bound }))).toMatchObject({ ok: true });
  }
});

test('placeholder rules fire: the key outside verify, unknown names, verify without the key, revoke without the id', () => {
  const base = httpApiProfileSchema.parse(loadPresets().sendgrid);
  expect(profileProblems({ ...base, create: { ...base.create, body: { k: '{{key}}' } } })).toEqual([
    ['create', expect.stringContaining('only in the verify request')],
  ]);
  expect(profileProblems({ ...base, revoke: { ...base.revoke, path: '/v3/api_keys/{{id}}' } })).toEqual([
    ['revoke', expect.stringContaining('unknown placeholder {{id}}')],
    ['revoke', expect.stringContaining('{{keyId}}')],
  ]);
  expect(profileProblems({ ...base, verify: { ...base.verify, headers: {} } })).toEqual([
    ['verify', expect.stringContaining('{{key}}')],
  ]);
  expect(profileProblems({ ...base, keyNameTemplate: 'x-{{admin}}' })).toEqual([
    ['keyNameTemplate', expect.any(String)],
  ]);
});

test('the default registry serves every provider kind, and a broken profile variable does not stop the others', async () => {
  const registry = defaultProviders({ [PROVIDER_ENV.httpApiProfiles]: '{broken' });
  for (const kind of Object.values(PROVIDER_KINDS)) expect(registry.get(kind)?.kind).toBe(kind);
  expect(registry.get('self-issued')).toBeDefined();
});
