/**
 * The world a rotation property runs in: the stateful Secrets Manager fake, a provider (the recording fake with
 * side effects, or the real self-issued provider), a random schedule of actions, and the invariants checked after
 * every action and once the service's own retries have settled things.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as fc from 'fast-check';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { BOOTSTRAP_SECRET_VALUE, STAGE, TAGS, type RotationStep } from '../../lambdas/core/constants';
import { KeyturnError } from '../../lambdas/core/errors';
import type { KeyContext, KeyProvider } from '../../lambdas/core/provider';
import { runRotationStep, type RotationDeps } from '../../lambdas/core/rotation';
import { parseSecretContent, serializeStoredKey, type StoredKey } from '../../lambdas/core/stored-key';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';
import { RECORDING_PROVIDER, RecordingProvider, type ProviderFault } from '../helpers/provider-fake';
import { FakeSecretsManager, throttling, timeout } from '../helpers/secrets-manager-fake';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { deployedRegistry } from '../helpers/registry';

export const PROPERTY_RUNS = Number(process.env.KEYTURN_PROPERTY_RUNS ?? 1000);
export const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** Deterministic UUIDs so a failing case replays exactly from its seed. */
export const tokenNo = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export function serverError(): Error {
  const error = new Error('Internal service error');
  error.name = 'InternalServiceError';
  return error;
}

/** Errors a step may surface: ours (typed), and the SDK's own transient/service errors passed through. */
export const PASS_THROUGH_SDK_ERRORS = new Set([
  'ThrottlingException',
  'TimeoutError',
  'InternalServiceError',
  'InvalidRequestException',
]);

const SDK_FAULTS = { throttling, timeout, server: serverError } as const;
type SdkCommand = 'DescribeSecret' | 'GetSecretValue' | 'PutSecretValue' | 'UpdateSecretVersionStage';

/** Which token a step is sent with, resolved when it runs: the schedule stays meaningful across rotations. */
export type TokenRef = 'pending' | 'current' | 'previous' | 'older' | 'unknown';

export type Action =
  | { kind: 'begin' }
  | { kind: 'steps-in-order' }
  | { kind: 'concurrent'; steps: [RotationStep, RotationStep] }
  | { kind: 'step'; step: RotationStep; token: TokenRef }
  | { kind: 'sdk-fault'; command: SdkCommand; when: 'before' | 'after'; error: keyof typeof SDK_FAULTS }
  | { kind: 'provider-fault'; fault: ProviderFault }
  | { kind: 'retire'; which: 'first' | 'last'; twice: boolean };

const stepArb = fc.constantFrom(...STEPS);
const tokenArb = fc.constantFrom<TokenRef>(
  'pending',
  'pending',
  'pending',
  'pending',
  'current',
  'previous',
  'older',
  'unknown',
);

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Action>({ kind: 'begin' }) },
  { weight: 3, arbitrary: fc.constant<Action>({ kind: 'steps-in-order' }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('concurrent' as const), steps: fc.tuple(stepArb, stepArb) }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('step' as const), step: stepArb, token: tokenArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('sdk-fault' as const),
      command: fc.constantFrom<SdkCommand>(
        'DescribeSecret',
        'GetSecretValue',
        'PutSecretValue',
        'UpdateSecretVersionStage',
      ),
      when: fc.constantFrom<'before' | 'after'>('before', 'after'),
      error: fc.constantFrom<keyof typeof SDK_FAULTS>('throttling', 'timeout', 'server'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('provider-fault' as const),
      fault: fc.constantFrom<ProviderFault>(
        'create-before',
        'create-after',
        'activate-throw',
        'verify-throw',
        'verify-refuse',
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('retire' as const),
      which: fc.constantFrom<'first' | 'last'>('first', 'last'),
      twice: fc.boolean(),
    }),
  },
);

export interface Scenario {
  provider: 'recording' | 'self-issued';
  startFrom: 'bootstrap' | 'key';
  propagationDelay: number;
  actions: Action[];
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  provider: fc.constantFrom<'recording' | 'self-issued'>('recording', 'self-issued'),
  startFrom: fc.constantFrom<'bootstrap' | 'key'>('bootstrap', 'key'),
  propagationDelay: fc.integer({ min: 0, max: 4 }),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 30 }),
});

