/**
 * The intake's rules, through handleIntake with the real key ring, token index and guards over in-memory sources
 * and a recording leak starter: the order of the checks (rate limit, size, signature, replay, parse), what a refusal
 * changes (nothing), which tokens are acted on (only those this deployment issued), the leak signal each managed key
 * version gets, the answers and the log summary (counts and public ids, never a token).
 */
import { generateKeyPairSync, hash, sign } from 'node:crypto';
import { EVENTS } from '../../lambdas/core/constants';
import { RateLimitedError } from '../../lambdas/core/intake/errors';
import { ReplayGuard, TokenBucket } from '../../lambdas/core/intake/guards';
import {
  handleIntake,
  REPORTED_BY,
  type IntakeDeps,
  type IntakeRequest,
  type LeakSignalEvent,
} from '../../lambdas/core/intake/intake';
import { MAX_REPORT_BYTES } from '../../lambdas/core/intake/report';
import { PartnerKeyRing } from '../../lambdas/core/intake/signature';
import { TokenIndex, type ManagedKeyVersion } from '../../lambdas/core/intake/token-index';
import { parseLeakEvent } from '../../lambdas/core/leak/signal';

const partner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PARTNER_KEY_ID = 'partner-key-1';
const keySource = {
  fetches: 0,
  async fetch() {
    this.fetches++;
    return [
      { keyId: PARTNER_KEY_ID, pem: partner.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ];
  },
};

const ARN_A = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf';
const ARN_B = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/search-api-GhIjKl';
const version = (over: Partial<ManagedKeyVersion> & Pick<ManagedKeyVersion, 'key'>): ManagedKeyVersion => ({
  secretArn: ARN_A,
  secretName: 'keyturn/prod/billing-api',
  versionId: 'v-current',
  keyId: `sha256:${hash('sha256', over.key, 'hex').slice(0, 16)}`,
  live: true,
  ...over,
});
const A_CURRENT = version({ key: 'kt_live_aaaaCURRENTaaaaaaaaaaaaaaaaaaaa' });
const A_PREVIOUS = version({ key: 'kt_live_aaaaPREVIOUSaaaaaaaaaaaaaaaaaaa', versionId: 'v-previous' });
const B_REVOKED = version({
  key: 'kt_live_bbbbREVOKEDbbbbbbbbbbbbbbbbbbbb',
  secretArn: ARN_B,
  secretName: 'keyturn/prod/search-api',
  versionId: 'v-b',
  live: false,
});
const STRANGER = 'kt_live_neverIssuedByThisDeployment00000';

const managed = {
  lists: 0,
  versions: [A_CURRENT, A_PREVIOUS, B_REVOKED],
  failure: undefined as unknown,
  async list() {
    this.lists++;
    if (this.failure !== undefined) throw this.failure;
    return this.versions.map((v) => ({ ...v }));
  },
};

class RecordingStarter {
  starts: Array<{ name: string; event: LeakSignalEvent }> = [];
  failure: unknown;
  async start(name: string, event: LeakSignalEvent): Promise<'started' | 'duplicate'> {
    if (this.failure !== undefined) throw this.failure;
    if (this.starts.some((s) => s.name === name)) return 'duplicate';
    this.starts.push({ name, event });
    return 'started';
  }
}

const NOW = new Date('2026-12-01T12:00:00.000Z');
let leak: RecordingStarter;
let deps: IntakeDeps;
function freshDeps(over: Partial<IntakeDeps> = {}): IntakeDeps {
  return {
    keys: new PartnerKeyRing(keySource),
    index: new TokenIndex(managed),
    leak,
    bucket: new TokenBucket(10, 20),
    replays: new ReplayGuard(),
    now: () => NOW,
    ...over,
  };
}
beforeEach(() => {
  keySource.fetches = 0;
  managed.lists = 0;
  managed.failure = undefined;
  leak = new RecordingStarter();
  deps = freshDeps();
});

const URL_1 = 'https://github.com/octocat/hello-world/blob/main/.env';
const URL_2 = 'https://github.com/octocat/hello-world/blob/main/config.yml';
type Match = { token: string; type?: string; url?: string; source?: string };
const bodyOf = (matches: Match[]) =>
  JSON.stringify(matches.map((m) => ({ type: 'keyturn_live_api_key', ...m })));
const report = (...tokens: string[]) =>
  bodyOf(tokens.map((token) => ({ token, url: URL_1, source: 'content' })));

function signed(body: string, route: IntakeRequest['route'] = 'report'): IntakeRequest {
  const signature = sign('sha256', Buffer.from(body), { key: partner.privateKey, dsaEncoding: 'der' });
  return { route, body, keyId: PARTNER_KEY_ID, signature: signature.toString('base64') };
}
const sha = (token: string) => hash('sha256', token, 'hex');
const answers = (body: string) => JSON.parse(body) as Array<{ token_hash: string; label: string }>;
const labels = (body: string) => answers(body).map((a) => a.label);

describe('refusals change nothing', () => {
  test('rule: a report with a bad or missing signature is 401 and reads no managed key, starts nothing, remembers nothing', async () => {
    const good = signed(report(A_CURRENT.key));
    const tampered = { ...good, body: report(A_PREVIOUS.key) };
    const requests: IntakeRequest[] = [
      tampered,
      { ...good, signature: undefined },
      { ...good, keyId: undefined },
      { ...good, keyId: 'another-key' },
    ];
    for (const request of requests) {
      const outcome = await handleIntake(deps, request);
      expect(outcome.status).toBe(401);
      expect(JSON.parse(outcome.body)).toEqual({ message: 'unauthorized' });
      expect(outcome.summary).toEqual({
        route: 'report',
        refused: expect.stringMatching(/^BadSignatureError: /),
      });
    }
    expect(managed.lists).toBe(0);
    expect(leak.starts).toEqual([]);
    // The tampered request's signature was not remembered: the genuine request with it is processed.
    expect((await handleIntake(deps, good)).status).toBe(200);
    expect(leak.starts).toHaveLength(1);
  });

  test('rule: over the rate limit is 429 before any signature work or key fetch', async () => {
    deps = freshDeps({ bucket: new TokenBucket(0, 1) });
    expect((await handleIntake(deps, signed(report(A_CURRENT.key)))).status).toBe(200);
    const fetches = keySource.fetches;
    const lists = managed.lists;
    const outcome = await handleIntake(deps, signed(report(A_PREVIOUS.key)));
    expect(outcome).toEqual({
      status: 429,
      body: JSON.stringify({ message: 'too many requests' }),
      summary: { route: 'report', refused: 'RateLimitedError: rate limited' },
    });
    expect([keySource.fetches, managed.lists, leak.starts.length]).toEqual([fetches, lists, 1]);
  });

  test('rule: a body of exactly 256 KB is read; one byte more (counted in bytes, not characters) is 413 before the signature', async () => {
    const base = report(A_CURRENT.key);
    const exact = base.replace(/^\[/, `[${' '.repeat(MAX_REPORT_BYTES - Buffer.byteLength(base))}`);
    expect(Buffer.byteLength(exact)).toBe(MAX_REPORT_BYTES);
    expect((await handleIntake(deps, signed(exact))).status).toBe(200);

    deps = freshDeps({ keys: new PartnerKeyRing(keySource) });
    keySource.fetches = 0;
    const overByOne = `${exact} `;
    const multibyte = bodyOf([{ token: A_CURRENT.key, url: `${URL_1}?${'é'.repeat(MAX_REPORT_BYTES / 2)}` }]);
    expect(multibyte.length).toBeLessThan(MAX_REPORT_BYTES * 1.01);
    for (const body of [overByOne, multibyte]) {
      const outcome = await handleIntake(deps, signed(body));
      expect(outcome).toEqual({
        status: 413,
        body: JSON.stringify({ message: 'payload too large' }),
        summary: { route: 'report', refused: 'MalformedReportError: malformed report: body too large' },
      });
    }
    expect(keySource.fetches).toBe(0);
  });

  test('rule: a signed body that is not a report is 400 and, not being processed, is not remembered', async () => {
    const request = signed('{"not":"a report"}');
    const outcome = await handleIntake(deps, request);
    expect(outcome).toEqual({
      status: 400,
      body: JSON.stringify({ message: 'bad request' }),
      summary: {
        route: 'report',
        refused: 'MalformedReportError: malformed report: unexpected shape at (root)',
      },
    });
    expect((await handleIntake(deps, request)).status).toBe(400);
    expect(managed.lists).toBe(0);
  });
});

describe('replays', () => {
  test('rule: a signed request processed once is 409 the second time and starts nothing more', async () => {
    const request = signed(report(A_CURRENT.key));
    expect((await handleIntake(deps, request)).status).toBe(200);
    const again = await handleIntake(deps, request);
    expect(again).toEqual({
      status: 409,
      body: JSON.stringify({ message: 'already received' }),
      summary: { route: 'report', refused: 'ReplayedReportError: replayed report refused' },
    });
    expect(leak.starts).toHaveLength(1);
    // A validity check is remembered too.
    const validity = signed(report(A_CURRENT.key), 'validity');
    expect((await handleIntake(deps, validity)).status).toBe(200);
    expect((await handleIntake(deps, validity)).status).toBe(409);
  });

  test('rule: a request our side failed on is 503 and not remembered, so the partner can retry it', async () => {
    const request = signed(report(A_CURRENT.key));
    managed.failure = Object.assign(new Error(`throttled while reading ${A_CURRENT.key}`), {
      name: 'ThrottlingException',
    });
    const outcome = await handleIntake(deps, request);
    expect(outcome).toEqual({
      status: 503,
      body: JSON.stringify({ message: 'try again later' }),
      summary: {
        route: 'report',
        refused: 'IntakeError: managed keys could not be read (ThrottlingException)',
      },
    });
    managed.failure = undefined;
    expect((await handleIntake(deps, request)).status).toBe(200);
    expect(leak.starts).toHaveLength(1);
  });

  test('rule: a failed leak start is 503 naming the step and the error class only; a thrown non-Error is NonError', async () => {
    leak.failure = Object.assign(new Error(`cannot start for ${A_CURRENT.key}`), {
      name: 'ThrottlingException',
    });
    const request = signed(report(A_CURRENT.key));
    const failed = await handleIntake(deps, request);
    expect([failed.status, failed.summary.refused]).toEqual([
      503,
      'IntakeError: the leak response could not be started (ThrottlingException)',
    ]);
    leak.failure = 'a string';
    expect((await handleIntake(deps, request)).summary.refused).toBe(
      'IntakeError: the leak response could not be started (NonError)',
    );
    leak.failure = undefined;
    expect((await handleIntake(deps, request)).status).toBe(200);
  });

  test("rule: a refusal a dependency raises in the intake's own terms keeps its status", async () => {
    leak.failure = new RateLimitedError();
    const outcome = await handleIntake(deps, signed(report(A_CURRENT.key)));
    expect([outcome.status, outcome.summary.refused]).toEqual([429, 'RateLimitedError: rate limited']);
  });

  test('rule: an error that is not a refusal is not answered as one: it propagates (the handler answers 500)', async () => {
    const broken = new TypeError('bucket broke');
    deps = freshDeps({
      bucket: {
        take: () => {
          throw broken;
        },
      } as unknown as TokenBucket,
    });
    await expect(handleIntake(deps, signed(report(A_CURRENT.key)))).rejects.toBe(broken);
  });
});

describe('what is acted on', () => {
  test('rule: only tokens this deployment issued are true positives and start a leak response; the log has counts only', async () => {
    const outcome = await handleIntake(
      deps,
      signed(report(STRANGER, A_CURRENT.key, 'ghp_not_ours', B_REVOKED.key)),
    );
    expect(outcome.status).toBe(200);
    expect(answers(outcome.body)).toEqual([
      { token_hash: sha(STRANGER), token_type: 'keyturn_live_api_key', label: 'false_positive' },
      { token_hash: sha(A_CURRENT.key), token_type: 'keyturn_live_api_key', label: 'true_positive' },
      { token_hash: sha('ghp_not_ours'), token_type: 'keyturn_live_api_key', label: 'false_positive' },
      // Revoked already, but issued here: still a true positive, and the leak response decides what to do.
      { token_hash: sha(B_REVOKED.key), token_type: 'keyturn_live_api_key', label: 'true_positive' },
    ]);
    expect(leak.starts.map((s) => s.event.detail.keyId)).toEqual([A_CURRENT.keyId, B_REVOKED.keyId]);
    expect(outcome.summary).toEqual({ route: 'report', matches: 4, managed: 2, started: 2, duplicates: 0 });
    const said = JSON.stringify(outcome) + JSON.stringify(leak.starts);
    for (const token of [STRANGER, A_CURRENT.key, B_REVOKED.key]) expect(said).not.toContain(token);
  });

  test('rule: a report of nothing managed starts nothing', async () => {
    const outcome = await handleIntake(deps, signed(report(STRANGER)));
    expect(labels(outcome.body)).toEqual(['false_positive']);
    expect(outcome.summary).toEqual({ route: 'report', matches: 1, managed: 0, started: 0, duplicates: 0 });
    expect(leak.starts).toEqual([]);
  });

  test('rule: the validity check is active only for a live managed key, starts nothing, and logs counts', async () => {
    const outcome = await handleIntake(
      deps,
      signed(report(A_CURRENT.key, A_PREVIOUS.key, B_REVOKED.key, STRANGER), 'validity'),
    );
    expect(outcome.status).toBe(200);
    expect(answers(outcome.body)).toEqual([
      { token_hash: sha(A_CURRENT.key), token_type: 'keyturn_live_api_key', label: 'active' },
      { token_hash: sha(A_PREVIOUS.key), token_type: 'keyturn_live_api_key', label: 'active' },
      { token_hash: sha(B_REVOKED.key), token_type: 'keyturn_live_api_key', label: 'inactive' },
      { token_hash: sha(STRANGER), token_type: 'keyturn_live_api_key', label: 'inactive' },
    ]);
    expect(outcome.summary).toEqual({ route: 'validity', matches: 4, managed: 3 });
    expect(leak.starts).toEqual([]);
  });
});

describe('the leak signal', () => {
  test('rule: each managed key version found gets the "API Key Leaked" event the leak response parses', async () => {
    await handleIntake(deps, signed(report(A_CURRENT.key)));
    expect(leak.starts).toHaveLength(1);
    const [{ name, event }] = leak.starts;
    expect(event).toEqual({
      version: '0',
      id: name,
      source: EVENTS.source,
      'detail-type': EVENTS.apiKeyLeaked,
      time: NOW.toISOString(),
      resources: [ARN_A],
      detail: { key: ARN_A, keyId: A_CURRENT.keyId, where: URL_1, reportedBy: REPORTED_BY },
    });
    expect(REPORTED_BY).toBe('GitHub secret scanning');
    expect(parseLeakEvent(event)).toMatchObject({ key: ARN_A, keyId: A_CURRENT.keyId, signalId: name });
  });

  test('rule: reportedBy names the partner the deployment configured', async () => {
    deps = freshDeps({ reportedBy: 'Partner X scanning' });
    await handleIntake(deps, signed(report(A_CURRENT.key)));
    expect(leak.starts[0].event.detail.reportedBy).toBe('Partner X scanning');
  });

  test('rule: one leak response per key version: a token listed twice starts one (from its first place), two versions of one secret start two', async () => {
    const body = bodyOf([
      { token: A_CURRENT.key, url: URL_1 },
      { token: A_CURRENT.key, url: URL_2 },
      { token: A_PREVIOUS.key, url: URL_2 },
    ]);
    const outcome = await handleIntake(deps, signed(body));
    expect(leak.starts.map((s) => [s.event.detail.keyId, s.event.detail.where])).toEqual([
      [A_CURRENT.keyId, URL_1],
      [A_PREVIOUS.keyId, URL_2],
    ]);
    expect(outcome.summary).toMatchObject({ matches: 3, managed: 3, started: 2, duplicates: 0 });
  });

  test('rule: the execution name is scan- and 48 hex characters, the same for the same key version and place on any container', async () => {
    await handleIntake(deps, signed(report(A_CURRENT.key, A_PREVIOUS.key)));
    const names = leak.starts.map((s) => s.name);
    for (const name of names) expect(name).toMatch(/^scan-[0-9a-f]{48}$/);
    expect(new Set(names).size).toBe(2);
    // Another container (new guards, index and ring), the same report from another place: a new name; the same
    // place again: the same names, so the leak response starts nothing new.
    const other = freshDeps();
    const elsewhere = bodyOf([{ token: A_CURRENT.key, url: URL_2 }]);
    expect((await handleIntake(other, signed(elsewhere))).summary).toMatchObject({
      started: 1,
      duplicates: 0,
    });
    const replayed = await handleIntake(freshDeps(), signed(report(A_CURRENT.key, A_PREVIOUS.key)));
    expect(replayed.summary).toMatchObject({ started: 0, duplicates: 2 });
    expect(leak.starts).toHaveLength(3);
  });

  test('rule: where is the URL, else the source or "public source" said to be without a URL, cut to 1024 characters', async () => {
    const long = `${URL_1}?${'q'.repeat(1500)}`;
    const body = bodyOf([
      { token: A_CURRENT.key, source: 'commit' },
      { token: A_PREVIOUS.key },
      { token: B_REVOKED.key, url: long },
    ]);
    await handleIntake(deps, signed(body));
    expect(leak.starts.map((s) => s.event.detail.where)).toEqual([
      'commit (reported without a URL)',
      'public source (reported without a URL)',
      long.slice(0, 1024),
    ]);
  });
});

test('rule: each refusal status has one terse public answer', async () => {
  const byStatus: Record<number, string> = {};
  const record = (o: { status: number; body: string }) =>
    (byStatus[o.status] = (JSON.parse(o.body) as { message: string }).message);
  record(await handleIntake(deps, signed('[')));
  record(await handleIntake(deps, { ...signed(report(A_CURRENT.key)), signature: undefined }));
  const once = signed(report(A_CURRENT.key));
  await handleIntake(deps, once);
  record(await handleIntake(deps, once));
  record(await handleIntake(deps, signed(' '.repeat(MAX_REPORT_BYTES + 1))));
  managed.failure = new Error('down');
  record(await handleIntake(freshDeps(), signed(report(A_PREVIOUS.key))));
  record(await handleIntake(freshDeps({ bucket: new TokenBucket(0, 0) }), signed(report(A_CURRENT.key))));
  expect(byStatus).toEqual({
    400: 'bad request',
    401: 'unauthorized',
    409: 'already received',
    413: 'payload too large',
    429: 'too many requests',
    503: 'try again later',
  });
});
