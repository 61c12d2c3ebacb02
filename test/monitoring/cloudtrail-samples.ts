/**
 * Sample CloudTrail records in the shapes AWS documents (CloudTrail record contents; Secrets Manager's and KMS's
 * "CloudTrail log entries" pages), built from small factories so each table row changes one thing.
 */
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const PREFIX = 'keyturn/';
export const SECRET_NAME = 'keyturn/prod/billing-api';
export const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}-AbCdEf`;
export const PARTIAL_ARN_PREFIX = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`;
export const OTHER_SECRET_NAME = 'keyturn/prod/billing-api-v2';
export const OTHER_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${OTHER_SECRET_NAME}-XyZ123`;
export const UNMANAGED_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:app/db-password-Qw12Er`;
export const KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const OTHER_KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/9999abcd-12ab-34cd-56ef-1234567890ab`;
export const TRAIL_NAME = 'keyturn-trail';
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL_NAME}`;
export const ALLOWED_ROLE = `arn:aws:iam::${ACCOUNT}:role/billing-service`;
export const ALLOWED_USER = `arn:aws:iam::${ACCOUNT}:user/ci/deployer`;

export type Record_ = Record<string, unknown>;

export function roleIdentity(roleName: string, session = 'i-0abc'): Record_ {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${session}`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        accountId: ACCOUNT,
        userName: roleName,
      },
      attributes: { creationDate: '2026-11-22T10:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

export function userIdentity(path: string): Record_ {
  return {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLE',
    arn: `arn:aws:iam::${ACCOUNT}:user/${path}`,
    accountId: ACCOUNT,
    userName: path.split('/').pop(),
  };
}

export const ROOT_IDENTITY: Record_ = {
  type: 'Root',
  principalId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:root`,
  accountId: ACCOUNT,
};

export interface CallOptions {
  source: string;
  name: string;
  params?: Record_ | null;
  identity?: Record_;
  errorCode?: string;
  resources?: Record_[];
  readOnly?: boolean;
}

/** One management API call record. */
export function apiCall(o: CallOptions): Record_ {
  const record: Record_ = {
    eventVersion: '1.09',
    userIdentity: o.identity ?? roleIdentity('billing-service'),
    eventTime: '2026-11-22T10:15:00Z',
    eventSource: o.source,
    eventName: o.name,
    awsRegion: REGION,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-sdk-js/3.0.0',
    requestParameters: o.params ?? null,
    responseElements: null,
    requestID: 'd2b5c9a1-0000-4000-8000-000000000001',
    eventID: 'e3c6d0b2-0000-4000-8000-000000000002',
    readOnly: o.readOnly ?? false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
  if (o.resources) record.resources = o.resources;
  if (o.errorCode) {
    record.errorCode = o.errorCode;
    record.errorMessage = 'User is not authorized to perform this operation';
  }
  return record;
}

export function secretCall(
  name: string,
  secretId: string,
  extra: Partial<CallOptions> = {},
  params: Record_ = {},
): Record_ {
  return apiCall({
    source: 'secretsmanager.amazonaws.com',
    name,
    params: { secretId, ...params },
    readOnly: name.startsWith('Get'),
    ...extra,
  });
}

export function kmsCall(name: string, keyArn: string, extra: Partial<CallOptions> = {}): Record_ {
  return apiCall({
    source: 'kms.amazonaws.com',
    name,
    params: { keyId: keyArn.split('/').pop() },
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn }],
    ...extra,
  });
}

export function trailCall(name: string, trail: string, extra: Partial<CallOptions> = {}): Record_ {
  return apiCall({ source: 'cloudtrail.amazonaws.com', name, params: { name: trail }, ...extra });
}

/** The EventBridge envelope of a CloudTrail record. */
export function asEvent(detail: Record_, detailType = 'AWS API Call via CloudTrail'): Record_ {
  const source = `aws.${String(detail.eventSource).split('.')[0]}`;
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: '2026-11-22T10:15:00Z',
    region: REGION,
    resources: [],
    detail,
  };
}

/** A Secrets Manager service event (RotationFailed, RotationAbandoned, ...), `aRN` before Feb 2024, `arn` after. */
export function rotationServiceEvent(eventName: string, secretArn: string, arnField: 'aRN' | 'arn'): Record_ {
  return asEvent(
    {
      eventVersion: '1.08',
      userIdentity: { accountId: ACCOUNT, invokedBy: 'secretsmanager.amazonaws.com' },
      eventTime: '2026-11-22T10:20:00Z',
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      sourceIPAddress: 'secretsmanager.amazonaws.com',
      userAgent: 'secretsmanager.amazonaws.com',
      requestParameters: null,
      responseElements: null,
      additionalEventData: { [arnField]: secretArn },
      requestID: 'f1f1f1f1-0000-4000-8000-000000000003',
      eventID: 'a2a2a2a2-0000-4000-8000-000000000004',
      readOnly: false,
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      serviceEventDetails: {},
      eventCategory: 'Management',
    },
    'AWS Service Event via CloudTrail',
  );
}
