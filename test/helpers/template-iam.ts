/**
 * Resolve a synthesized CloudFormation template's IAM into concrete JSON policies, so a policy evaluator
 * (@cloud-copilot/iam-simulate, dev-only: AGPL, never imported from lib/ or lambdas/) can answer "may this role
 * do that to this resource?" exactly as IAM would.
 *
 * Physical names are made up deterministically from logical ids (a deployed stack would differ only in the random
 * suffixes), for a fixed account/region/partition. An intrinsic the resolver does not know throws, naming it, so a
 * new construct can never slip past the checks unevaluated.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';

export interface Environment {
  account: string;
  region: string;
  partition: string;
}

export const TEST_ENV: Environment = { account: '111122223333', region: 'eu-west-1', partition: 'aws' };

type Json = unknown;
interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

export class TemplateResolver {
  constructor(
    readonly template: CfnTemplate,
    readonly env: Environment = TEST_ENV,
  ) {}

  resource(logicalId: string): CfnResource {
    const r = this.template.Resources[logicalId];
    if (!r) throw new Error(`template has no resource ${logicalId}`);
    return r;
  }

  ofType(type: string): Array<[string, CfnResource]> {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  /** Deep-resolve every intrinsic in `value`. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, Json>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::')))
      return this.intrinsic(keys[0], obj[keys[0]]);
    const out: Record<string, Json> = {};
    for (const k of keys) out[k] = this.resolve(obj[k]);
    return out;
  }

  str(value: Json): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  /** What `Ref` returns for a resource, per CloudFormation's documentation of each type. */
  ref(logicalId: string): string {
    const { account, region, partition } = this.env;
    const pseudo: Record<string, string> = {
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::Partition': partition,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'Keyturn',
      'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/Keyturn/00000000-0000-0000-0000-000000000000`,
      'AWS::NoValue': '',
    };
    if (logicalId in pseudo) return pseudo[logicalId];
    const r = this.resource(logicalId);
    switch (r.Type) {
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
      case 'AWS::Scheduler::ScheduleGroup':
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::Events::Rule':
        return this.arnOf(logicalId, r);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${logicalId}`;
      case 'AWS::KMS::Key':
        return `key-${logicalId}`;
      default:
        // Roles, functions, log groups, tables, buckets, trails, event buses: Ref is the name.
        return this.nameOf(logicalId, r);
    }
  }

  /** A resource's physical name: its name property if the template sets one, else the logical id. */
  nameOf(logicalId: string, r: CfnResource = this.resource(logicalId)): string {
    const p = r.Properties ?? {};
    const nameProp = [
      'RoleName',
      'FunctionName',
      'LogGroupName',
      'TableName',
      'BucketName',
      'TopicName',
      'QueueName',
      'Name',
      'TrailName',
      'StateMachineName',
    ].find((k) => p[k] !== undefined);
    return nameProp ? this.str(p[nameProp]) : logicalId;
  }

  arnOf(logicalId: string, r: CfnResource = this.resource(logicalId)): string {
    const { account, region, partition } = this.env;
    const name = this.nameOf(logicalId, r);
    const arn = (service: string, resource: string, regional = true) =>
      `arn:${partition}:${service}:${regional ? region : ''}:${account}:${resource}`;
    switch (r.Type) {
      case 'AWS::IAM::Role':
        return arn('iam', `role/${name}`, false);
      case 'AWS::KMS::Key':
        return arn('kms', `key/key-${logicalId}`);
      case 'AWS::Logs::LogGroup':
        return arn('logs', `log-group:${name}:*`);
      case 'AWS::Lambda::Function':
        return arn('lambda', `function:${name}`);
      case 'AWS::SNS::Topic':
        return arn('sns', name);
      case 'AWS::SQS::Queue':
        return arn('sqs', name);
      case 'AWS::SecretsManager::Secret':
        return arn(
          'secretsmanager',
          `secret:${r.Properties?.Name ? this.str(r.Properties.Name) : logicalId}-AbCdEf`,
        );
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${name}`);
      case 'AWS::Scheduler::ScheduleGroup':
        return arn('scheduler', `schedule-group/${name}`);
      case 'AWS::Scheduler::Schedule':
        return arn('scheduler', `schedule/default/${name}`);
      case 'AWS::Events::Rule':
        return arn('events', `rule/${name}`);
      case 'AWS::Events::EventBus':
        return arn('events', `event-bus/${name}`);
      case 'AWS::CloudWatch::Alarm':
        return arn('cloudwatch', `alarm:${name}`);
      case 'AWS::S3::Bucket':
        return `arn:${partition}:s3:::${name.toLowerCase()}`;
      case 'AWS::CloudTrail::Trail':
        return arn('cloudtrail', `trail/${name}`);
      default:
        throw new Error(`template-iam: no ARN rule for ${r.Type} (${logicalId}); add one`);
    }
  }

  private getAtt(logicalId: string, attribute: string): string {
    const r = this.resource(logicalId);
    switch (attribute) {
      case 'Arn':
      case 'TopicArn':
      case 'StreamArn':
        return this.arnOf(logicalId, r);
      case 'QueueUrl':
        return this.ref(logicalId);
      case 'QueueName':
      case 'TopicName':
      case 'Name':
        return this.nameOf(logicalId, r);
      case 'KeyId':
        return `key-${logicalId}`;
      case 'RoleId':
        return `AROA${logicalId.slice(0, 16).toUpperCase()}`;
      default:
        throw new Error(`template-iam: no rule for Fn::GetAtt ${logicalId}.${attribute}; add one`);
    }
  }

  private intrinsic(fn: string, arg: Json): Json {
    switch (fn) {
      case 'Ref':
        return this.ref(arg as string);
      case 'Fn::GetAtt': {
        const [id, attr] =
          typeof arg === 'string' ? (arg.split('.') as [string, string]) : (arg as [string, string]);
        return this.getAtt(id, attr);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, Json[]];
        return (this.resolve(parts) as Json[]).map((p) => String(p)).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [Json, Json];
        return (this.resolve(list) as Json[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, Json];
        return this.str(source).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, Json>]);
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return this.str(vars[name]);
          const [id, attr] = name.split('.');
          return attr ? this.getAtt(id, attr) : this.ref(id);
        });
      }
      default:
        throw new Error(`template-iam: intrinsic ${fn} is not supported; add it`);
    }
  }
}

