/**
 * Rules of the notify function's domain step (lambdas/core/notify/notify.ts): only a key's own allowed reader is
 * not an incident (never a write, never an unmanaged secret, never without a policy); everything else is claimed
 * once under its dedupe key and published; the page names the key from the policy, or from the secret's tags for
 * a secret the policy does not know; a secret that cannot be described still pages; a page that could not be
 * published gives its claim back, so the retried delivery pages.
 */
import { TAGS } from '../../lambdas/core/constants';
import type { SecretDescription } from '../../lambdas/core/ports';
import { classifyEvent, UnrecognisedEventError } from '../../lambdas/core/notify/classify';
import { Deduplicator } from '../../lambdas/core/notify/dedupe';
import { dedupeKeyOf, type FormattedNotification } from '../../lambdas/core/notify/format';
import {
  keyInfoFrom,
  keyInfoFromPolicy,
  notifyIncident,
  type NotifyDeps,
} from '../../lambdas/core/notify/notify';
import * as s from '../monitoring/cloudtrail-samples';
import { policyKey, policyOf } from './policy-fixture';

const UNMANAGED_NAME = 'keyturn/prod/planted';
const description: SecretDescription = {
  arn: `${s.PARTIAL_ARN_PREFIX}${UNMANAGED_NAME}-Zz9Yy8`,
  name: UNMANAGED_NAME,
  rotationEnabled: false,
  versions: {},
  tags: {
    [TAGS.keyName]: 'planted-key',
    [TAGS.environment]: 'staging',
    [TAGS.owner]: 'tags-owner@example.com',
    [TAGS.backupOwner]: 'tags-backup@example.com',
    [TAGS.runbook]: 'https://runbooks.example.com/from-tags',
  },
};

const policy = policyOf(policyKey({ owner: 'policy-owner@example.com' }));

function world(overrides: Partial<NotifyDeps> = {}) {
  const published: FormattedNotification[] = [];
  const claimed: string[] = [];
  const described: string[] = [];
  const held = new Set<string>();
  const claims = {
    claim: async (key: string) => {
      claimed.push(key);
      if (held.has(key)) return false;
      held.add(key);
      return true;
    },
    release: async (key: string) => void held.delete(key),
  };
  const dedupe = new Deduplicator(600_000, claims);
  const deps: NotifyDeps = {
    describe: async (id) => {
      described.push(id);
      return description;
    },
    dedupe,
    publish: async (n) => published.push(n),
    policy,
    ...overrides,
  };
  return { deps, published, claimed, described, claims };
}

const read = (secretId: string, identity: s.Record_) =>
  s.asEvent(s.secretCall('GetSecretValue', secretId, { identity }));

describe('rule: only a managed key read by its own allowed reader is not an incident', () => {
  test("rule: the key's allowed role reading it is allowed: no claim, no description, no page", async () => {
    const w = world();
    const out = await notifyIncident(w.deps, read(s.SECRET_ARN, s.roleIdentity('billing-service')));
    expect(out.status).toBe('allowed');
    expect(out.incident.kind).toBe('unexpected-read');
    expect([w.claimed, w.described, w.published]).toEqual([[], [], []]);
  });

  test('rule: the same allowed reader writing the secret (a tamper write) still pages', async () => {
    const w = world();
    const event = s.asEvent(
      s.secretCall('TagResource', s.SECRET_ARN, { identity: s.roleIdentity('billing-service') }),
    );
    const out = await notifyIncident(w.deps, event);
    expect(out.status).toBe('published');
    expect(w.published).toHaveLength(1);
  });

  test('rule: a reader of an unmanaged secret pages, even when it may read a managed key', async () => {
    const w = world();
    const out = await notifyIncident(
      w.deps,
      read(`${s.PARTIAL_ARN_PREFIX}${UNMANAGED_NAME}`, s.roleIdentity('billing-service')),
    );
    expect(out.status).toBe('published');
  });

  test('rule: another principal reading a managed key pages', async () => {
    const w = world();
    expect((await notifyIncident(w.deps, read(s.SECRET_ARN, s.roleIdentity('mallory')))).status).toBe(
      'published',
    );
  });

  test('rule: without a policy no reader is allowed: every read pages', async () => {
    const w = world({ policy: undefined });
    const out = await notifyIncident(w.deps, read(s.SECRET_ARN, s.roleIdentity('billing-service')));
    expect(out.status).toBe('published');
    expect(w.described).toEqual([s.SECRET_ARN]);
  });
});

