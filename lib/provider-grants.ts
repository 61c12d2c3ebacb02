/**
 * Least-privilege grants for key providers, per key: the rotate role may create, test and revoke keys only at
 * the provider resources the configuration names; roles that only revoke (retire, leak response) get less.
 * Called by KeyturnPipeline.addKey for the rotate role, and by the retire and leak-response constructs.
 */
import { Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { MAX_HTTP_PROFILES_ENV_BYTES, PROVIDER_ENV, TAGS } from '../lambdas/core/constants';
import type { HttpApiProfile } from './config/http-api';
import type { KeyConfig } from './config/schema';

export type ProviderGrantPurpose = 'rotate' | 'revoke';

/** The tag key the IAM provider writes on a user while it creates a key (see lambdas/providers/iam-access-key.ts). */
export const IAM_PENDING_TAG_PATTERN = 'keyturn:pending:*';

/** API Gateway's IAM resource ARN for a path, e.g. `/apikeys/*` (no account in these ARNs). */
export function apiGatewayArn(scope: Construct, path: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:apigateway:${stack.region}::${path}`;
}

/** Secrets Manager ARNs end in a random 6-character suffix; an ARN given without it matches every suffix. */
export function adminSecretResource(arn: string): string {
  return /-[A-Za-z0-9]{6}$/.test(arn) ? arn : `${arn}-??????`;
}

function iamUserStatements(userArn: string, purpose: ProviderGrantPurpose): iam.PolicyStatement[] {
  const revoke = ['iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'];
  if (purpose === 'revoke') return [new iam.PolicyStatement({ actions: revoke, resources: [userArn] })];
  return [
    new iam.PolicyStatement({
      actions: [...revoke, 'iam:CreateAccessKey', 'iam:ListUserTags', 'iam:UntagUser'],
      resources: [userArn],
    }),
    // The pending-key marker only: the role cannot change any other tag of the user.
    new iam.PolicyStatement({
      actions: ['iam:TagUser'],
      resources: [userArn],
      conditions: { 'ForAllValues:StringLike': { 'aws:TagKeys': [IAM_PENDING_TAG_PATTERN] } },
    }),
  ];
}

function apiGatewayStatements(
  scope: Construct,
  usagePlanIds: readonly string[],
  purpose: ProviderGrantPurpose,
): iam.PolicyStatement[] {
  const managedKeys = { StringEquals: { [`aws:ResourceTag/${TAGS.managed}`]: 'true' } };
  // Only keys keyturn created (tagged keyturn:managed=true) can be read with their value, disabled or deleted.
  const onManagedKeys = new iam.PolicyStatement({
    actions: ['apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
    resources: [apiGatewayArn(scope, '/apikeys/*')],
    conditions: managedKeys,
  });
  if (purpose === 'revoke') return [onManagedKeys];
  return [
    onManagedKeys,
    new iam.PolicyStatement({
      actions: ['apigateway:POST'],
      resources: [apiGatewayArn(scope, '/apikeys')],
      conditions: { StringEquals: { [`aws:RequestTag/${TAGS.managed}`]: 'true' } },
    }),
    // GetApiKeys (nameQuery) finds a key created by an earlier attempt of the same rotation.
    new iam.PolicyStatement({ actions: ['apigateway:GET'], resources: [apiGatewayArn(scope, '/apikeys')] }),
    new iam.PolicyStatement({
      actions: ['apigateway:POST', 'apigateway:GET'],
      resources: usagePlanIds.flatMap((id) => [
        apiGatewayArn(scope, `/usageplans/${id}/keys`),
        apiGatewayArn(scope, `/usageplans/${id}/keys/*`),
      ]),
    }),
  ];
}

/**
 * Grant `grantee` what the key's provider needs for `purpose`. Self-issued keys need nothing outside the secret.
 * `scope` anchors the cdk-nag acknowledgements (the grantee's role).
 */
export function grantProviderAccess(
  grantee: iam.IGrantable,
  key: KeyConfig,
  purpose: ProviderGrantPurpose,
  scope: Construct,
): void {
  const provider = key.provider;
  let statements: iam.PolicyStatement[] = [];
  switch (provider.kind) {
    case 'self-issued':
      return;
    case 'iam-access-key':
      statements = iamUserStatements(provider.userArn, purpose);
      break;
    case 'api-gateway-key':
      statements = apiGatewayStatements(scope, provider.usagePlanIds, purpose);
      acknowledgeApiGatewayWildcards(grantee, provider.usagePlanIds);
      break;
    case 'http-admin-api':
      // The admin credential is read from its own secret at run time, never from config or environment.
      statements = [
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [adminSecretResource(provider.adminSecretArn)],
        }),
      ];
      if (!/-[A-Za-z0-9]{6}$/.test(provider.adminSecretArn))
        acknowledgeSecretSuffix(grantee, provider.adminSecretArn);
      break;
  }
  for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
}

