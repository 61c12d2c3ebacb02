/**
 * One key's alarms, created inside its ManagedKey so they move with the key into a shard stack:
 * 1 read-rate anomaly alarm + 5 verifier alarms = 6 resources per key (KEY_MONITORING_RESOURCES). Unexpected
 * readers are one rule for the whole prefix (lib/monitoring/monitoring.ts).
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, TRAIL_METRICS, VERIFIER_METRICS } from '../../lambdas/core/constants';
import type { KeyConfig } from '../config/schema';
import type { Thresholds } from '../config/monitoring';
import { ALARMS, alarmDescription, type AlarmSpec } from './alarm-catalog';
import type { IKeyturnMonitoring } from './monitoring';

/** CloudFormation resources one key's monitoring adds (sharding budgets with it). */
export const KEY_MONITORING_RESOURCES = 6;

/** Verifier rejected-share alarms ignore windows with fewer requests than this (1 of 2 is not 50 % of anything). */
export const MIN_REQUESTS_FOR_SHARE = 20;

export interface KeyMonitoringProps {
  /** The key's validated configuration (thresholds under `alarms`, readers under `allowedReaders`). */
  readonly key: KeyConfig;
  /** The managed secret's name. */
  readonly secretName: string;
  /** The managed secret's full ARN (a token is fine). */
  readonly secretArn: string;
  /** The pipeline's shared monitoring. */
  readonly monitoring: IKeyturnMonitoring;
}

export class KeyMonitoring extends Construct {
  public readonly anomalyAlarm: cloudwatch.CfnAlarm;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly props: KeyMonitoringProps;

