/**
 * The rules of the incident record and on-call's messages (lambdas/core/leak/record.ts): both are built from the
 * response's state only, so they hold names, version ids and public key ids, never a key. What on-call reads must
 * be true at each turn: whether the leaked key still works, whether a person is needed, what the sender claimed
 * beside what AWS verified; and each case pages or is a notice accordingly.
 */
import {
  containedMessage,
  impactOf,
  leakMessage,
  needsPerson,
  reporterOf,
  toRecord,
} from '../../lambdas/core/leak/record';
import type { LeakSignal } from '../../lambdas/core/leak/signal';
import type { LeakState, ManagedKeyRef } from '../../lambdas/core/leak/state';

const SIGNAL: LeakSignal = {
  signalId: 'evt-0001',
  origin: 'keyturn',
  receivedAt: '2026-11-23T09:59:00Z',
  where: 'https://github.com/acme/app/blob/main/.env',
  reportedBy: 'alice',
  senderAccount: '111122223333',
  key: 'billing-api',
};

const KEY: ManagedKeyRef = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbC123',
  secretName: 'keyturn/prod/billing-api',
  keyName: 'billing-api',
  environment: 'prod',
  provider: 'self-issued',
  leakPolicy: 'revoke-first',
  owner: 'payments',
  runbook: 'https://wiki.example.com/runbooks/billing-api',
  linkedSystems: ['ledger-api', 'crm'],
};

const LEAKED = { versionId: 'v1', keyId: 'sha256:ab', stage: 'AWSCURRENT' as const };

/** A response that went to plan: revoked, replaced, verified refused. */
const done = (extra: Partial<LeakState> = {}): LeakState => ({
  incidentId: 'inc-20261123T095900-evt0001',
  decision: 'respond',
  detectedAt: '2026-11-23T10:00:00.000Z',
  signal: SIGNAL,
  key: KEY,
  leaked: [LEAKED],
  revoked: true,
  rotation: 'current',
  rotationChecks: 1,
  newVersion: 'v2',
  verified: true,
  actions: [
    { at: '2026-11-23T10:00:01.000Z', action: 'revoke', outcome: 'done', detail: 'v1' },
    { at: '2026-11-23T10:00:09.000Z', action: 'rotate', outcome: 'done' },
  ],
  ...extra,
});

/** A signal for a key keyturn does not manage. */
const unmanaged = (extra: Partial<LeakState> = {}): LeakState => ({
  incidentId: 'inc-20261123T095900-evt0001',
  decision: 'unmanaged',
  detectedAt: '2026-11-23T10:00:00.000Z',
  signal: { ...SIGNAL, key: 'mystery-key' },
  leaked: [],
  revoked: false,
  rotation: 'not-started',
  rotationChecks: 0,
  actions: [],
  ...extra,
});

const approval = (status: 'waiting' | 'approved' | 'denied' | 'timed-out', by?: string) => ({
  status,
  reason: 'cap 3 in 1 h reached',
  requestedAt: '2026-11-23T10:00:00.000Z',
  ...(by ? { by } : {}),
});

describe('who reported it', () => {
  test('rule: AWS Health is verified by its source on the default bus', () => {
    expect(reporterOf({ ...SIGNAL, origin: 'aws-health', reportedBy: 'AWS Health' })).toBe(
      'AWS Health (verified: aws.health on the default bus)',
    );
  });

  test('rule: the free text of a keyturn event is marked claimed, beside the account EventBridge verified', () => {
    expect(reporterOf(SIGNAL)).toBe(
      'alice (claimed; sent from account 111122223333 (verified by EventBridge) through the leak bus)',
    );
    // An event claiming to be AWS Health in its free text is still a claim.
    expect(reporterOf({ ...SIGNAL, reportedBy: 'AWS Health', senderAccount: undefined })).toBe(
      'AWS Health (claimed; sender account unknown)',
    );
  });
});