function nagScope(grantee: iam.IGrantable): Construct {
  return grantee.grantPrincipal as unknown as Construct;
}

function acknowledgeApiGatewayWildcards(grantee: iam.IGrantable, usagePlanIds: readonly string[]) {
  const region = '<AWS::Region>';
  const ids = [
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:${region}::/apikeys/*]`,
    ...usagePlanIds.map(
      (id) =>
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:${region}::/usageplans/${id}/keys/*]`,
    ),
  ];
  for (const id of ids) {
    Validations.of(nagScope(grantee)).acknowledge({
      id,
      reason:
        'API key ids are generated by API Gateway at rotation time; the apikeys statement is limited by the ' +
        'keyturn:managed=true resource tag, the usage plan statement to the configured plans',
    });
  }
}

function acknowledgeSecretSuffix(grantee: iam.IGrantable, arn: string) {
  Validations.of(nagScope(grantee)).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${arn}-??????]`,
    reason:
      'The configured admin-credential secret: "-??????" matches only the random suffix Secrets Manager appends',
  });
}

const profilesByFunction = new WeakMap<lambda.Function, Map<string, HttpApiProfile>>();

/**
 * Hand `fn` the HTTP admin API profile the key uses (one JSON environment variable for all of its profiles).
 * Throws at synth, naming the key, when the profiles outgrow the limit Lambda's 4 KB environment leaves.
 * A no-op for other providers.
 */
export function provideProviderEnvironment(fn: lambda.Function, key: KeyConfig): void {
  const provider = key.provider;
  if (provider.kind !== 'http-admin-api') return;
  if (!provider.definition) {
    throw new Error(
      `key "${key.name}": provider.definition is missing: load the configuration with parseConfig/loadConfigFile, which resolves profile "${provider.profile}"`,
    );
  }
  let profiles = profilesByFunction.get(fn);
  if (!profiles) {
    const created = new Map<string, HttpApiProfile>();
    profiles = created;
    profilesByFunction.set(fn, created);
    fn.addEnvironment(
      PROVIDER_ENV.httpApiProfiles,
      Lazy.string({ produce: () => JSON.stringify(Object.fromEntries(created)) }),
    );
  }
  const existing = profiles.get(provider.profile);
  if (existing && JSON.stringify(existing) !== JSON.stringify(provider.definition)) {
    throw new Error(
      `key "${key.name}": profile "${provider.profile}" differs from the one another key registered`,
    );
  }
  profiles.set(provider.profile, provider.definition);
  const size = Buffer.byteLength(JSON.stringify(Object.fromEntries(profiles)));
  if (size > MAX_HTTP_PROFILES_ENV_BYTES) {
    throw new Error(
      `key "${key.name}": provider.profile "${provider.profile}" brings the HTTP API profiles of ${fn.node.path} to ` +
        `${size} bytes, over ${MAX_HTTP_PROFILES_ENV_BYTES} (Lambda environments hold 4 KB): shorten the profiles ` +
        `(headers, bodies) or share one profile between keys`,
    );
  }
}
