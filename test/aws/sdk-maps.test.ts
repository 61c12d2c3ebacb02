/** The SDK's tag arrays and stage maps as records: outside data stays data. */
import { stageRecord, tagRecord } from '../../lambdas/aws/sdk-maps';

test('tags become a record; a tag named __proto__ is a key, not a prototype', () => {
  const tags = tagRecord([
    { Key: 'keyturn:key', Value: 'billing' },
    { Key: '__proto__', Value: 'x' },
    { Key: 'e' },
  ]);
  expect(tags['keyturn:key']).toBe('billing');
  expect(tags['__proto__']).toBe('x');
  expect(tags.e).toBe('');
  expect(Object.getPrototypeOf(tags)).toBeNull();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test('no tags and no versions are empty records', () => {
  expect(Object.keys(tagRecord(undefined))).toEqual([]);
  expect(Object.keys(stageRecord(undefined))).toEqual([]);
});

test('version stages keep every version id, including hostile ones', () => {
  const stages = stageRecord(JSON.parse('{"v1":["AWSCURRENT"],"__proto__":["AWSPENDING"]}'));
  expect(stages.v1).toEqual(['AWSCURRENT']);
  expect(Object.getPrototypeOf(stages)).toBeNull();
});
