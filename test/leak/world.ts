/**
 * A world for the leak response: the stateful Secrets Manager fake (with TagResource, and RotateSecret that runs
 * the real rotation protocol as the service would), self-issued and IAM-like providers, a real DynamoDB-compatible
 * incident table (dynalite on 127.0.0.1), a CloudTrail fake, and recorders for SNS and the ledger.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoIncidentStore, INCIDENT_SCHEMA } from '../../lambdas/aws/incident-store';
import { SecretsManagerLeakSecrets } from '../../lambdas/aws/leak-secrets';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { DynamoRevocationBudget } from '../../lambdas/aws/revocation-budget';
import { BLAST_RADIUS_DEFAULTS, BOOTSTRAP_SECRET_VALUE, EVENTS } from '../../lambdas/core/constants';
import type { TrailRecord } from '../../lambdas/core/leak/audit-summary';
import type {
  IncidentStore,
  LeakDeps,
  LeakNotification,
  RevocationBudget,
  TrailLookup,
} from '../../lambdas/core/leak/ports';
import type { Ledger, LedgerEntry } from '../../lambdas/core/ports';
import { runRotationStep } from '../../lambdas/core/rotation';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import { installTagResource, RevocableProvider } from '../retire/fakes';

export const PREFIX = 'keyturn/';
let tables = 0;

export async function createIncidentTable(client: DynamoDBClient): Promise<string> {
  const name = `incidents-${++tables}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: INCIDENT_SCHEMA.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: INCIDENT_SCHEMA.partitionKey, KeyType: 'HASH' }],
    }),
  );
  return name;
}

export class FakeTrail implements TrailLookup {
  records: TrailRecord[] = [];
  failure?: Error;
  readonly calls: Array<{ key: string; value: string; from: Date; to: Date }> = [];
  async lookup(
    attribute: { key: 'AccessKeyId' | 'ResourceName'; value: string },
    from: Date,
    to: Date,
    max: number,
  ) {
    this.calls.push({ ...attribute, from, to });
    if (this.failure) throw this.failure;
    return { records: this.records.slice(0, max), truncated: this.records.length > max };
  }
}

export class MemoryLedger implements Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  async append(entry: LedgerEntry) {
    if (!this.entries.has(entry.idempotencyKey)) this.entries.set(entry.idempotencyKey, entry);
  }
  async history() {
    return [...this.entries.values()];
  }
}

export interface World {
  sm: FakeSecretsManager;
  iam: RevocableProvider;
  deps: LeakDeps;
  trail: FakeTrail;
  ledger: MemoryLedger;
  /** What the rotations recorded issuing (shared by rotate and the leak response, as the ledger table is). */
  issuance: MemoryIssuanceLog;
  messages: LeakNotification[];
  /** Rotations RotateSecret started (the fake then runs the four steps like the service). */
  rotations: string[];
  /** Make the next rotation fail at testSecret (the provider refuses the new key). */
  failNextRotation(): void;
  rotate(secretId: string): Promise<string>;
}

/**
 * `budget`: the blast-radius cap; by default the real count on the incident table with the default cap (3 in 10 min).
 * Another incident store (the rule tests' memory one) needs its own budget.
 */