describe('rule: every other incident is claimed once under its dedupe key, then published', () => {
  test('rule: the claim uses the incident dedupe key; the outcome carries the published notification', async () => {
    const w = world();
    const event = read(s.SECRET_ARN, s.roleIdentity('mallory'));
    const out = await notifyIncident(w.deps, event);
    expect(w.claimed).toEqual([dedupeKeyOf(classifyEvent(event))]);
    expect(out).toEqual({
      status: 'published',
      incident: classifyEvent(event),
      notification: w.published[0],
    });
  });

  test('rule: a duplicate is neither described nor published, and says duplicate with its incident', async () => {
    const w = world({ policy: undefined });
    const event = read(s.SECRET_ARN, s.roleIdentity('mallory'));
    await notifyIncident(w.deps, event);
    const again = await notifyIncident(w.deps, event);
    expect(again).toEqual({ status: 'duplicate', incident: classifyEvent(event) });
    expect(w.published).toHaveLength(1);
    expect(w.described).toHaveLength(1);
  });

  test('rule: a publish that fails is not swallowed, and its retry pages instead of being a duplicate', async () => {
    let down = true;
    const w = world();
    const sent: FormattedNotification[] = [];
    w.deps.publish = async (n) => (down ? Promise.reject(new Error('sns throttled')) : sent.push(n));
    const event = read(s.SECRET_ARN, s.roleIdentity('mallory'));
    await expect(notifyIncident(w.deps, event)).rejects.toThrow('sns throttled');
    down = false;
    // Another container's retry finds the durable claim given back...
    const otherContainer = { ...w.deps, dedupe: new Deduplicator(600_000, w.claims) };
    expect((await notifyIncident(otherContainer, event)).status).toBe('published');
    // ...and so does this container's (its memory forgot the sighting), once that page's claim is given back too.
    await w.claims.release(dedupeKeyOf(classifyEvent(event)));
    expect((await notifyIncident(w.deps, event)).status).toBe('published');
    expect(sent).toHaveLength(2);
  });

  test('rule: an unrecognised event is refused before any claim or call', async () => {
    const w = world();
    await expect(
      notifyIncident(w.deps, s.asEvent(s.secretCall('DescribeSecret', s.SECRET_ARN))),
    ).rejects.toThrow(UnrecognisedEventError);
    expect([w.claimed, w.described, w.published]).toEqual([[], [], []]);
  });
});

describe("rule: the page names the key from the policy, else from the secret's tags", () => {
  test('rule: a managed key is named from the policy, never described (a tag cannot rename it)', async () => {
    const w = world();
    await notifyIncident(w.deps, read(s.SECRET_ARN, s.roleIdentity('mallory')));
    expect(w.described).toEqual([]);
    const [n] = w.published;
    expect(n).toMatchObject({ keyName: 'billing-api', environment: 'prod' });
    expect(n.message).toContain(
      'Owner:         policy-owner@example.com (backup: platform-oncall@example.com)',
    );
    expect(n.message).toContain('Runbook: https://runbooks.example.com/keyturn/billing-api');
    expect(n.message).toContain(`--secret-id '${s.SECRET_ARN}'`);
  });

  test('rule: from the policy, the ARN the caller used is kept; a caller that used the name gets the name', () => {
    const key = policyKey();
    expect(keyInfoFromPolicy(key, s.SECRET_ARN).secretArn).toBe(s.SECRET_ARN);
    expect(keyInfoFromPolicy(key, s.SECRET_NAME).secretArn).toBe(s.SECRET_NAME);
    expect(keyInfoFromPolicy(key, undefined)).toEqual({
      secretArn: s.SECRET_NAME,
      secretName: s.SECRET_NAME,
      keyName: 'billing-api',
      environment: 'prod',
      owner: 'payments-team@example.com',
      backupOwner: 'platform-oncall@example.com',
      runbook: 'https://runbooks.example.com/keyturn/billing-api',
    });
  });

  test('rule: a secret the policy does not know is described by the id the caller used, and named by its tags', async () => {
    const w = world();
    const id = `${s.PARTIAL_ARN_PREFIX}${UNMANAGED_NAME}`;
    await notifyIncident(w.deps, read(id, s.roleIdentity('mallory')));
    expect(w.described).toEqual([id]);
    const [n] = w.published;
    expect(n).toMatchObject({ keyName: 'planted-key', environment: 'staging' });
    expect(n.message).toContain('Owner:         tags-owner@example.com (backup: tags-backup@example.com)');
    expect(n.message).toContain(`--secret-id '${description.arn}'`);
  });

  test('rule: a spelling of a managed secret that is not an ARN is replaced by its name in the commands', async () => {
    const w = world();
    const odd = `x:secret:${s.SECRET_NAME}`;
    await notifyIncident(w.deps, read(odd, s.roleIdentity('mallory')));
    const [n] = w.published;
    expect(n.keyName).toBe('billing-api');
    expect(n.message).toContain(`--secret-id '${s.SECRET_NAME}'`);
    expect(n.message).not.toContain(`--secret-id '${odd}'`);
  });

  test("rule: the secret's tags map one to one onto the page's key fields", () => {
    expect(keyInfoFrom(description)).toEqual({
      secretArn: description.arn,
      secretName: UNMANAGED_NAME,
      keyName: 'planted-key',
      environment: 'staging',
      owner: 'tags-owner@example.com',
      backupOwner: 'tags-backup@example.com',
      runbook: 'https://runbooks.example.com/from-tags',
    });
  });

  test('rule: a secret that cannot be described still pages, and the error reaches the callback', async () => {
    const gone = new Error('ResourceNotFound');
    const w = world({ policy: undefined, describe: async () => Promise.reject(gone) });
    const errors: unknown[] = [];
    const out = await notifyIncident(w.deps, read(s.SECRET_ARN, s.roleIdentity('mallory')), (e) =>
      errors.push(e),
    );
    expect(out.status).toBe('published');
    expect(errors).toEqual([gone]);
    expect(w.published[0].message).toContain('Owner:         unknown');
  });

  test('rule: a secret that cannot be described still pages without a callback', async () => {
    const w = world({ policy: undefined, describe: async () => Promise.reject(new Error('AccessDenied')) });
    expect((await notifyIncident(w.deps, read(s.SECRET_ARN, s.roleIdentity('mallory')))).status).toBe(
      'published',
    );
    expect(w.published).toHaveLength(1);
  });

  test('rule: an incident about no secret (a KMS key) is not described, and pages', async () => {
    const w = world();
    const out = await notifyIncident(w.deps, s.asEvent(s.kmsCall('ScheduleKeyDeletion', s.KMS_KEY_ARN)));
    expect(out.status).toBe('published');
    expect(w.described).toEqual([]);
  });
});