describe('impact: whether the leaked key still works', () => {
  test('rule: an unmanaged key: nothing was done automatically, whatever else the state says', () => {
    const text = 'The key is not managed by keyturn: nothing was revoked or rotated automatically.';
    expect(impactOf(unmanaged())).toBe(text);
    expect(impactOf(unmanaged({ failure: 'x', rotation: 'failed', approval: approval('timed-out') }))).toBe(
      text,
    );
  });

  test('rule: an approval that timed out says the leaked key STILL WORKS, even when a task failed too', () => {
    const text =
      'Held by the blast-radius cap and nobody approved in time: NOTHING was revoked or rotated; the leaked key STILL WORKS.';
    expect(impactOf(done({ approval: approval('timed-out'), revoked: false }))).toBe(text);
    expect(impactOf(done({ approval: approval('timed-out'), failure: 'escalated' }))).toBe(text);
  });

  test('rule: a failure says where the response stopped, before any approval or rotation state', () => {
    expect(impactOf(done({ failure: 'contain: provider refused' }))).toBe(
      'The response stopped: contain: provider refused',
    );
    expect(impactOf(done({ failure: 'f', approval: approval('waiting'), rotation: 'failed' }))).toBe(
      'The response stopped: f',
    );
  });

  test('rule: a waiting approval says nothing happens until on-call approves, with the command', () => {
    expect(impactOf(done({ approval: approval('waiting'), revoked: false, rotation: 'failed' }))).toBe(
      'Held by the blast-radius cap: nothing is revoked or rotated until on-call approves (keyturn leak approve <incident>).',
    );
  });

  test('rule: a denial names who denied it (claimed) and that the key still works', () => {
    expect(impactOf(done({ approval: approval('denied', 'bob'), rotation: 'failed' }))).toBe(
      'Held by the blast-radius cap and DENIED by bob (claimed): nothing was revoked or rotated; the key still works.',
    );
    expect(impactOf(done({ approval: approval('denied') }))).toBe(
      'Held by the blast-radius cap and DENIED by someone (claimed): nothing was revoked or rotated; the key still works.',
    );
  });

  test('rule: an approved response reads as any other', () => {
    expect(impactOf(done({ approval: approval('approved', 'bob') }))).toBe(impactOf(done()));
  });

  test('rule: revoked with the rotation failed: consumers fail until a rotation succeeds', () => {
    expect(impactOf(done({ rotation: 'failed', revoked: true }))).toBe(
      'The leaked key is REVOKED and NO replacement is current: consumers of this key fail until a rotation succeeds.',
    );
  });

  test('rule: not revoked with the rotation failed: the key still works, under the policy named', () => {
    expect(
      impactOf(
        done({ rotation: 'failed', revoked: false, key: { ...KEY, leakPolicy: 'rotate-then-revoke' } }),
      ),
    ).toBe(
      'Rotation failed; under policy rotate-then-revoke the leaked key was NOT revoked and still works.',
    );
  });

  test('rule: no live version matched: nothing needed revoking, a replacement was issued', () => {
    expect(impactOf(done({ leaked: [], revoked: false }))).toBe(
      'No live version matched the report: nothing needed revoking; a replacement was issued.',
    );
  });

  test('rule: revoked and replaced says whether the provider refused the key afterwards', () => {
    const tail =
      'replacement v2 is AWSCURRENT. Consumers reading AWSCURRENT pick it up on their next refresh.';
    expect(impactOf(done())).toBe(`Leaked key revoked, verified refused; ${tail}`);
    expect(impactOf(done({ verified: false }))).toBe(
      `Leaked key revoked, BUT THE PROVIDER STILL ACCEPTS IT; ${tail}`,
    );
    expect(impactOf(done({ verified: undefined }))).toBe(`Leaked key revoked; ${tail}`);
    expect(impactOf(done({ newVersion: undefined }))).toMatch(/; replacement \(pending\) is AWSCURRENT\./);
  });
});

describe('whether a person is needed', () => {
  test('rule: a response that went to plan needs nobody (also when approved, or denied by a person)', () => {
    expect(needsPerson(done())).toBe(false);
    expect(needsPerson(done({ verified: undefined }))).toBe(false);
    expect(needsPerson(done({ approval: approval('approved') }))).toBe(false);
    expect(needsPerson(done({ approval: approval('denied') }))).toBe(false);
    expect(needsPerson(done({ rotation: 'pending' }))).toBe(false);
  });

  test('rule: each of unmanaged, waiting, timed out, a failure, a failed rotation or a key still accepted needs a person', () => {
    for (const state of [
      unmanaged(),
      done({ approval: approval('waiting') }),
      done({ approval: approval('timed-out') }),
      done({ failure: 'f' }),
      done({ rotation: 'failed' }),
      done({ verified: false }),
    ])
      expect(needsPerson(state)).toBe(true);
  });
});

