/**
 * The shared parts of keyturn: the KMS key that encrypts every managed secret, and the one rotation function
 * that serves every managed key. Grants are made once, scoped to managed secrets (name prefix AND tag), so the
 * policies stay the same size whether there are 2 keys or 1,000.
 */
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_SECRET_PREFIX, ENV, METRICS_NAMESPACE, TAGS } from '../lambdas/core/constants';
import { KeyturnFunction } from './keyturn-function';
import { encryptLogGroups } from './log-encryption';
import { ManagedKey, type ManagedKeyOptions } from './managed-key';
import { wildcardResourceFinding } from './nag';
import { KeyturnNotifications } from './notifications';
import type { IKeyturnPipeline } from './pipeline-interface';
import { grantProviderAccess, provideProviderEnvironment } from './providers';
import { KeyturnRetirement, RETIRE_ENTRY } from './retirement';
import {
  monitoringSchema,
  notificationsSchema,
  type MonitoringConfig,
  type NotificationsConfig,
} from './config/monitoring';
import { KeyturnMonitoring } from './monitoring/monitoring';
import { AUDIT_ENTRY, KeyturnAudit } from './audit';
import type { AuditConfig } from './config/audit';
import type { LeakResponseOptions } from './config/leak';
import { KeyturnLeakResponse } from './leak-response';
import { KeyturnLedger } from './ledger';
import { KeyturnRegistry } from './key-registry';

const LAMBDA_ENTRIES = {
  rotate: path.join(__dirname, '..', 'lambdas', 'rotate', 'handler.ts'),
  retire: RETIRE_ENTRY,
  audit: AUDIT_ENTRY,
} as const;

export interface KeyturnPipelineProps {
  /**
   * Prefix of managed secret names; the functions may touch only secrets under it.
   * @default 'keyturn/'
   */
  readonly secretPrefix?: string;
  /**
   * Retention of every keyturn function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Bring your own customer-managed KMS key (it must allow this account's IAM policies to grant use).
   * @default - a new key with yearly automatic rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Trail source, alarm thresholds and dashboard (lib/config/monitoring.ts).
   * @default - a new trail and the documented default thresholds
   */
  readonly monitoring?: MonitoringConfig;
  /**
   * Subscriptions of the critical and notice topics.
   * @default - none (subscribe on-call out of band)
   */
  readonly notificationSubscriptions?: NotificationsConfig;
  /**
   * The daily audit's cadence and thresholds (lib/config/audit.ts).
   * @default - daily at 06:00 UTC with the documented thresholds
   */
  readonly audit?: AuditConfig;
  /**
   * Who may put leak events on the leak bus, and the blast-radius cap (lib/config/leak.ts).
   * @default - nobody until senders are listed (AWS Health signals still arrive); more than 3 keys revoked within
   * 10 minutes wait for a human (60 minutes, then the response ends without revoking)
   */
  readonly leakResponse?: LeakResponseOptions;
}

export class KeyturnPipeline extends Construct implements IKeyturnPipeline {
  public readonly encryptionKey: kms.IKey;
  public readonly rotationFunction: lambda.IFunction;
  public readonly rotateFunction: KeyturnFunction;
  public readonly secretPrefix: string;
  public readonly logRetention: logs.RetentionDays;
  /** The critical and notice topics every alarm and function reports to. */
  public readonly notifications: KeyturnNotifications;
  /** Old keys' retirement after the overlap: schedule group, retire function, scheduler role, DLQ + alarm. */
  public readonly retirement: KeyturnRetirement;
  /** CloudTrail alarms, EventBridge rules, the notify function and the dashboard (lib/monitoring). */
  public readonly monitoring: KeyturnMonitoring;
  /** The leak response: signals → state machine → revoke, replace, audit, record, page. */
  public readonly leakResponse: KeyturnLeakResponse;
  /** The rotation ledger (DynamoDB, PITR, KMS): `grantAppend` / `grantRead`, `tableName`. */
  public readonly ledgerTable: KeyturnLedger;
  /** The daily audit: schedule, audit function, failure alarm. */
  public readonly audit: KeyturnAudit;
  /** The deployed registry of managed keys: the functions' only source of which keys exist (lib/key-registry.ts). */
  public readonly registry: KeyturnRegistry;

