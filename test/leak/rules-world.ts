/**
 * A fast world for the leak response's rule tests (test/leak/*-rules.test.ts): test/leak/world.ts's Secrets Manager
 * fake, providers, issuance log and rotation, with an in-memory incident store and blast-radius count in place of
 * the DynamoDB table, and no state machine: a test calls the tasks (contain, the steps, the gate) itself, in the
 * machine's order, so each runs in milliseconds and a rule can be checked between two tasks.
 */
import type {
  BudgetClaim,
  IncidentRecord,
  IncidentStore,
  RevocationBudget,
} from '../../lambdas/core/leak/ports';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { buildWorld, leakEvent, type World } from './world';

/** Open-incident markers and records as the DynamoDB store keeps them (a marker held by another incident joins). */
export class MemoryIncidents implements IncidentStore {
  readonly records = new Map<string, IncidentRecord>();
  readonly markers = new Map<string, string>();
  readonly tokens = new Map<string, string>();
  readonly saved: IncidentRecord[] = [];
  readonly releasedMarkers: Array<{ marker: string; incidentId: string }> = [];

  async openOrJoin(input: Parameters<IncidentStore['openOrJoin']>[0]) {
    const holder = this.markers.get(input.marker);
    if (holder && holder !== input.record.id) {
      const record = this.records.get(holder);
      if (record) record.signals += 1;
      return { outcome: 'joined' as const, incidentId: holder };
    }
    this.markers.set(input.marker, input.record.id);
    this.records.set(input.record.id, structuredClone(input.record));
    return { outcome: 'opened' as const, incidentId: input.record.id };
  }

  async save(record: IncidentRecord) {
    this.saved.push(structuredClone(record));
    this.records.set(record.id, structuredClone(record));
  }

  async get(id: string) {
    return this.records.get(id);
  }

  async attachApprovalToken(id: string, token: string) {
    this.tokens.set(id, token);
  }

  async releaseMarker(marker: string, incidentId: string) {
    this.releasedMarkers.push({ marker, incidentId });
    if (this.markers.get(marker) === incidentId) this.markers.delete(marker);
  }
}

/** The cap's count, keyed by incident as the real one is: a retried claim keeps its place. */
export class MemoryBudget implements RevocationBudget {
  readonly places = new Set<string>();
  readonly claims: string[] = [];
  readonly released: string[] = [];

  constructor(
    public maxRevocations = 3,
    readonly windowSeconds = 600,
  ) {}

  async claim(incidentId: string): Promise<BudgetClaim> {
    this.claims.push(incidentId);
    if (!this.places.has(incidentId) && this.places.size >= this.maxRevocations)
      return { admitted: false, release: async () => undefined };
    this.places.add(incidentId);
    return {
      admitted: true,
      release: async () => {
        this.released.push(incidentId);
        this.places.delete(incidentId);
      },
    };
  }
}

export interface RulesWorld extends World {
  incidents: MemoryIncidents;
  budget: MemoryBudget;
}

const sm = new FakeSecretsManager();

/** A fresh world (the Secrets Manager fake is reset): the cap at `maxRevocations` in 10 minutes. */
export function rulesWorld(maxRevocations = 3): RulesWorld {
  sm.reset();
  const incidents = new MemoryIncidents();
  const budget = new MemoryBudget(maxRevocations);
  return { ...buildWorld(sm, incidents, budget), incidents, budget };
}

/** A keyturn "API Key Leaked" report of `key` in prod (`extra` overrides the detail). */
export function reportOf(key: string, extra: Record<string, unknown> = {}, id?: string) {
  return leakEvent(
    {
      key,
      environment: 'prod',
      where: 'https://github.com/acme/app/blob/main/.env',
      reportedBy: 'secret-scanner',
      ...extra,
    },
    id,
  );
}