export function buildWorld(
  sm: FakeSecretsManager,
  incidents: DynamoIncidentStore | IncidentStore,
  budget?: RevocationBudget,
): World {
  installTagResource(sm);
  const iam = new RevocableProvider();
  const providers = new MapProviderRegistry([new SelfIssuedProvider(), iam]);
  const registry = deployedRegistry(sm);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const store = new SecretsManagerSecretStore(client);
  const real = new SecretsManagerLeakSecrets(client, { secretPrefix: PREFIX });
  const trail = new FakeTrail();
  const ledger = new MemoryLedger();
  const issuance = new MemoryIssuanceLog();
  const messages: LeakNotification[] = [];
  const rotations: string[] = [];
  let failRotation = false;
  const clock = { t: Date.parse('2026-11-23T10:00:00Z') };

  const runSteps = async (secretId: string, token: string) => {
    const rotationDeps = { store, providers, registry, issuance, sleep: async () => {} };
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      if (Step === 'testSecret' && failRotation) {
        failRotation = false;
        return;
      }
      await runRotationStep(rotationDeps, { Step, SecretId: secretId, ClientRequestToken: token });
    }
  };
  const secrets = Object.create(real) as SecretsManagerLeakSecrets;
  // Secrets Manager runs the rotation function after RotateSecret: so does this world (synchronously).
  secrets.rotateNow = async (secretId, token) => {
    const outcome = await real.rotateNow(secretId, token);
    rotations.push(secretId);
    if (outcome === 'started') await runSteps(secretId, token);
    return outcome;
  };

  const deps: LeakDeps = {
    secrets,
    providers,
    registry,
    issuance,
    incidents,
    trail,
    notify: async (n) => messages.push(n),
    ledger,
    now: () => new Date((clock.t += 1000)),
    sleep: async () => {},
    secretPrefix: PREFIX,
    dedupeWindowSeconds: 3600,
    budget: budget ?? defaultBudget(incidents),
  };
  return {
    sm,
    iam,
    deps,
    trail,
    ledger,
    issuance,
    messages,
    rotations,
    failNextRotation: () => (failRotation = true),
    rotate: async (secretId) => {
      const token = sm.beginRotation(secretId);
      await runSteps(secretId, token);
      return token;
    },
  };
}

function defaultBudget(incidents: DynamoIncidentStore | IncidentStore): RevocationBudget {
  if (!(incidents instanceof DynamoIncidentStore))
    throw new Error('test set-up: an incident store other than the DynamoDB one needs its own budget');
  return new DynamoRevocationBudget(incidents.client, incidents.table, {
    maxRevocations: BLAST_RADIUS_DEFAULTS.maxRevocations,
    windowSeconds: BLAST_RADIUS_DEFAULTS.windowMinutes * 60,
  });
}

/** A managed self-issued key (`keyturn/prod/billing-api`) rotated twice: AWSCURRENT and AWSPREVIOUS hold keys. */
export async function selfIssuedKey(world: World, tags: Record<string, string> = {}) {
  const defaults = {
    'keyturn:runbook': 'https://runbooks.example.com/keyturn/billing-api',
    'keyturn:linked-systems': 'billing-service',
  };
  const secret = world.sm.addSecret('keyturn/prod/billing-api', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({ ...defaults, ...tags }),
  });
  const previous = await world.rotate(secret.arn);
  const current = await world.rotate(secret.arn);
  return { arn: secret.arn, previous, current };
}

export async function iamKey(world: World, tags: Record<string, string> = {}) {
  const secret = world.sm.addSecret('keyturn/prod/deploy-bot', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({
      'keyturn:key': 'deploy-bot',
      'keyturn:provider': 'iam-access-key',
      'keyturn:provider:user-arn': 'arn:aws:iam::111122223333:user/deploy-bot',
      ...tags,
    }),
  });
  const previous = await world.rotate(secret.arn);
  const current = await world.rotate(secret.arn);
  return { arn: secret.arn, previous, current };
}

export function leakEvent(detail: Record<string, unknown>, id = 'evt-0001-aaaa-bbbb') {
  return {
    version: '0',
    id,
    source: EVENTS.source,
    'detail-type': EVENTS.apiKeyLeaked,
    account: '111122223333',
    time: '2026-11-23T09:59:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

/** Shaped as AWS documents the AWS Health exposed-credential event (AWS_RISK_CREDENTIALS_EXPOSED). */
export function healthEvent(
  accessKeyId: string,
  code = 'AWS_RISK_CREDENTIALS_EXPOSED',
  id = '7bf73129-1428-4cd3-a780-95db273d1602',
) {
  return {
    version: '0',
    id,
    'detail-type': 'AWS Health Event',
    source: 'aws.health',
    account: '111122223333',
    time: '2026-11-23T09:58:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventArn: `arn:aws:health:global::event/RISK/${code}/${code}_ABCDEF123456`,
      service: 'RISK',
      eventTypeCode: code,
      eventTypeCategory: 'issue',
      startTime: 'Sun, 23 Nov 2026 09:55:00 GMT',
      eventDescription: [
        { language: 'en_US', latestDescription: 'Your AWS access key is publicly exposed.' },
      ],
      affectedEntities: [{ entityValue: accessKeyId }],
    },
  };
}
