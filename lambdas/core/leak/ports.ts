/** What the leak response needs from the outside world; adapters in lambdas/aws, fakes in tests. */
import type { IssuanceLog, UnissuedKeyError } from '../issuance';
import type { Ledger, SecretDescription } from '../ports';
import type { ProviderRegistry } from '../provider';
import type { KeyRegistry } from '../registry';
import type { RevocationPublisher } from '../revocations';
import type { Sleep } from '../retry';
import type { AuditSummary, TrailRecord } from './audit-summary';
import type { ApprovalState, IncidentAction, LeakState } from './state';
import { KeyturnError } from '../errors';

/** The secret does not exist (or is not visible to keyturn). */
export class SecretNotFoundError extends KeyturnError {}

export interface StageRead {
  versionId: string;
  value: string;
}

/** What on-call gets (SnsNotifier.publish takes it as is). Never key material. */
export interface LeakNotification {
  severity: 'critical' | 'notice';
  kind:
    | 'leak-contained'
    | 'leak'
    | 'leak-unmanaged'
    | 'leak-escalated'
    | 'leak-still-accepted'
    | 'leak-approval-needed'
    | 'leak-approval-ended';
  subject: string;
  message: string;
  keyName?: string;
  environment?: string;
}

export interface LeakSecrets {
  /** DescribeSecret; SecretNotFoundError when there is no such secret. */
  describe(secretId: string): Promise<SecretDescription>;
  /** The value labelled `stage`, or undefined when no version carries it. */
  readStage(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<StageRead | undefined>;
  readVersion(secretId: string, versionId: string): Promise<string | undefined>;
  /** Write the revoked-versions tag (the full list: the caller merged it). */
  markRevoked(secretId: string, versionIds: string[]): Promise<void>;
  /** RotateSecret now; `in-progress` when a rotation is already running (it will produce the replacement). */
  rotateNow(secretId: string, clientRequestToken: string): Promise<'started' | 'in-progress'>;
  /** Managed secrets whose key-name tag is `keyName` (optionally in one environment). */
  findByKeyName(keyName: string, environment?: string): Promise<string[]>;
  /** The managed secret whose AWSCURRENT or AWSPREVIOUS key has this public id (IAM AccessKeyId). */
  findByKeyId(keyId: string): Promise<string | undefined>;
}

export interface IncidentRecord {
  id: string;
  status: 'open' | 'resolved' | 'escalated';
  severity: 'critical' | 'notice';
  key: string;
  unmanaged: boolean;
  environment?: string;
  owner?: string;
  secretArn?: string;
  provider?: string;
  policy?: string;
  detectedAt: string;
  exposedAt?: string;
  where: string;
  reportedBy: string;
  signals: number;
  revoked: boolean;
  rotation: string;
  newVersion?: string;
  verified?: boolean;
  secondCheck?: string;
  actions: IncidentAction[];
  audit?: AuditSummary;
  impact: string;
  updatedAt: string;
  /** A held response's approval (status, who, when); the blast-radius cap held it. */
  approval?: ApprovalState;
  /**
   * The waiting task's token while a held response waits (the CLI sends it back with SendTaskSuccess/Failure).
   * A capability: never logged, paged or shown; removed once the approval ends.
   */
  approvalToken?: string;
}

export interface IncidentStore {
  /**
   * Open the incident, or join the one open for the same key within the window (a duplicate signal).
   * `incidentId` that already holds the marker is this very response retried: `opened` again.
   */
  openOrJoin(input: {
    marker: string;
    record: IncidentRecord;
    now: Date;
    windowSeconds: number;
  }): Promise<{ outcome: 'opened' | 'joined'; incidentId: string }>;
  /** Write the record. A record whose approval has ended loses its task token. */
  save(record: IncidentRecord): Promise<void>;
  get(id: string): Promise<IncidentRecord | undefined>;
  /** Keep the waiting task's token on the incident (the record exists: contain wrote it). */
  attachApprovalToken(id: string, token: string): Promise<void>;
  /** Free the key's open-incident marker if this incident holds it: the next signal starts a new response. */
  releaseMarker(marker: string, incidentId: string): Promise<void>;
}

/**
 * The blast-radius cap's count: how many incidents revoked (or are about to revoke) a key within the window.
 * Atomic (concurrent responses cannot both take the last place) and keyed by incident (a retry counts once).
 */
export interface RevocationBudget {
  readonly maxRevocations: number;
  readonly windowSeconds: number;
  /** Take a place for this incident, or learn that the window is full (nothing is counted then). */
  claim(incidentId: string, now: Date): Promise<BudgetClaim>;
}

export interface BudgetClaim {
  admitted: boolean;
  /** Give the place back (the response turned out to revoke nothing). */
  release(): Promise<void>;
}

export interface TrailLookup {
  /** Events with this lookup attribute in [from, to], at most `max`; `truncated` when more exist. Throws on throttling. */
  lookup(
    attribute: { key: 'AccessKeyId' | 'ResourceName'; value: string },
    from: Date,
    to: Date,
    max: number,
  ): Promise<{ records: TrailRecord[]; truncated: boolean }>;
}

export interface LeakDeps {
  secrets: LeakSecrets;
  providers: ProviderRegistry;
  /** The deployed registry: a secret not in it is not a key (no provider call); its policy comes from here. */
  registry: KeyRegistry;
  /** What keyturn issued: only a key id recorded for that secret and version is revoked at the provider. */
  issuance: IssuanceLog;
  /** A leaked key keyturn did not issue was not revoked: page on-call (critical) and count it. @default - none */
  reportUnissued?: (error: UnissuedKeyError) => Promise<unknown>;
  incidents: IncidentStore;
  trail: TrailLookup;
  notify: (n: LeakNotification) => Promise<unknown>;
  ledger?: Ledger;
  /** The revocation table verifiers poll (lambdas/core/revocations.ts); written at contain. @default - none */
  revocations?: RevocationPublisher;
  now: () => Date;
  sleep?: Sleep;
  secretPrefix: string;
  /** A second signal for the same key within this many seconds joins the open incident. */
  dedupeWindowSeconds: number;
  /**
   * The blast-radius cap (gate.ts). The handler always sets it (lambdas/leak/handler.ts).
   * @default - no cap (tests of other steps only)
   */
  budget?: RevocationBudget;
}

export type LeakTask = (deps: LeakDeps, state: LeakState) => Promise<LeakState>;