export interface RoleView {
  logicalId: string;
  arn: string;
  /** Function (or state machine, schedule) kinds that use the role, from their logical ids. */
  kind: string;
  users: string[];
  trustPolicy: PolicyDocument;
  identityPolicies: Array<{ name: string; policy: PolicyDocument }>;
  managedPolicyArns: string[];
}

/** Which keyturn part a logical id belongs to; `other` gets only the rules every role must meet. */
export function kindOf(logicalId: string): string {
  const rules: Array<[RegExp, string]> = [
    // EventBridge Scheduler's role for retirement schedules (schedules are made at run time: no user in the template).
    [/SchedulerRole/i, 'scheduler'],
    [/Rotate/i, 'rotate'],
    [/Retire/i, 'retire'],
    [/Leak/i, 'leak'],
    [/Notif(y|ier)(?!ications)/i, 'notify'],
    [/Audit/i, 'audit'],
    [/Verif/i, 'verifier'],
  ];
  return rules.find(([re]) => re.test(logicalId))?.[1] ?? 'other';
}

/**
 * Secrets Manager accepts both `secretsmanager:ResourceTag/<k>` and the global `aws:ResourceTag/<k>` for a
 * secret's tags; the evaluator's catalogue only knows the global form for arbitrary tag keys, so rename.
 */
function normaliseConditionKeys(policy: PolicyDocument): PolicyDocument {
  return JSON.parse(
    JSON.stringify(policy).replace(/"secretsmanager:ResourceTag\//g, '"aws:ResourceTag/'),
  ) as PolicyDocument;
}

export function rolesOf(resolver: TemplateResolver): RoleView[] {
  const roles = resolver.ofType('AWS::IAM::Role');
  const policies = resolver.ofType('AWS::IAM::Policy');
  const users = [
    ...resolver.ofType('AWS::Lambda::Function'),
    ...resolver.ofType('AWS::StepFunctions::StateMachine'),
    ...resolver.ofType('AWS::Scheduler::Schedule'),
    ...resolver.ofType('AWS::Events::Rule'),
  ];
  return roles.map(([id, role]) => {
    const arn = resolver.arnOf(id, role);
    const p = role.Properties ?? {};
    const identityPolicies: RoleView['identityPolicies'] = [];
    for (const [pid, policy] of policies) {
      const attached = (policy.Properties?.Roles as Json[] | undefined)?.some(
        (r) => resolver.resolve(r) === resolver.nameOf(id, role),
      );
      if (attached)
        identityPolicies.push({
          name: pid,
          policy: normaliseConditionKeys(
            resolver.resolve(policy.Properties!.PolicyDocument) as PolicyDocument,
          ),
        });
    }
    for (const inline of (p.Policies as Array<{ PolicyName: string; PolicyDocument: Json }> | undefined) ??
      []) {
      identityPolicies.push({
        name: inline.PolicyName,
        policy: normaliseConditionKeys(resolver.resolve(inline.PolicyDocument) as PolicyDocument),
      });
    }
    const usedBy = users
      .filter(([, u]) => {
        const props = u.Properties ?? {};
        // Functions name `Role`, state machines `RoleArn`, schedules `Target.RoleArn`, rules `Targets[].RoleArn`.
        const targets = (props.Targets as Array<Record<string, Json>> | undefined) ?? [];
        const roleRefs = [
          props.Role ?? props.RoleArn ?? (props.Target as Record<string, Json> | undefined)?.RoleArn,
          ...targets.map((t) => t.RoleArn),
        ];
        return roleRefs.some((roleRef) => roleRef !== undefined && resolver.resolve(roleRef) === arn);
      })
      .map(([uid]) => uid);
    const kinds = [...new Set((usedBy.length ? usedBy : [id]).map(kindOf))];
    return {
      logicalId: id,
      arn,
      kind: kinds.length === 1 ? kinds[0] : kinds.join('+'),
      users: usedBy,
      trustPolicy: resolver.resolve(p.AssumeRolePolicyDocument) as PolicyDocument,
      identityPolicies,
      managedPolicyArns: ((p.ManagedPolicyArns as Json[] | undefined) ?? []).map((m) => resolver.str(m)),
    };
  });
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Check {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** The resource's own policy (KMS key policy, topic policy, trust policy), if it has one. */
  resourcePolicy?: PolicyDocument;
}

/** Evaluate one request by `principalArn` with the given identity policies, as IAM would. */
export async function evaluate(
  principalArn: string,
  identityPolicies: RoleView['identityPolicies'],
  check: Check,
  env: Environment = TEST_ENV,
): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(check.resourcePolicy ? { resourcePolicy: normaliseConditionKeys(check.resourcePolicy) } : {}),
      request: {
        action: check.action,
        principal: principalArn,
        resource: { resource: check.resource, accountId: env.account },
        contextVariables: check.context ?? {},
      },
    } as Parameters<typeof runSimulation>[0],
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `iam-simulate rejected ${check.action} on ${check.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult as Decision;
}