/**
 * Retirement as finishSecret arranges it: the (ctx, previous version) pairs handed to `afterPromotion`.
 * `retire` revokes the key a scheduled entry names, the way the retire function does when its schedule fires
 * (possibly early, possibly twice); it is injected so the retire function's own logic can be plugged in.
 */
export type RetireFn = (world: RotationWorld, ctx: KeyContext, versionId: string) => Promise<void>;

export class RotationWorld {
  readonly sm: FakeSecretsManager;
  readonly recording = new RecordingProvider();
  readonly provider: KeyProvider;
  readonly deps: RotationDeps;
  /** What createSecret recorded issuing (the start key too: an earlier rotation issued it). */
  readonly issuance = new MemoryIssuanceLog();
  readonly scheduled: Array<{ ctx: KeyContext; versionId: string }> = [];
  /** Promotions seen before `settle` (to show a schedule really rotated under faults). */
  promotionsUnderFaults = 0;
  private settling = false;
  readonly thrown: Error[] = [];
  readonly violations: string[] = [];
  readonly tokens: string[] = [];
  secretArn = '';
  private nextToken = 1;

  constructor(
    sm: FakeSecretsManager,
    readonly scenario: Scenario,
    private readonly retire?: RetireFn,
    /** How a step reaches the code: the core function by default, or the deployed handler. */
    private readonly invoke?: (event: {
      Step: RotationStep;
      SecretId: string;
      ClientRequestToken: string;
    }) => Promise<unknown>,
  ) {
    this.sm = sm;
    this.provider = scenario.provider === 'recording' ? this.recording : new SelfIssuedProvider();
    this.recording.propagationDelay = scenario.propagationDelay;
    this.recording.onRevoke = (key) => this.checkRevocation(key.keyId);
    this.deps = {
      store: new SecretsManagerSecretStore(new SecretsManagerClient({})),
      providers: new MapProviderRegistry([this.provider]),
      registry: deployedRegistry(sm),
      issuance: this.issuance,
      sleep: async () => undefined,
      now: () => new Date('2026-01-01T00:00:00Z'),
      afterPromotion: async (ctx, previous) => this.onPromotion(ctx, previous),
    };
  }

  async setUp(): Promise<void> {
    const tags = managedTags({ [TAGS.provider]: this.provider.kind });
    const seedToken = tokenNo(0);
    let value = BOOTSTRAP_SECRET_VALUE;
    if (this.scenario.startFrom === 'key') {
      // The secret's first key, issued the way an earlier rotation would have.
      const issued =
        this.provider === this.recording
          ? this.recording.seed(seedToken)
          : await this.provider.create(this.contextFor(seedToken), async () => undefined);
      value = serializeStoredKey({
        keyturn: 1,
        provider: this.provider.kind,
        keyId: issued.keyId,
        key: issued.key,
        createdAt: '2025-12-01T00:00:00.000Z',
      });
    }
    const secret = this.sm.addSecret('keyturn/prod/billing-api', { value, tags, versionId: seedToken });
    this.secretArn = secret.arn;
    const seeded = parseSecretContent(value);
    if (seeded.ok && seeded.content.kind === 'key') {
      await this.issuance.recordIssued({
        secretName: secret.name,
        secretArn: secret.arn,
        versionId: seedToken,
        keyId: seeded.content.key.keyId,
        keyName: 'billing-api',
        environment: 'prod',
        at: '2025-12-01T00:00:00.000Z',
      });
    }
    this.tokens.push(seedToken);
  }

