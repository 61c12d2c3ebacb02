/**
 * `secretScanning` in the configuration: the secret scanning intake (lib/scanning-intake.ts), off unless enabled.
 * See docs/secret-scanning.md for registering each key prefix with a scanning partner program.
 */
import * as z from 'zod';
import { GITHUB_SCANNING_KEYS_URL } from '../../lambdas/core/constants';

export const secretScanningSchema = z
  .strictObject({
    /** Deploy the intake endpoint. */
    enabled: z.boolean().default(false),
    /** Where the partner publishes its signing keys. */
    publicKeysUrl: z
      .url({ protocol: /^https$/, message: 'publicKeysUrl must be an https URL' })
      .default(GITHUB_SCANNING_KEYS_URL),
    /** Requests per second the API stage accepts (steady state). */
    rateLimitPerSecond: z.number().int().min(1).max(1000).default(10),
    /** Requests the stage accepts in a burst. */
    burstLimit: z.number().int().min(1).max(5000).default(20),
    /** Reserved concurrency of the intake function. */
    reservedConcurrency: z.number().int().min(1).max(50).default(2),
  })
  .refine((c) => c.burstLimit >= c.rateLimitPerSecond, {
    message: 'secretScanning.burstLimit must be at least rateLimitPerSecond',
    path: ['burstLimit'],
  });
export type SecretScanningConfig = z.output<typeof secretScanningSchema>;