describe('the incident record', () => {
  test('rule: a managed key’s record carries its key, secret, provider, policy, owner and every fact of the response', () => {
    const audit = {
      from: '2026-11-22T07:00:00.000Z',
      to: '2026-11-23T10:00:01.000Z',
      events: 0,
      partial: false,
      denied: 0,
      byCall: [],
      byCaller: [],
      bySourceIp: [],
    };
    const state = done({
      signal: { ...SIGNAL, exposedAt: '2026-11-22T07:00:00.000Z' },
      secondCheck: 'refused',
      audit,
      approval: approval('approved', 'bob'),
    });
    expect(toRecord(state, 'resolved')).toStrictEqual({
      id: 'inc-20261123T095900-evt0001',
      status: 'resolved',
      severity: 'critical',
      key: 'prod/billing-api',
      unmanaged: false,
      environment: 'prod',
      secretArn: KEY.secretArn,
      provider: 'self-issued',
      policy: 'revoke-first',
      owner: 'payments',
      detectedAt: '2026-11-23T10:00:00.000Z',
      exposedAt: '2026-11-22T07:00:00.000Z',
      where: SIGNAL.where,
      reportedBy: reporterOf(SIGNAL),
      signals: 1,
      revoked: true,
      rotation: 'current',
      newVersion: 'v2',
      verified: true,
      secondCheck: 'refused',
      actions: state.actions,
      audit,
      impact: impactOf(state),
      updatedAt: '2026-11-23T10:00:09.000Z',
      approval: approval('approved', 'bob'),
    });
  });

  test('rule: an unmanaged key’s record holds only what was reported, and is updated when it was detected', () => {
    expect(toRecord(unmanaged(), 'open')).toStrictEqual({
      id: 'inc-20261123T095900-evt0001',
      status: 'open',
      severity: 'critical',
      key: 'mystery-key',
      unmanaged: true,
      detectedAt: '2026-11-23T10:00:00.000Z',
      where: SIGNAL.where,
      reportedBy: reporterOf(SIGNAL),
      signals: 1,
      revoked: false,
      rotation: 'not-started',
      actions: [],
      impact: 'The key is not managed by keyturn: nothing was revoked or rotated automatically.',
      updatedAt: '2026-11-23T10:00:00.000Z',
    });
  });

  test('rule: the record is updated at its latest action', () => {
    const actions = [
      { at: '2026-11-23T10:00:01.000Z', action: 'revoke', outcome: 'done' as const },
      { at: '2026-11-23T10:00:05.000Z', action: 'rotate', outcome: 'done' as const },
      { at: '2026-11-23T10:00:09.000Z', action: 'audit', outcome: 'done' as const },
    ];
    expect(toRecord(done({ actions }), 'open').updatedAt).toBe('2026-11-23T10:00:09.000Z');
  });

  test('rule: a failure is recorded and paged even for a state that names no managed key (the escalation must not throw)', () => {
    const keyless = unmanaged({ decision: 'respond', failure: 'contain: Lambda timed out' });
    expect(toRecord(keyless, 'escalated').impact).toBe('The response stopped: contain: Lambda timed out');
    expect(leakMessage(keyless).subject).toBe('keyturn: leak response FAILED for mystery-key');
  });

  test('rule: a key still accepted is recorded as verified false; a key with no owner records none', () => {
    const record = toRecord(done({ verified: false, key: { ...KEY, owner: undefined } }), 'escalated');
    expect(record.verified).toBe(false);
    expect(record).not.toHaveProperty('owner');
    expect(record.severity).toBe('critical');
  });
});

