/**
 * The monitoring policy the deployment writes (lambdas/core/notify/policy.ts reads it): per key its identity for
 * the page, its allowed readers and its usage thresholds (tier defaults, then the key's own overrides). Delivered
 * as one file in a Lambda layer: only a deployment can change it, it has no size limit that matters (a layer holds
 * 50 MB zipped; 10,000 keys are ~4 MB), and it costs no CloudFormation resource per key.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { MONITORING_POLICY_FILE_NAME, MONITORING_POLICY_LAYER_DIR } from '../../lambdas/core/constants';
import type { MonitoringConfig, Thresholds } from '../config/monitoring';
import type { KeyConfig } from '../config/schema';
import { secretNameFor } from '../managed-key';

/** One key's entry; the shape of `policyKeySchema` in lambdas/core/notify/policy.ts (a test keeps them equal). */
export interface MonitoringPolicyKey {
  secretName: string;
  keyName: string;
  environment: string;
  tier: string;
  owner: string;
  backupOwner?: string;
  runbook?: string;
  allowedReaders: string[];
  verifierService: string;
  requestsPerMinute: Thresholds;
  rejectedPercent: Thresholds;
  readAnomalyBandWidth: number;
}

export interface MonitoringPolicyDocument {
  version: 1;
  secretPrefix: string;
  keys: MonitoringPolicyKey[];
}

/** A key's effective monitoring settings: its own override, else its tier's `monitoring.tierDefaults`, else `keyDefaults`. */
export function policyKeyFor(
  secretPrefix: string,
  key: KeyConfig,
  config: MonitoringConfig,
): MonitoringPolicyKey {
  const d = { ...config.keyDefaults, ...(config.tierDefaults[key.tier] ?? {}) };
  return {
    secretName: secretNameFor(secretPrefix, key),
    keyName: key.name,
    environment: key.environment,
    tier: key.tier,
    owner: key.owner,
    backupOwner: key.backupOwner,
    runbook: key.runbookUrl,
    allowedReaders: [...key.allowedReaders],
    verifierService: key.alarms.verifierService ?? key.linkedSystems[0] ?? key.name,
    requestsPerMinute: key.alarms.requestsPerMinute ?? d.requestsPerMinute,
    rejectedPercent: key.alarms.rejectedPercent ?? d.rejectedPercent,
    readAnomalyBandWidth: key.alarms.readAnomalyBandWidth ?? d.readAnomalyBandWidth,
  };
}

export interface MonitoringPolicyLayerProps {
  readonly document: MonitoringPolicyDocument;
}

/** The layer that carries the policy file to `/opt/<MONITORING_POLICY_LAYER_DIR>/<MONITORING_POLICY_FILE_NAME>`. */
export class MonitoringPolicyLayer extends Construct {
  public readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: MonitoringPolicyLayerProps) {
    super(scope, id);
    const root = mkdtempSync(path.join(tmpdir(), 'keyturn-policy-'));
    mkdirSync(path.join(root, MONITORING_POLICY_LAYER_DIR));
    writeFileSync(
      path.join(root, MONITORING_POLICY_LAYER_DIR, MONITORING_POLICY_FILE_NAME),
      JSON.stringify(props.document),
    );
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(root),
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      description: `keyturn: monitoring policy of ${props.document.keys.length} keys (written by the deployment)`,
    });
  }
}
