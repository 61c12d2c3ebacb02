/**
 * The secret scanning intake: an HTTP API (POST /secret-scanning/report, POST /secret-scanning/validity) in front
 * of the intake function (lambdas/intake). It faces the internet, so: the stage is throttled, the function has
 * reserved concurrency, the function checks the partner's ECDSA signature before anything else, and it may only
 * list managed secrets, read their values, and start the leak response. Built only when `secretScanning.enabled`.
 */
import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { KeyturnRegistry } from './key-registry';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV, GITHUB_SCANNING_KEYS_URL, INTAKE_ENV, METRICS_NAMESPACE } from '../lambdas/core/constants';
import { KeyturnFunction } from './keyturn-function';

export const INTAKE_ENTRY = path.join(__dirname, '..', 'lambdas', 'intake', 'handler.ts');
export const REPORT_PATH = '/secret-scanning/report';
export const VALIDITY_PATH = '/secret-scanning/validity';

/** What the intake needs from its pipeline (KeyturnPipeline implements it). */
export interface ScanningIntakeHost {
  readonly secretPrefix: string;
  readonly logRetention: logs.RetentionDays;
  /** The deployed registry: the intake indexes the keys it names, nothing else. */
  readonly registry: Pick<KeyturnRegistry, 'grantList'>;
  grantOnManagedSecrets(grantee: iam.IGrantable, actions: string[], kmsActions: string[]): iam.Grant;
}

export interface KeyturnScanningIntakeProps {
  /** The pipeline whose managed secrets the intake matches reports against. */
  readonly pipeline: ScanningIntakeHost;
  /** The leak response's state machine: started once per managed key version reported. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * Where the partner publishes its signing keys (https).
   * @default GitHub's https://api.github.com/meta/public_keys/secret_scanning
   */
  readonly publicKeysUrl?: string;
  /**
   * Steady-state requests per second the API stage accepts (1 to 1000); the function's token bucket uses it too.
   * @default 10
   */
  readonly rateLimitPerSecond?: number;
  /**
   * Burst the stage accepts (at least rateLimitPerSecond, at most 5000).
   * @default 20
   */
  readonly burstLimit?: number;
  /**
   * Reserved concurrency of the intake function (1 to 50): a flood cannot take the account's concurrency.
   * @default 2
   */
  readonly reservedConcurrency?: number;
}

export class KeyturnScanningIntake extends Construct {
  public readonly intakeFunction: KeyturnFunction;
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  /** Where the partner posts leak reports (register it with the partner program). */
  public readonly reportUrl: string;
  /** Where the partner asks whether a reported token is still live. */
  public readonly validityUrl: string;

  constructor(scope: Construct, id: string, props: KeyturnScanningIntakeProps) {
    super(scope, id);
    const rate = props.rateLimitPerSecond ?? 10;
    const burst = props.burstLimit ?? 20;
    const reserved = props.reservedConcurrency ?? 2;
    const keysUrl = props.publicKeysUrl ?? GITHUB_SCANNING_KEYS_URL;
    const problems: string[] = [];
    if (!Number.isInteger(rate) || rate < 1 || rate > 1000)
      problems.push(`rateLimitPerSecond ${rate}: use an integer from 1 to 1000`);
    if (!Number.isInteger(burst) || burst < rate || burst > 5000)
      problems.push(`burstLimit ${burst}: use an integer from rateLimitPerSecond (${rate}) to 5000`);
    if (!Number.isInteger(reserved) || reserved < 1 || reserved > 50)
      problems.push(`reservedConcurrency ${reserved}: use an integer from 1 to 50`);
    if (!/^https:\/\/[^\s]+$/.test(keysUrl)) problems.push(`publicKeysUrl ${keysUrl}: use an https URL`);
    if (problems.length) throw new Error(`${this.node.path}: ${problems.join('; ')}`);

    this.intakeFunction = new KeyturnFunction(this, 'Intake', {
      entry: INTAKE_ENTRY,
      description:
        'Secret scanning intake: verify the partner signature, match tokens, start the leak response',
      timeout: Duration.seconds(10),
      logRetention: props.pipeline.logRetention,
      reservedConcurrentExecutions: reserved,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.secretNamePrefix]: props.pipeline.secretPrefix,
        [INTAKE_ENV.stateMachineArn]: props.stateMachine.stateMachineArn,
        [INTAKE_ENV.publicKeysUrl]: keysUrl,
        [INTAKE_ENV.ratePerSecond]: String(rate),
        [INTAKE_ENV.burst]: String(burst),
      },
    });
    const role = this.intakeFunction.role;
    // The registry names the keys to index (no ListSecrets, no tags); each is described and read by its ARN.
    props.pipeline.registry.grantList(this.intakeFunction);
    props.pipeline.grantOnManagedSecrets(role, ['DescribeSecret', 'GetSecretValue'], ['Decrypt']);
    props.stateMachine.grantStartExecution(role);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'keyturn secret scanning intake (partner reports and validity checks)',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.pipeline.logRetention });
    this.stage = this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: rate, burstLimit: burst },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
    });
    const integration = new HttpLambdaIntegration('Intake', this.intakeFunction.function);
    for (const routePath of [REPORT_PATH, VALIDITY_PATH])
      this.api.addRoutes({ path: routePath, methods: [apigwv2.HttpMethod.POST], integration });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The partner program authenticates with an ECDSA signature over the body (Github-Public-Key-Signature), verified by the function before any other work; API Gateway has no authorizer for it',
    });

    const base = `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    this.reportUrl = `${base}${REPORT_PATH}`;
    this.validityUrl = `${base}${VALIDITY_PATH}`;
  }
}
