/**
 * The secret scanning intake, pure: rate limit → size → partner signature → replay → parse → keyed-hash lookup →
 * (report) start the leak response for each managed key found, in parallel → answer per token. A validity check
 * answers `active` only for a token that is a live managed key, and `inactive` for everything else (unknown,
 * retired and revoked alike), with nothing about any other token; it starts nothing.
 */
import { hash } from 'node:crypto';
import { EVENTS } from '../constants';
import { IntakeError, MalformedReportError, RateLimitedError, ReplayedReportError } from './errors';
import type { ReplayGuard, TokenBucket } from './guards';
import { answerFor, MAX_REPORT_BYTES, parseReport, type ReportedMatch, type TokenAnswer } from './report';
import { verifyPartnerSignature, type PartnerKeyRing } from './signature';
import type { IndexedKey, TokenIndex } from './token-index';

export interface LeakStarter {
  /** Start the leak response with `event` as its signal, named `name` (a second start of a name starts nothing). */
  start(name: string, event: LeakSignalEvent): Promise<'started' | 'duplicate'>;
}

/** The keyturn "API Key Leaked" event, as the leak response's rule would deliver it. */
export interface LeakSignalEvent {
  version: '0';
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  resources: string[];
  detail: { key: string; keyId: string; where: string; reportedBy: string };
}

export interface IntakeDeps {
  keys: PartnerKeyRing;
  index: TokenIndex;
  leak: LeakStarter;
  bucket: TokenBucket;
  replays: ReplayGuard;
  now: () => Date;
  /** @default 'GitHub secret scanning' */
  reportedBy?: string;
}

export interface IntakeRequest {
  route: 'report' | 'validity';
  body: string;
  keyId?: string;
  signature?: string;
}

export interface IntakeOutcome {
  status: number;
  body: string;
  /** For the log: counts and public ids only. */
  summary: {
    route: IntakeRequest['route'];
    refused?: string;
    matches?: number;
    managed?: number;
    started?: number;
    duplicates?: number;
  };
}

export const REPORTED_BY = 'GitHub secret scanning';

export async function handleIntake(deps: IntakeDeps, request: IntakeRequest): Promise<IntakeOutcome> {
  const { route } = request;
  try {
    if (!deps.bucket.take()) throw new RateLimitedError();
    if (Buffer.byteLength(request.body) > MAX_REPORT_BYTES)
      throw new MalformedReportError('body too large', 413);
    await verifyPartnerSignature(deps.keys, request.body, request.keyId, request.signature);
    if (deps.replays.seen(request.signature!)) throw new ReplayedReportError();
    const matches = parseReport(request.body);
    const found = await unavailableOnFailure('managed keys could not be read', () =>
      deps.index.lookup(matches.map((m) => m.token)),
    );
    let outcome: IntakeOutcome;
    if (route === 'validity') {
      const answers = matches.map((m, i) => answerFor(m, found[i]?.live ? 'active' : 'inactive'));
      outcome = ok(answers, { route, matches: matches.length, managed: found.filter(Boolean).length });
    } else {
      const { started, duplicates } = await unavailableOnFailure(
        'the leak response could not be started',
        () => startLeaks(deps, matches, found),
      );
      const answers = matches.map((m, i) => answerFor(m, found[i] ? 'true_positive' : 'false_positive'));
      outcome = ok(answers, {
        route,
        matches: matches.length,
        managed: found.filter(Boolean).length,
        started,
        duplicates,
      });
    }
    deps.replays.remember(request.signature!);
    return outcome;
  } catch (error) {
    if (!(error instanceof IntakeError)) throw error;
    // One terse answer per status: the reason goes to the log only.
    return {
      status: error.status,
      body: JSON.stringify({ message: PUBLIC_MESSAGES[error.status] }),
      summary: { route, refused: `${error.name}: ${error.message}` },
    };
  }
}

/** A failure of our own side: 503, so the partner retries the report later (its signature is not yet remembered). */
async function unavailableOnFailure<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof IntakeError) throw error;
    const name = error instanceof Error ? error.name : 'NonError';
    throw new IntakeError(503, `${what} (${name})`, { cause: error });
  }
}

const PUBLIC_MESSAGES: Record<IntakeError['status'], string> = {
  400: 'bad request',
  401: 'unauthorized',
  409: 'already received',
  413: 'payload too large',
  429: 'too many requests',
  503: 'try again later',
};

function ok(answers: Array<TokenAnswer<string>>, summary: IntakeOutcome['summary']): IntakeOutcome {
  return { status: 200, body: JSON.stringify(answers), summary };
}

/** One leak response per managed key version found (a report may list one token several times). */
async function startLeaks(deps: IntakeDeps, matches: ReportedMatch[], found: Array<IndexedKey | undefined>) {
  const byVersion = new Map<string, { key: IndexedKey; match: ReportedMatch }>();
  matches.forEach((match, i) => {
    const key = found[i];
    if (key && !byVersion.has(`${key.secretArn}#${key.versionId}`))
      byVersion.set(`${key.secretArn}#${key.versionId}`, { key, match });
  });
  const results = await Promise.all(
    [...byVersion.values()].map(({ key, match }) => {
      const where = (match.url ?? `${match.source ?? 'public source'} (reported without a URL)`).slice(
        0,
        1024,
      );
      const digest = hash('sha256', `${key.secretArn}\n${key.versionId}\n${where}`, 'hex').slice(0, 48);
      const name = `scan-${digest}`;
      return deps.leak.start(name, {
        version: '0',
        id: name,
        source: EVENTS.source,
        'detail-type': EVENTS.apiKeyLeaked,
        time: deps.now().toISOString(),
        resources: [key.secretArn],
        detail: {
          key: key.secretArn,
          keyId: key.keyId,
          where,
          reportedBy: deps.reportedBy ?? REPORTED_BY,
        },
      });
    }),
  );
  return {
    started: results.filter((r) => r === 'started').length,
    duplicates: results.filter((r) => r === 'duplicate').length,
  };
}