  async apply(action: Action): Promise<void> {
    switch (action.kind) {
      case 'begin': {
        const token = tokenNo(this.nextToken++);
        try {
          this.sm.beginRotation(this.secretArn, token);
          this.tokens.push(token);
        } catch {
          // "A previous rotation isn't complete": the service refuses, as it should.
        }
        return;
      }
      case 'step':
        await this.step(action.step, this.resolve(action.token));
        return;
      case 'concurrent': {
        // Two invocations in flight at once (a retry that overtakes a slow first attempt).
        const token = this.resolve('pending');
        await Promise.all(action.steps.map((step) => this.step(step, token)));
        return;
      }
      case 'steps-in-order': {
        // One attempt of the service at the pending rotation: all four steps, stopping at the first failure.
        const token = this.resolve('pending');
        for (const step of STEPS) if (!(await this.step(step, token))) return;
        return;
      }
      case 'sdk-fault':
        this.sm.faults.push({
          command: action.command,
          when: action.when,
          error: SDK_FAULTS[action.error](),
        });
        return;
      case 'provider-fault':
        this.recording.faults.push(action.fault);
        return;
      case 'retire': {
        if (!this.retire || this.scheduled.length === 0) return;
        const entry =
          action.which === 'first' ? this.scheduled[0] : this.scheduled[this.scheduled.length - 1];
        for (let i = 0; i < (action.twice ? 2 : 1); i++) {
          try {
            await this.retire(this, entry.ctx, entry.versionId);
          } catch (error) {
            this.record(error);
          }
        }
        return;
      }
    }
  }

  /** One step as Secrets Manager would invoke it; errors are collected, never swallowed unchecked. */
  async step(step: RotationStep, token: string): Promise<boolean> {
    try {
      const event = { Step: step, SecretId: this.secretArn, ClientRequestToken: token };
      await (this.invoke ? this.invoke(event) : runRotationStep(this.deps, event));
      return true;
    } catch (error) {
      this.record(error);
      return false;
    }
  }

  /** What the service does after faults stop: it retries the pending rotation until it completes. */
  async settle(): Promise<void> {
    this.settling = true;
    this.sm.faults.length = 0;
    this.recording.clearFaults();
    for (let attempt = 0; attempt < 6 && this.pendingToken(); attempt++) {
      const token = this.pendingToken()!;
      for (const step of STEPS) if (!(await this.step(step, token))) break;
    }
  }

  /** The overlap windows pass: every scheduled retirement fires (again, for those that fired early). */
  async retireAll(): Promise<void> {
    if (!this.retire) return;
    for (const entry of this.scheduled) {
      try {
        await this.retire(this, entry.ctx, entry.versionId);
      } catch (error) {
        this.record(error);
      }
    }
  }

  pendingToken(): string | undefined {
    for (const [id, v] of this.sm.find(this.secretArn).versions) {
      if (v.stages.has(STAGE.pending) && !v.stages.has(STAGE.current)) return id;
    }
    return undefined;
  }

  currentKey(): StoredKey | 'bootstrap' | 'malformed' | undefined {
    const value = this.sm.valueAt(this.secretArn, STAGE.current);
    if (value === undefined) return undefined;
    const parsed = parseSecretContent(value);
    if (!parsed.ok) return 'malformed';
    return parsed.content.kind === 'key' ? parsed.content.key : 'bootstrap';
  }

  /** Invariants that hold after every action. */
  async checkAlways(label: string): Promise<void> {
    const versions = [...this.sm.find(this.secretArn).versions.entries()];
    const current = versions.filter(([, v]) => v.stages.has(STAGE.current));
    if (current.length !== 1) this.violations.push(`${label}: ${current.length} AWSCURRENT versions`);
    const key = this.currentKey();
    if (key === undefined || key === 'malformed')
      this.violations.push(`${label}: AWSCURRENT holds ${key ?? 'no value'}`);
    else if (key !== 'bootstrap' && !(await this.providerAccepts(key))) {
      this.violations.push(`${label}: the provider does not accept the AWSCURRENT key ${key.keyId}`);
    }
  }