  constructor(scope: Construct, id: string, props: KeyMonitoringProps) {
    super(scope, id);
    this.props = props;
    const { key, monitoring } = props;
    const defaults = monitoring.config.keyDefaults;
    const requests = key.alarms.requestsPerMinute ?? defaults.requestsPerMinute;
    const rejected = key.alarms.rejectedPercent ?? defaults.rejectedPercent;
    const bandWidth = key.alarms.readAnomalyBandWidth ?? defaults.readAnomalyBandWidth;
    const label = `${key.environment}/${key.name}`;
    const stack = Stack.of(this);
    const partialArnPrefix = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: '',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // The three spellings of the secret in `requestParameters.secretId`: name, full ARN, partial ARN.
    const ids = [props.secretName, props.secretArn, `${partialArnPrefix}${props.secretName}`];

    this.anomalyAlarm = this.readAnomalyAlarm(ids, bandWidth, label);

    // The verifier counts accepted, rejected and retired keys; requests are their sum.
    const service = key.alarms.verifierService ?? key.linkedSystems[0] ?? key.name;
    const dims = { [VERIFIER_METRICS.dimensionService]: service, [VERIFIER_METRICS.dimensionKey]: key.name };
    const metric = (metricName: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: dims,
        statistic: 'Sum',
        period,
      });
    const counts = (period: Duration) => ({
      acc: metric(VERIFIER_METRICS.accepted, period),
      rej: metric(VERIFIER_METRICS.rejected, period),
      ret: metric(VERIFIER_METRICS.retiredKeyPresented, period),
    });
    const total = 'FILL(acc, 0) + FILL(rej, 0) + FILL(ret, 0)';
    const perMinute = new cloudwatch.MathExpression({
      expression: total,
      usingMetrics: counts(Duration.minutes(1)),
      label: 'requests per minute',
      period: Duration.minutes(1),
    });
    this.thresholdPair(
      'Requests',
      perMinute,
      requests,
      ALARMS.requestsWarning,
      ALARMS.requestsCritical,
      label,
      'per minute',
      3,
    );
    const share = new cloudwatch.MathExpression({
      expression: `IF((${total}) >= ${MIN_REQUESTS_FOR_SHARE}, 100 * (FILL(rej, 0) + FILL(ret, 0)) / (${total}), 0)`,
      usingMetrics: counts(Duration.minutes(5)),
      label: 'rejected %',
      period: Duration.minutes(5),
    });
    this.thresholdPair(
      'RejectedShare',
      share,
      rejected,
      ALARMS.rejectedShareWarning,
      ALARMS.rejectedShareCritical,
      label,
      '% over 5 minutes',
      1,
    );
    this.alarm(
      'RetiredKeyPresented',
      ALARMS.retiredKeyPresented,
      metric(VERIFIER_METRICS.retiredKeyPresented, Duration.minutes(5)),
      1,
      label,
      '>= 1 in 5 minutes',
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    );
  }

  private readAnomalyAlarm(ids: string[], bandWidth: number, label: string): cloudwatch.CfnAlarm {
    const { monitoring } = this.props;
    const spec = ALARMS.readAnomaly;
    // The metric filter dimensions reads by the secret id as the caller wrote it: sum the three spellings.
    const metrics: cloudwatch.CfnAlarm.MetricDataQueryProperty[] = ids.map((value, i) => ({
      id: `m${i}`,
      returnData: false,
      metricStat: {
        metric: {
          namespace: METRICS_NAMESPACE,
          metricName: TRAIL_METRICS.managedSecretReads,
          dimensions: [{ name: TRAIL_METRICS.dimensionSecretId, value }],
        },
        period: 300,
        stat: 'Sum',
      },
    }));
    metrics.push(
      {
        id: 'reads',
        expression: ids.map((_, i) => `FILL(m${i}, 0)`).join(' + '),
        label: 'secret reads',
        returnData: true,
      },
      {
        id: 'band',
        expression: `ANOMALY_DETECTION_BAND(reads, ${bandWidth})`,
        label: 'expected reads',
        returnData: true,
      },
    );
    return new cloudwatch.CfnAlarm(this, 'ReadAnomaly', {
      alarmName: `${monitoring.alarmNamePrefix}${this.props.key.environment}-${this.props.key.name}-${spec.id}`,
      alarmDescription: alarmDescription(
        spec,
        label,
        `above the anomaly band (${bandWidth} standard deviations), 3 of 3 five-minute periods`,
      ),
      metrics,
      thresholdMetricId: 'band',
      comparisonOperator: 'GreaterThanUpperThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      // The FILLed sum always has data; a gap means CloudWatch itself had none: no verdict either way.
      treatMissingData: 'notBreaching',
      alarmActions: [monitoring.notifications.topicFor(spec.severity).topicArn],
    });
  }

  private thresholdPair(
    id: string,
    metric: cloudwatch.IMetric,
    t: Thresholds,
    warning: AlarmSpec,
    critical: AlarmSpec,
    label: string,
    unit: string,
    evaluationPeriods: number,
  ): void {
    this.alarm(
      `${id}Warning`,
      warning,
      metric,
      t.warning,
      label,
      `> ${t.warning} ${unit}`,
      evaluationPeriods,
    );
    this.alarm(
      `${id}Critical`,
      critical,
      metric,
      t.critical,
      label,
      `> ${t.critical} ${unit}`,
      evaluationPeriods,
    );
  }

  private alarm(
    id: string,
    spec: AlarmSpec,
    metric: cloudwatch.IMetric,
    threshold: number,
    label: string,
    thresholdText: string,
    evaluationPeriods: number,
    comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  ): void {
    const { monitoring, key } = this.props;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${monitoring.alarmNamePrefix}${key.environment}-${key.name}-${spec.id}`,
      alarmDescription: alarmDescription(spec, label, thresholdText),
      metric,
      threshold,
      comparisonOperator,
      evaluationPeriods,
      // No verifier traffic = no data = nothing wrong (the key may be idle or the verifier not adopted yet).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(monitoring.notifications.topicFor(spec.severity)));
    this.alarms.push(alarm);
  }
}
