/**
 * The rotation memo's rules (lambdas/core/rotation-memo.ts): a provider kind is remembered per secret and rotation
 * token, recalled and forgotten for exactly that pair, and at most `capacity` rotations (1000 by default) are held,
 * the least recently remembered dropped first.
 */
import { RotationMemo } from '../../lambdas/core/rotation-memo';

test('rule: a kind is recalled for the same secret and token only', () => {
  const memo = new RotationMemo();
  memo.remember('secret-a', 'token-1', 'self-issued');
  memo.remember('secret-b', 'token-1', 'iam-access-key');
  expect(memo.recall('secret-a', 'token-1')).toBe('self-issued');
  expect(memo.recall('secret-b', 'token-1')).toBe('iam-access-key');
  expect(memo.recall('secret-a', 'token-2')).toBeUndefined();
  expect(memo.recall('secret-c', 'token-1')).toBeUndefined();
  expect(memo.size).toBe(2);
});

test('rule: forgetting drops that rotation only; remembering again replaces the kind', () => {
  const memo = new RotationMemo();
  memo.remember('secret-a', 'token-1', 'self-issued');
  memo.remember('secret-a', 'token-2', 'self-issued');
  memo.remember('secret-a', 'token-1', 'http-admin-api');
  expect([memo.recall('secret-a', 'token-1'), memo.size]).toEqual(['http-admin-api', 2]);
  memo.forget('secret-a', 'token-1');
  expect([memo.recall('secret-a', 'token-1'), memo.recall('secret-a', 'token-2'), memo.size]).toEqual([
    undefined,
    'self-issued',
    1,
  ]);
});

test('rule: at most capacity rotations are held, the least recently remembered dropped first', () => {
  const memo = new RotationMemo(2);
  memo.remember('s', 't1', 'k1');
  memo.remember('s', 't2', 'k2');
  memo.remember('s', 't1', 'k1'); // now the most recent
  memo.remember('s', 't3', 'k3');
  expect([memo.recall('s', 't1'), memo.recall('s', 't2'), memo.recall('s', 't3'), memo.size]).toEqual([
    'k1',
    undefined,
    'k3',
    2,
  ]);
});

test('rule: the default capacity is 1000 rotations', () => {
  const memo = new RotationMemo();
  for (let i = 0; i < 1000; i++) memo.remember('s', `t${i}`, 'k');
  expect([memo.size, memo.recall('s', 't0')]).toEqual([1000, 'k']);
  memo.remember('s', 't1000', 'k');
  expect([memo.size, memo.recall('s', 't0'), memo.recall('s', 't1')]).toEqual([1000, undefined, 'k']);
});
