/**
 * The rules of the leak response's state (lambdas/core/leak/state.ts): the incident id is a function of the signal
 * alone (a retried task lands on the same incident), the open-incident marker is one per key, the action log is
 * append-only and bounded, and the key is labelled by what is known of it, never by more.
 */
import type { LeakSignal } from '../../lambdas/core/leak/signal';
import { act, incidentIdFor, keyLabel, openMarkerOf, type LeakState } from '../../lambdas/core/leak/state';

const signal = (extra: Partial<LeakSignal> = {}): LeakSignal => ({
  signalId: 'evt-0001-aaaa-bbbb',
  origin: 'keyturn',
  receivedAt: '2026-11-23T09:59:00Z',
  where: 'repo',
  reportedBy: 'alice',
  ...extra,
});

const state = (extra: Partial<LeakState> = {}): LeakState => ({
  incidentId: 'inc-1',
  decision: 'respond',
  detectedAt: '2026-11-23T10:00:00.000Z',
  signal: signal(),
  leaked: [],
  revoked: false,
  rotation: 'not-started',
  rotationChecks: 0,
  actions: [],
  ...extra,
});

const KEY = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbC123',
  secretName: 'keyturn/prod/billing-api',
  keyName: 'billing-api',
  environment: 'prod',
  provider: 'self-issued',
  leakPolicy: 'revoke-first' as const,
  linkedSystems: [],
};

test('rule: the incident id is the signal’s second of receipt and the first 12 letters and digits of its event id', () => {
  expect(incidentIdFor(signal())).toBe('inc-20261123T095900-evt0001aaaab');
  // Milliseconds and offsets past the second do not change it; neither does anything past the 12th character.
  expect(
    incidentIdFor(signal({ receivedAt: '2026-11-23T09:59:00.999Z', signalId: 'evt-0001-aaaa-bbbb-cccc' })),
  ).toBe('inc-20261123T095900-evt0001aaaab');
  expect(incidentIdFor(signal({ signalId: '7bf73129-1428-4cd3' }))).toBe('inc-20261123T095900-7bf731291428');
  expect(incidentIdFor(signal({ signalId: 'a/b_c d' }))).toBe('inc-20261123T095900-abcd');
});

test('rule: the same signal always gives the same incident id; another event id or second gives another', () => {
  expect(incidentIdFor(signal())).toBe(incidentIdFor(signal()));
  expect(incidentIdFor(signal({ signalId: 'evt-0002-aaaa-bbbb' }))).not.toBe(incidentIdFor(signal()));
  expect(incidentIdFor(signal({ receivedAt: '2026-11-23T09:59:01Z' }))).not.toBe(incidentIdFor(signal()));
});

test('rule: the open-incident marker is one per environment and key name', () => {
  expect(openMarkerOf({ environment: 'prod', keyName: 'billing-api' })).toBe('open#prod/billing-api');
  expect(openMarkerOf({ environment: 'staging', keyName: 'billing-api' })).not.toBe(
    openMarkerOf({ environment: 'prod', keyName: 'billing-api' }),
  );
});

test('rule: an action is appended with its time, outcome and detail; the state it came from is not changed', () => {
  const before = state();
  const after = act(before, new Date('2026-11-23T10:00:01Z'), 'revoke', 'done', 'version v1');
  expect(after.actions).toStrictEqual([
    { at: '2026-11-23T10:00:01.000Z', action: 'revoke', outcome: 'done', detail: 'version v1' },
  ]);
  expect(before.actions).toEqual([]);
  const next = act(after, new Date('2026-11-23T10:00:02Z'), 'notify', 'failed');
  expect(next.actions.map((a) => a.action)).toEqual(['revoke', 'notify']);
  expect({ ...next, actions: [] }).toStrictEqual({ ...before, actions: [] });
});

test('rule: an action without a detail, or with an empty one, carries no detail field', () => {
  const now = new Date('2026-11-23T10:00:01Z');
  expect(act(state(), now, 'audit', 'skipped').actions[0]).not.toHaveProperty('detail');
  expect(act(state(), now, 'audit', 'skipped', '').actions[0]).not.toHaveProperty('detail');
});

test('rule: a detail is cut to 1024 characters and the log keeps the last 100 actions', () => {
  const now = new Date('2026-11-23T10:00:01Z');
  expect(act(state(), now, 'x', 'note', 'd'.repeat(2000)).actions[0].detail).toBe('d'.repeat(1024));
  expect(act(state(), now, 'x', 'note', 'd'.repeat(1024)).actions[0].detail).toBe('d'.repeat(1024));
  let s = state();
  for (let i = 0; i < 105; i += 1) s = act(s, now, `step-${i}`, 'note');
  expect(s.actions).toHaveLength(100);
  expect(s.actions[0].action).toBe('step-5');
  expect(s.actions[99].action).toBe('step-104');
});

test('rule: a managed key is labelled environment/name; else the reported key, else its key id, else "an unknown key"', () => {
  expect(keyLabel(state({ key: KEY, signal: signal({ key: 'other', keyId: 'AKIA' }) }))).toBe(
    'prod/billing-api',
  );
  expect(keyLabel(state({ signal: signal({ key: 'billing-api', keyId: 'sha256:ab' }) }))).toBe('billing-api');
  expect(keyLabel(state({ signal: signal({ keyId: 'AKIAIOSFODNN7EXAMPLE' }) }))).toBe('AKIAIOSFODNN7EXAMPLE');
  expect(keyLabel(state())).toBe('an unknown key');
});
