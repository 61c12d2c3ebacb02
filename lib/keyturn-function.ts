/**
 * The one hardened function construct every keyturn Lambda uses: newest Node runtime, ARM64, bundled locally by
 * esbuild (never Docker), explicit memory and timeout, a log group with retention, active tracing, and a role
 * that may write only to its own log group (no AWS managed policy). Every SDK client in it retries the same way
 * (SDK_RETRY_ENV): the one retry layer.
 *
 * In the published package the code is already bundled (`npm run build` bundles every handler with exactly these
 * options and ships `<handler dir>/bundle/index.js`): the function then deploys that pre-built asset, so a consumer
 * deploys the code keyturn was tested with and needs no esbuild. In the repository there is no bundle beside the
 * handler, and the function bundles from source as before.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SDK_RETRY_ENV } from '../lambdas/core/constants';

/** What a keyturn function reserves unless it says otherwise (lib/keyturn-function.ts). */
const DEFAULT_RESERVED_CONCURRENCY = 5;

export interface KeyturnFunctionProps {
  /** Path of the handler file (exports `handler`). */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Hard time limit of one invocation; keep it under the caller's own timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Environment variables (never secrets: they show in the template).
   * @default - only the SDK's retry settings (SDK_RETRY_ENV)
   */
  readonly environment?: Record<string, string>;
  /**
   * Reserved concurrency: every keyturn function has one, so a flood of signals (or a runaway) is bounded in cost,
   * in its pressure on AWS quotas, and cannot starve the account's other functions. It is taken from the account's
   * concurrency quota (default 1,000; Lambda keeps 100 unreserved).
   * @default 5
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Dead-letter queue for asynchronous invocations that keep failing.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** esbuild options of every keyturn function, shared by synth and by the package build. */
const BUNDLING = {
  // The SDK is bundled, pinned to the lock file's versions, and tree-shaken with everything else.
  externalModules: [],
  minify: true,
  target: 'node24',
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  forceDockerBundling: false,
} as const;

/** Directory of the pre-built bundle of a handler (`<dir of entry>/bundle`), or undefined when not built. */
function prebuiltBundleDir(entry: string): string | undefined {
  const dir = path.join(path.dirname(entry), PREBUILT_BUNDLE_DIR);
  return existsSync(path.join(dir, 'index.js')) ? dir : undefined;
}
export const PREBUILT_BUNDLE_DIR = 'bundle';

export class KeyturnFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: KeyturnFunctionProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(30);
    const reservedConcurrency = props.reservedConcurrentExecutions ?? DEFAULT_RESERVED_CONCURRENCY;
    if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1 || reservedConcurrency > 900) {
      throw new Error(
        `${this.node.path}: reservedConcurrentExecutions must be an integer 1–900 (0 would disable the function), got ${reservedConcurrency}`,
      );
    }
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
      throw new Error(`${this.node.path}: timeout must be 1–900 seconds, got ${timeout.toSeconds()}`);
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `keyturn: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);
    const common: Omit<lambda.FunctionProps, 'code' | 'handler'> = {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: reservedConcurrency,
      deadLetterQueue: props.deadLetterQueue,
      environment: { ...SDK_RETRY_ENV, ...props.environment },
    };
    const prebuilt = prebuiltBundleDir(props.entry);
    this.function = prebuilt
      ? new lambda.Function(this, 'Function', {
          ...common,
          code: lambda.Code.fromAsset(prebuilt),
          handler: 'index.handler',
        })
      : new NodejsFunction(this, 'Function', {
          ...common,
          entry: props.entry,
          handler: 'handler',
          bundling: {
            ...BUNDLING,
            externalModules: [...BUNDLING.externalModules],
            mainFields: [...BUNDLING.mainFields],
          },
        });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions',
    });
  }
}