  /** Invariants once the service's retries have run to completion. */
  async checkSettled(): Promise<void> {
    await this.checkAlways('settled');
    if (this.pendingToken())
      this.violations.push('settled: a rotation is still pending after fault-free retries');
    if (this.tokens.length > 1 && this.currentKey() === 'bootstrap') {
      this.violations.push('settled: a rotation ran but AWSCURRENT still holds the bootstrap value');
    }
    const recorded = new Set(
      this.sm.allValues().flatMap((value) => {
        const parsed = parseSecretContent(value);
        return parsed.ok && parsed.content.kind === 'key' ? [parsed.content.key.keyId] : [];
      }),
    );
    for (const key of this.recording.liveKeys()) {
      if (!recorded.has(key.keyId))
        this.violations.push(`settled: orphan provider key ${key.keyId} (token ${key.token})`);
    }
    for (const error of this.thrown) {
      const typed = error instanceof KeyturnError || PASS_THROUGH_SDK_ERRORS.has(error.name);
      if (!typed) this.violations.push(`untyped error ${error.name}: ${error.message}`);
    }
  }

  /** Key material (whole or any 12-character window of its random part) found in `text`. */
  leaksIn(text: string): string[] {
    const found: string[] = [];
    const material = [
      ...this.recording.allKeyMaterial(),
      ...this.sm.allValues().flatMap((v) => {
        const parsed = parseSecretContent(v);
        return parsed.ok && parsed.content.kind === 'key' ? [parsed.content.key.key] : [];
      }),
    ];
    for (const key of material) {
      const body = key.replace(/^[a-z0-9]+_(?:[a-z0-9]+_)?/, '');
      for (let i = 0; i + 12 <= body.length; i += 6) {
        if (text.includes(body.slice(i, i + 12))) {
          found.push(`a fragment of key ${key.slice(0, 8)}…`);
          break;
        }
      }
    }
    return found;
  }

  private async providerAccepts(key: StoredKey): Promise<boolean> {
    if (this.provider === this.recording) return this.recording.accepts(key);
    const ctx = this.contextFor(tokenNo(0));
    return (await this.provider.verify(ctx, key)).accepted;
  }

  private contextFor(token: string): KeyContext {
    return {
      secretId: this.secretArn,
      secretName: 'keyturn/prod/billing-api',
      token,
      policy: {
        keyName: 'billing-api',
        provider: this.provider.kind,
        environment: 'prod',
        tier: 'critical',
        overlapHours: 24,
        leakPolicy: 'revoke-first',
        linkedSystems: [],
        providerSettings: { 'key-prefix': 'kt_live_' },
      },
    };
  }

  private onPromotion(ctx: KeyContext, previous: string | undefined): void {
    if (!this.settling) this.promotionsUnderFaults++;
    const currentId = this.sm.versionWith(this.secretArn, STAGE.current);
    if (currentId !== ctx.token)
      this.violations.push(`afterPromotion for ${ctx.token} while ${currentId} is AWSCURRENT`);
    if (previous !== undefined) {
      if (previous === currentId)
        this.violations.push(`afterPromotion would retire the AWSCURRENT version ${previous}`);
      if (!this.scheduled.some((s) => s.versionId === previous))
        this.scheduled.push({ ctx, versionId: previous });
    }
  }

  /** At the moment of any revocation: the key is not AWSCURRENT, and its successor was verified. */
  private checkRevocation(keyId: string): void {
    const key = this.currentKey();
    if (typeof key !== 'object') return;
    if (key.keyId === keyId) this.violations.push(`revoked ${keyId} while it is AWSCURRENT`);
    const successor = this.recording.keys.get(key.keyId);
    if (this.provider === this.recording && !successor?.everAccepted) {
      this.violations.push(`revoked ${keyId} before its successor ${key.keyId} was ever verified`);
    }
  }

  private resolve(ref: TokenRef): string {
    const secret = this.sm.find(this.secretArn);
    const withStage = (stage: string) => [...secret.versions].find(([, v]) => v.stages.has(stage))?.[0];
    switch (ref) {
      case 'pending':
        return this.pendingToken() ?? this.tokens[this.tokens.length - 1];
      case 'current':
        return withStage(STAGE.current)!;
      case 'previous':
        return withStage(STAGE.previous) ?? this.tokens[0];
      case 'older':
        return this.tokens[0];
      case 'unknown':
        return tokenNo(0xfffff);
    }
  }

  private record(error: unknown): void {
    this.thrown.push(error instanceof Error ? error : new Error(`non-Error thrown: ${typeof error}`));
  }
}

/** The provider registry kind used by the recording fake (for tags). */
export { RECORDING_PROVIDER };
