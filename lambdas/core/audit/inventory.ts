/** The key inventory as the audit and `keyturn status` see it: one entry per managed secret. No AWS here. */
import type { SecretDescription } from '../ports';

/** A managed secret as ListSecrets shows it (no per-secret DescribeSecret needed), plus its pending version's age. */
export interface ManagedSecret extends SecretDescription {
  createdDate?: Date;
  /** The version holding AWSPENDING without AWSCURRENT (an unfinished rotation), when there is one. */
  pendingVersion?: { versionId: string; createdDate?: Date };
}

/** Where the inventory comes from (lambdas/aws/secret-inventory.ts over Secrets Manager). */
export interface Inventory {
  /** Every managed secret (tag `keyturn:managed=true`, under the secret prefix), all pages. */
  listManaged(): Promise<ManagedSecret[]>;
}