describe('the contained page (sent the moment the key is contained)', () => {
  test('rule: a revoked managed key: the page says revoked, names the key, owner, where, reporter, exposure and runbook', () => {
    const n = containedMessage(done({ signal: { ...SIGNAL, exposedAt: '2026-11-22T07:00:00.000Z' } }));
    expect(n).toStrictEqual({
      severity: 'critical',
      kind: 'leak-contained',
      subject: 'keyturn: prod/billing-api leaked: revoked, replacement rotating',
      message: [
        'CRITICAL: prod/billing-api leaked: revoked; replacement rotating',
        'Incident: inc-20261123T095900-evt0001',
        'Key: prod/billing-api (provider self-issued, policy revoke-first), owner payments',
        `Found: ${SIGNAL.where}; reported by ${reporterOf(SIGNAL)} at 2026-11-23T09:59:00Z; exposed 2026-11-22T07:00:00.000Z`,
        'Next, automatically: replacement key, CloudTrail audit of the exposure window, linked keys; the full report follows.',
        'Runbook: https://wiki.example.com/runbooks/billing-api',
        'Follow up:',
        '  keyturn incident inc-20261123T095900-evt0001',
      ].join('\n'),
      keyName: 'billing-api',
      environment: 'prod',
    });
  });

  test('rule: under rotate-then-revoke the page says the key is NOT revoked yet; with nothing matched, says so', () => {
    const held = containedMessage(
      done({ revoked: false, key: { ...KEY, leakPolicy: 'rotate-then-revoke' } }),
    );
    expect(held.subject).toBe('keyturn: prod/billing-api leaked: not revoked yet, replacement rotating');
    expect(held.message.split('\n')[0]).toBe(
      'CRITICAL: prod/billing-api leaked: NOT revoked yet (policy rotate-then-revoke: revoked once the replacement is current); replacement rotating',
    );
    const none = containedMessage(done({ revoked: false, leaked: [] }));
    expect(none.message.split('\n')[0]).toBe(
      'CRITICAL: prod/billing-api leaked: no live version matched; replacement rotating',
    );
  });

  test('rule: without a key, owner, runbook or exposure time the page says unknown and leaves those lines out', () => {
    const found = `Found: ${SIGNAL.where}; reported by ${reporterOf(SIGNAL)} at 2026-11-23T09:59:00Z; exposed at an unknown time`;
    const next =
      'Next, automatically: replacement key, CloudTrail audit of the exposure window, linked keys; the full report follows.';
    const follow = ['Follow up:', '  keyturn incident inc-20261123T095900-evt0001'];
    const n = containedMessage(unmanaged());
    expect(n).toStrictEqual({
      severity: 'critical',
      kind: 'leak-contained',
      subject: 'keyturn: mystery-key leaked: not revoked yet, replacement rotating',
      message: [
        'CRITICAL: mystery-key leaked: no live version matched; replacement rotating',
        'Incident: inc-20261123T095900-evt0001',
        found,
        next,
        ...follow,
      ].join('\n'),
    });
    const ownerless = containedMessage(done({ key: { ...KEY, owner: undefined, runbook: undefined } }));
    expect(ownerless.message).toBe(
      [
        'CRITICAL: prod/billing-api leaked: revoked; replacement rotating',
        'Incident: inc-20261123T095900-evt0001',
        'Key: prod/billing-api (provider self-issued, policy revoke-first), owner unknown',
        found,
        next,
        ...follow,
      ].join('\n'),
    );
  });
});