  constructor(scope: Construct, id: string, props: KeyturnPipelineProps = {}) {
    super(scope, id);
    this.secretPrefix = props.secretPrefix ?? DEFAULT_SECRET_PREFIX;
    if (!/^[a-z0-9][a-z0-9-]*\/$/.test(this.secretPrefix)) {
      throw new Error(
        `${this.node.path}: secretPrefix "${this.secretPrefix}" must be lowercase letters, digits or dashes ending in "/"`,
      );
    }
    this.logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'keyturn: encrypts managed API key secrets',
        enableKeyRotation: true,
        alias: `alias/${this.secretPrefix.slice(0, -1)}`,
      });
    encryptLogGroups(this, this.encryptionKey);

    this.notifications = new KeyturnNotifications(this, 'Notifications', {
      encryptionKey: this.encryptionKey,
    });
    // Early, so every function built below (retire, leak) can be granted append.
    this.ledgerTable = new KeyturnLedger(this, 'Ledger', { encryptionKey: this.encryptionKey });
    this.registry = new KeyturnRegistry(this, 'Registry', {
      encryptionKey: this.encryptionKey,
      logRetention: this.logRetention,
    });

    this.rotateFunction = new KeyturnFunction(this, 'Rotate', {
      entry: LAMBDA_ENTRIES.rotate,
      description: 'Rotates managed API keys (Secrets Manager rotation protocol)',
      timeout: Duration.minutes(2),
      // Secrets Manager calls each step synchronously and retries a throttled one within the window. The 10,000-key
      // fleet's peak (bench: fleet) is ~6 rotations/s x 4 steps x ~0.3 s, about 7 at once; 20 leaves room for IAM's
      // testSecret, which waits seconds for the new key to propagate.
      reservedConcurrentExecutions: 20,
      logRetention: this.logRetention,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.secretNamePrefix]: this.secretPrefix,
      },
    });
    this.rotationFunction = this.rotateFunction.function;
    // A refused (unregistered) secret is a notice: someone pointed keyturn's rotation at it.
    this.rotateFunction.function.addEnvironment(ENV.noticeTopicArn, this.notifications.noticeTopic.topicArn);
    // Publish, and the key through SNS only: the rotate role keeps using the key through no other service.
    iam.Grant.addToPrincipal({
      grantee: this.rotateFunction.role,
      actions: ['sns:Publish'],
      resourceArns: [this.notifications.noticeTopic.topicArn],
    });
    this.encryptionKey.grant(
      new kms.ViaServicePrincipal(`sns.${Stack.of(this).region}.amazonaws.com`, this.rotateFunction.role),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    Validations.of(this.rotateFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted notice topic needs GenerateDataKey*; the grant is on the pipeline key only, through SNS only (kms:ViaService)',
    });
    this.rotateFunction.function.addPermission('SecretsManagerInvoke', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      // Closes the confused-deputy gap: only this account's Secrets Manager, only for managed secrets.
      sourceAccount: Stack.of(this).account,
      sourceArn: this.managedSecretsArnPattern(),
    });
    this.grantRotate(this.rotateFunction.role);
    this.notifications.addSubscriptions(
      props.notificationSubscriptions ?? notificationsSchema.parse(undefined),
    );
    this.monitoring = new KeyturnMonitoring(this, 'Monitoring', {
      secretPrefix: this.secretPrefix,
      encryptionKey: this.encryptionKey,
      notifications: this.notifications,
      config: props.monitoring ?? monitoringSchema.parse(undefined),
      grantDescribeManagedSecrets: (grantee) => this.grantOnManagedSecrets(grantee, ['DescribeSecret'], []),
      logRetention: this.logRetention,
    });
    // The rotate function reads every managed secret: not an unexpected reader.
    this.monitoring.trustReader(this.rotateFunction.role);
    this.retirement = new KeyturnRetirement(this, 'Retirement', { pipeline: this });
    this.monitoring.trustReader(this.retirement.retireFunction.role);
    this.retirement.grantSchedule(this.rotateFunction);
    this.audit = new KeyturnAudit(this, 'Audit', {
      pipeline: this,
      ledger: this.ledgerTable,
      config: props.audit,
    });
    this.leakResponse = new KeyturnLeakResponse(this, 'LeakResponse', {
      pipeline: this,
      ledger: this.ledgerTable,
      senders: props.leakResponse?.senders,
      blastRadius: props.leakResponse?.blastRadius,
    });
    // The leak function reads every managed secret (to revoke what leaked): not an unexpected reader.
    this.monitoring.trustReader(this.leakResponse.leakFunction.role);
    // Every function that acts on a key reads the registry; none may write it (the table's policy says so).
    for (const fn of [this.rotateFunction, this.retirement.retireFunction, this.leakResponse.leakFunction])
      this.registry.grantLookup(fn);
    this.registry.grantList(this.audit.auditFunction);
    // Rotations and retirements are recorded in the ledger (append only: no read, update or delete).
    for (const fn of [this.rotateFunction, this.retirement.retireFunction]) {
      this.ledgerTable.grantAppend(fn.role);
      fn.function.addEnvironment(ENV.ledgerTable, this.ledgerTable.tableName);
    }
    // createSecret records each key it issues (rotate alone may write the issued#* partitions); rotate (IAM making
    // room), retire and leak read those records alone before they act on a stored key id: they revoke only what
    // keyturn issued for that secret and version.
    this.ledgerTable.grantRecordIssued(this.rotateFunction.role);
    for (const fn of [this.rotateFunction, this.retirement.retireFunction, this.leakResponse.leakFunction])
      this.ledgerTable.grantReadIssued(fn.role);
  }

  /** `arn:…:secret:keyturn/*`: every managed secret and nothing else. */
  managedSecretsArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.secretPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Let `grantee` act on managed secrets with the given Secrets Manager actions: secrets under the prefix that
   * also carry the `keyturn:managed` tag, and the KMS key through Secrets Manager only.
   */
  grantOnManagedSecrets(grantee: iam.IGrantable, actions: string[], kmsActions: string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: actions.map((a) => `secretsmanager:${a}`),
      resourceArns: [this.managedSecretsArnPattern()],
      conditions: { StringEquals: { [`secretsmanager:ResourceTag/${TAGS.managed}`]: 'true' } },
    });
    if (kmsActions.length) {
      this.encryptionKey.grant(
        new kms.ViaServicePrincipal(
          `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
          grantee.grantPrincipal,
        ),
        ...kmsActions.map((a) => `kms:${a}`),
      );
    }
    if (grant.principalStatement) {
      Validations.of(grantee.grantPrincipal as unknown as Construct).acknowledge({
        id: wildcardResourceFinding(this, this.managedSecretsArnPattern()),
        reason: 'Scoped to managed secrets: the keyturn name prefix and the keyturn:managed tag condition',
      });
    }
    return grant;
  }

  /** What the rotation protocol needs, and nothing more (no DeleteSecret, no resource policies). */
  grantRotate(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnManagedSecrets(
      grantee,
      ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'],
      ['Decrypt', 'GenerateDataKey'],
    );
  }

  /** Add a managed key served by this pipeline. */
  /** `scope`: where the key's own resources go (this pipeline, or a key shard stack of lib/key-shards.ts). */
  addKey(id: string, options: ManagedKeyOptions, scope: Construct = this): ManagedKey {
    // The key's provider grants and HTTP profile go to the shared rotate function (see lib/providers/).
    grantProviderAccess(this.rotateFunction.role, options.key, 'rotate', this.rotateFunction.role);
    provideProviderEnvironment(this.rotateFunction.function, options.key);
    this.retirement.addKey(options.key);
    grantProviderAccess(
      this.leakResponse.leakFunction.role,
      options.key,
      'revoke',
      this.leakResponse.leakFunction.role,
    );
    provideProviderEnvironment(this.leakResponse.leakFunction.function, options.key);
    const managedKey = new ManagedKey(scope, id, { ...options, pipeline: this });
    this.monitoring.addKey(options.key);
    return managedKey;
  }
}
