/**
 * A stateful Secrets Manager fake behind aws-sdk-client-mock, keeping versions and staging labels the way the
 * service documents them:
 * - a rotation starts with a version (VersionId = token) labelled AWSPENDING and no value; GetSecretValue of it
 *   answers ResourceNotFoundException until a value is put;
 * - PutSecretValue is idempotent per ClientRequestToken (same value: no-op; other value: ResourceExistsException);
 * - moving AWSCURRENT labels the old current version AWSPREVIOUS;
 * - moving a label attached elsewhere needs the right RemoveFromVersionId.
 * Faults can be injected per command, before or after the write takes effect (a timeout after success).
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  ListSecretsCommand,
  RotateSecretCommand,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export interface FakeVersion {
  value?: string;
  stages: Set<string>;
  created: Date;
}

export interface FakeSecret {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  tags: Record<string, string>;
  versions: Map<string, FakeVersion>;
  lastRotatedDate?: Date;
  lastAccessedDate?: Date;
  deleted?: boolean;
  /** DescribeSecret's KmsKeyId; absent: the AWS-managed key (aws/secretsmanager). */
  kmsKeyId?: string;
}

/** The KMS key the fake's secrets are encrypted with unless a test says otherwise (keyturn's key in tests). */
export const FAKE_KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-keyturn-test-key';

type CommandName =
  | 'DescribeSecret'
  | 'GetSecretValue'
  | 'PutSecretValue'
  | 'UpdateSecretVersionStage'
  | 'ListSecrets'
  | 'RotateSecret';

export interface Fault {
  command: CommandName;
  /** `before`: fail without effect; `after`: apply the call, then fail (a lost response). */
  when: 'before' | 'after';
  error: Error;
}

const meta = { $metadata: {} };
export const notFound = (message: string) => new ResourceNotFoundException({ message, ...meta });

export function throttling(): Error {
  const error = new Error('Rate exceeded');
  error.name = 'ThrottlingException';
  return error;
}

export function timeout(): Error {
  const error = new Error('socket hang up');
  error.name = 'TimeoutError';
  return error;
}