describe('the full report', () => {
  test('rule: a response that went to plan is a RESOLVED notice with what keyturn did, the audit, linked systems and commands', () => {
    const n = leakMessage(done());
    expect(n).toStrictEqual({
      severity: 'notice',
      kind: 'leak',
      subject: 'keyturn: prod/billing-api leaked: revoked and replaced',
      message: [
        'RESOLVED: prod/billing-api leaked: revoked and replaced',
        'Incident: inc-20261123T095900-evt0001',
        `Key: prod/billing-api (provider self-issued, policy revoke-first), owner payments\nSecret: ${KEY.secretArn}`,
        `Found: ${SIGNAL.where}; reported by ${reporterOf(SIGNAL)} at 2026-11-23T09:59:00Z; exposed at an unknown time`,
        `Impact: ${impactOf(done())}`,
        'What keyturn did:',
        '  2026-11-23T10:00:01.000Z  revoke: done (v1)',
        '  2026-11-23T10:00:09.000Z  rotate: done',
        'Audit: not run.',
        'Linked systems: ledger-api, crm',
        'Runbook: https://wiki.example.com/runbooks/billing-api',
        'Follow up:',
        '  keyturn incident inc-20261123T095900-evt0001',
        '  keyturn history prod/billing-api',
        '  keyturn status --env prod',
      ].join('\n'),
      keyName: 'billing-api',
      environment: 'prod',
    });
  });

  test('rule: an unmanaged key is a CRITICAL page that says no managed secret matches, with no key commands', () => {
    const n = leakMessage(unmanaged());
    expect(n.severity).toBe('critical');
    expect(n.kind).toBe('leak-unmanaged');
    expect(n.subject).toBe('keyturn: unmanaged key leaked: mystery-key');
    expect(n.message.split('\n').slice(0, 3)).toEqual([
      'CRITICAL: unmanaged key leaked: mystery-key',
      'Incident: inc-20261123T095900-evt0001',
      'Key reported: mystery-key (no managed secret matches)',
    ]);
    expect(n.message).not.toMatch(/keyturn (history|status|rotate)|Linked systems|Runbook/);
    expect(n).not.toHaveProperty('keyName');
  });

  test('rule: a failed response is an escalated CRITICAL page naming the failure', () => {
    const n = leakMessage(done({ failure: 'contain: provider refused' }));
    expect([n.severity, n.kind, n.subject]).toEqual([
      'critical',
      'leak-escalated',
      'keyturn: leak response FAILED for prod/billing-api',
    ]);
  });

  test('rule: each held or failed turn has its own headline, in order of what on-call must know first', () => {
    const subject = (s: LeakState) => leakMessage(s).subject;
    expect(subject(done({ approval: approval('timed-out'), failure: 'f' }))).toBe(
      'keyturn: prod/billing-api leaked: approval TIMED OUT, key NOT revoked',
    );
    expect(subject(done({ approval: approval('waiting'), failure: 'f' }))).toBe(
      'keyturn: leak response FAILED for prod/billing-api',
    );
    expect(subject(done({ approval: approval('waiting'), rotation: 'failed' }))).toBe(
      'keyturn: prod/billing-api leaked: held for approval (blast-radius cap)',
    );
    expect(subject(done({ approval: approval('denied'), rotation: 'failed' }))).toBe(
      'keyturn: prod/billing-api leaked: approval DENIED, nothing revoked',
    );
    expect(subject(done({ rotation: 'failed', revoked: true }))).toBe(
      'keyturn: prod/billing-api leaked: revoked, NO replacement current',
    );
    expect(subject(done({ rotation: 'failed', revoked: false }))).toBe(
      'keyturn: prod/billing-api leaked: rotation failed, key NOT revoked',
    );
    expect(subject(unmanaged({ failure: 'f', approval: approval('timed-out') }))).toBe(
      'keyturn: unmanaged key leaked: mystery-key',
    );
  });

  test('rule: a failed rotation of a managed key pages CRITICAL with the rotate command', () => {
    const n = leakMessage(done({ rotation: 'failed' }));
    expect(n.severity).toBe('critical');
    expect(n.kind).toBe('leak');
    expect(n.message.split('\n').at(-1)).toBe(
      '  keyturn rotate prod/billing-api   # after fixing the rotation failure',
    );
    expect(leakMessage(done()).message).not.toContain('keyturn rotate');
    expect(leakMessage(unmanaged({ rotation: 'failed' })).message).not.toContain('keyturn rotate');
  });

  test('rule: no linked systems and no runbook leave their lines out; the audit lines are the summary’s', () => {
    const n = leakMessage(
      done({
        key: { ...KEY, linkedSystems: [], runbook: undefined, owner: undefined },
        audit: {
          from: 'a',
          to: 'b',
          events: 1,
          partial: false,
          denied: 0,
          byCall: [['s3:GetObject', 1]],
          byCaller: [],
          bySourceIp: [],
        },
      }),
    );
    expect(n.message).not.toMatch(/Linked systems|Runbook/);
    expect(n.message).toContain('owner unknown\nSecret: ');
    expect(n.message).toContain(
      'Audit a → b: 1 CloudTrail event(s), 0 failed/denied.\n  calls: s3:GetObject ×1\n',
    );
  });

  test('rule: a key the provider still accepts pages CRITICAL', () => {
    const n = leakMessage(done({ verified: false }));
    expect(n.severity).toBe('critical');
    expect(n.message.startsWith('CRITICAL: prod/billing-api leaked: revoked and replaced')).toBe(true);
  });
});
