/**
 * The issuance records for tests: what the rotate function recorded issuing (the ledger table's `issued#` items in
 * the stack). One log shared by a test's rotate, retire and leak deps, as the three functions share the table. Only
 * keyturn's code (createSecret) writes it; a test that plays an attacker writes secret values, never this log.
 */
import type { IssuanceEntry, IssuanceLog, IssuedKeyRecord } from '../../lambdas/core/issuance';

export class MemoryIssuanceLog implements IssuanceLog {
  readonly entries: IssuanceEntry[] = [];
  reads = 0;

  async recordIssued(entry: IssuanceEntry): Promise<void> {
    const same = (e: IssuanceEntry) =>
      e.secretName === entry.secretName && e.versionId === entry.versionId && e.keyId === entry.keyId;
    if (!this.entries.some(same)) this.entries.push({ ...entry });
  }

  async issuedFor(secretName: string, versionId?: string): Promise<IssuedKeyRecord[]> {
    this.reads++;
    return this.entries
      .filter((e) => e.secretName === secretName && (versionId === undefined || e.versionId === versionId))
      .map(({ secretArn, versionId: v, keyId, at }) => ({ secretArn, versionId: v, keyId, at }));
  }

  reset(): void {
    this.entries.length = 0;
    this.reads = 0;
  }
}