export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeSecret>();
  readonly faults: Fault[] = [];
  readonly mock: AwsClientStub<SecretsManagerClient>;
  private readonly region = 'eu-west-1';
  private readonly account = '111122223333';

  constructor(mock?: AwsClientStub<SecretsManagerClient>) {
    this.mock = mock ?? mockClient(SecretsManagerClient);
    this.install();
  }

  /** Clear state and re-install handlers (call in beforeEach after the mock's reset). */
  reset(): void {
    this.secrets.clear();
    this.faults.length = 0;
    this.mock.reset();
    this.install();
  }

  /** Create a secret with one AWSCURRENT version holding `value`. */
  addSecret(
    name: string,
    opts: {
      value: string;
      tags?: Record<string, string>;
      rotationEnabled?: boolean;
      versionId?: string;
      /** `null`: the AWS-managed key. */
      kmsKeyId?: string | null;
    },
  ): FakeSecret {
    const arn = `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomUUID().slice(0, 6)}`;
    const secret: FakeSecret = {
      arn,
      name,
      rotationEnabled: opts.rotationEnabled ?? true,
      tags: { ...(opts.tags ?? {}) },
      ...(opts.kmsKeyId === null ? {} : { kmsKeyId: opts.kmsKeyId ?? FAKE_KMS_KEY_ARN }),
      versions: new Map([
        [
          opts.versionId ?? randomUUID(),
          { value: opts.value, stages: new Set(['AWSCURRENT']), created: new Date() },
        ],
      ]),
    };
    this.secrets.set(arn, secret);
    return secret;
  }

  /** What the service does before invoking createSecret: a new version labelled AWSPENDING, without a value. */
  beginRotation(secretId: string, token: string = randomUUID()): string {
    const secret = this.find(secretId);
    for (const [id, version] of secret.versions) {
      if (version.stages.has('AWSPENDING') && !version.stages.has('AWSCURRENT') && id !== token) {
        throw new InvalidRequestException({
          message: "A previous rotation isn't complete. That rotation will be reattempted.",
          ...meta,
        });
      }
    }
    if (!secret.versions.has(token))
      secret.versions.set(token, { stages: new Set(['AWSPENDING']), created: new Date() });
    return token;
  }

  find(secretId: string): FakeSecret {
    const secret =
      this.secrets.get(secretId) ??
      [...this.secrets.values()].find((s) => s.name === secretId || s.arn.startsWith(`${secretId}-`));
    if (!secret || secret.deleted) throw notFound("Secrets Manager can't find the specified secret.");
    return secret;
  }

  versionWith(secretId: string, stage: string): string | undefined {
    for (const [id, v] of this.find(secretId).versions) if (v.stages.has(stage)) return id;
    return undefined;
  }

  valueAt(secretId: string, stage: string): string | undefined {
    const id = this.versionWith(secretId, stage);
    return id ? this.find(secretId).versions.get(id)?.value : undefined;
  }

  /** Every value ever stored, for "no key material leaked" checks. */
  allValues(): string[] {
    return [...this.secrets.values()].flatMap((s) =>
      [...s.versions.values()].flatMap((v) => (v.value ? [v.value] : [])),
    );
  }

  /** A deep copy of the observable state, to assert "state unchanged". */
  snapshot(): unknown {
    return [...this.secrets.values()].map((s) => ({
      arn: s.arn,
      rotationEnabled: s.rotationEnabled,
      versions: [...s.versions.entries()].map(([id, v]) => [id, v.value ?? null, [...v.stages].sort()]),
    }));
  }

  callCount(command?: CommandName): number {
    return this.mock.calls().filter((c) => !command || c.args[0].constructor.name === `${command}Command`)
      .length;
  }

  private takeFault(command: CommandName, when: 'before' | 'after'): Error | undefined {
    const index = this.faults.findIndex((f) => f.command === command && f.when === when);
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0].error;
  }

  /** Injected round-trip time of every call (the leak benchmark sets it; tests leave it at 0). */
  latencyMs = 0;

  /** Wait out the injected round-trip time, if any. */
  async roundTrip(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }

  private wrap<I, O>(command: CommandName, apply: (input: I) => O): (input: I) => Promise<O> {
    return async (input: I) => {
      await this.roundTrip();
      const before = this.takeFault(command, 'before');
      if (before) throw before;
      const out = apply(input);
      const after = this.takeFault(command, 'after');
      if (after) throw after;
      return out;
    };
  }

  private install(): void {
    this.mock.on(DescribeSecretCommand as never).callsFake(
      this.wrap('DescribeSecret', (input: { SecretId: string }) => {
        const s = this.find(input.SecretId);
        const versionIdsToStages: Record<string, string[]> = {};
        for (const [id, v] of s.versions) if (v.stages.size) versionIdsToStages[id] = [...v.stages];
        return {
          ARN: s.arn,
          Name: s.name,
          RotationEnabled: s.rotationEnabled,
          VersionIdsToStages: versionIdsToStages,
          Tags: Object.entries(s.tags).map(([Key, Value]): Tag => ({ Key, Value })),
          ...(s.kmsKeyId ? { KmsKeyId: s.kmsKeyId } : {}),
          LastRotatedDate: s.lastRotatedDate,
          LastAccessedDate: s.lastAccessedDate,
        };
      }),
    );
    this.mock.on(GetSecretValueCommand as never).callsFake(
      this.wrap(
        'GetSecretValue',
        (input: { SecretId: string; VersionId?: string; VersionStage?: string }) => {
          const s = this.find(input.SecretId);
          const id = input.VersionId ?? this.versionWith(input.SecretId, input.VersionStage ?? 'AWSCURRENT');
          const version = id ? s.versions.get(id) : undefined;
          if (!id || !version || version.value === undefined) {
            throw notFound(
              "Secrets Manager can't find the specified secret value for VersionId or staging label.",
            );
          }
          if (input.VersionStage && !version.stages.has(input.VersionStage)) {
            throw notFound("Secrets Manager can't find the specified secret value for staging label.");
          }
          s.lastAccessedDate = new Date();
          return {
            ARN: s.arn,
            Name: s.name,
            VersionId: id,
            SecretString: version.value,
            VersionStages: [...version.stages],
          };
        },
      ),
    );
    this.mock.on(PutSecretValueCommand as never).callsFake(
      this.wrap(
        'PutSecretValue',
        (input: {
          SecretId: string;
          ClientRequestToken?: string;
          SecretString?: string;
          VersionStages?: string[];
        }) => {
          const s = this.find(input.SecretId);
          const token = input.ClientRequestToken ?? randomUUID();
          const existing = s.versions.get(token);
          if (existing?.value !== undefined) {
            if (existing.value !== input.SecretString) {
              throw new ResourceExistsException({
                message: "You can't modify an existing version, you can only create a new version.",
                ...meta,
              });
            }
            return { ARN: s.arn, Name: s.name, VersionId: token, VersionStages: [...existing.stages] };
          }
          const version = existing ?? { stages: new Set<string>(), created: new Date() };
          version.value = input.SecretString;
          s.versions.set(token, version);
          for (const stage of input.VersionStages ?? ['AWSCURRENT']) this.moveLabel(s, stage, token);
          return { ARN: s.arn, Name: s.name, VersionId: token, VersionStages: [...version.stages] };
        },
      ),
    );
    this.mock.on(UpdateSecretVersionStageCommand as never).callsFake(
      this.wrap(
        'UpdateSecretVersionStage',
        (input: {
          SecretId: string;
          VersionStage: string;
          MoveToVersionId?: string;
          RemoveFromVersionId?: string;
        }) => {
          const s = this.find(input.SecretId);
          const holder = [...s.versions.entries()].find(([, v]) => v.stages.has(input.VersionStage))?.[0];
          if (input.MoveToVersionId) {
            if (!s.versions.has(input.MoveToVersionId))
              throw new InvalidParameterException({ message: 'Unknown version', ...meta });
            if (holder && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
              throw new InvalidParameterException({
                message: `The staging label ${input.VersionStage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
                ...meta,
              });
            }
            this.moveLabel(s, input.VersionStage, input.MoveToVersionId);
            if (input.VersionStage === 'AWSCURRENT') s.lastRotatedDate = new Date();
          } else if (input.RemoveFromVersionId) {
            if (holder !== input.RemoveFromVersionId)
              throw new InvalidParameterException({ message: 'Label not on that version', ...meta });
            s.versions.get(holder)!.stages.delete(input.VersionStage);
          }
          return { ARN: s.arn, Name: s.name };
        },
      ),
    );
    this.mock.on(ListSecretsCommand as never).callsFake(
      this.wrap('ListSecrets', (input: { NextToken?: string; MaxResults?: number }) => {
        const all = [...this.secrets.values()].filter((s) => !s.deleted);
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const size = input.MaxResults ?? 100;
        const page = all.slice(start, start + size);
        return {
          SecretList: page.map((s) => ({
            ARN: s.arn,
            Name: s.name,
            RotationEnabled: s.rotationEnabled,
            LastRotatedDate: s.lastRotatedDate,
            LastAccessedDate: s.lastAccessedDate,
            Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
            SecretVersionsToStages: Object.fromEntries(
              [...s.versions].filter(([, v]) => v.stages.size).map(([id, v]) => [id, [...v.stages]]),
            ),
          })),
          NextToken: start + size < all.length ? String(start + size) : undefined,
        };
      }),
    );
    this.mock.on(RotateSecretCommand as never).callsFake(
      this.wrap('RotateSecret', (input: { SecretId: string; ClientRequestToken?: string }) => {
        const s = this.find(input.SecretId);
        s.rotationEnabled = true;
        const token = this.beginRotation(input.SecretId, input.ClientRequestToken);
        return { ARN: s.arn, Name: s.name, VersionId: token };
      }),
    );
  }

  /** Attach `stage` to `versionId`, taking it from any other version; AWSCURRENT leaves AWSPREVIOUS behind. */
  private moveLabel(s: FakeSecret, stage: string, versionId: string): void {
    for (const [id, v] of s.versions) {
      if (id !== versionId && v.stages.has(stage)) {
        v.stages.delete(stage);
        if (stage === 'AWSCURRENT') {
          for (const other of s.versions.values()) other.stages.delete('AWSPREVIOUS');
          v.stages.add('AWSPREVIOUS');
        }
      }
    }
    const target = s.versions.get(versionId)!;
    target.stages.add(stage);
    if (stage === 'AWSCURRENT') target.stages.delete('AWSPREVIOUS');
  }
}
