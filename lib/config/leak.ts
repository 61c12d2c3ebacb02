/**
 * The leak response's configuration: who may put leak signals on keyturn's leak bus, and the blast-radius cap (how
 * many keys the response may revoke within a window before a human must approve). AWS Health's events arrive on
 * the default bus from AWS itself and need no entry.
 */
import * as z from 'zod';
import { BLAST_RADIUS_DEFAULTS, LEAK_SENDER_PATTERN } from '../../lambdas/core/constants';

/** An IAM role or user ARN of this or another account; `*` allowed in the name (`role/oncall-*`). */
const principalArn = z
  .string()
  .max(256)
  .regex(
    LEAK_SENDER_PATTERN,
    'a leak sender must be an IAM role or user ARN, e.g. arn:aws:iam::111122223333:role/oncall-* (or an assumed-role ARN)',
  );

const wholeNumber = (field: string, min: number, max: number, why: string) =>
  z
    .number({ error: `${field} must be a whole number from ${min} to ${max} (${why})` })
    .int(`${field} must be a whole number from ${min} to ${max} (${why})`)
    .min(min, `${field} must be at least ${min} (${why})`)
    .max(max, `${field} must be at most ${max} (${why})`);

/**
 * More than `maxRevocations` keys revoked (or about to be) by the leak response within `windowMinutes`: the next
 * response revokes nothing until on-call approves (`keyturn leak approve <incident-id>`), and ends without revoking
 * after `approvalTimeoutMinutes`. There is no "off": a large fleet raises the numbers.
 */
export const blastRadiusSchema = z
  .strictObject({
    maxRevocations: wholeNumber(
      'leakResponse.blastRadius.maxRevocations',
      1,
      100,
      'the keys revoked automatically within the window; the next one waits for a human',
    ).default(BLAST_RADIUS_DEFAULTS.maxRevocations),
    windowMinutes: wholeNumber(
      'leakResponse.blastRadius.windowMinutes',
      1,
      1440,
      'the sliding window the revocations are counted in, in minutes',
    ).default(BLAST_RADIUS_DEFAULTS.windowMinutes),
    approvalTimeoutMinutes: wholeNumber(
      'leakResponse.blastRadius.approvalTimeoutMinutes',
      5,
      1440,
      'how long a held response waits for approval before it pages and ends without revoking',
    ).default(BLAST_RADIUS_DEFAULTS.approvalTimeoutMinutes),
  })
  .default({ ...BLAST_RADIUS_DEFAULTS });

export type BlastRadiusConfig = z.output<typeof blastRadiusSchema>;

export const leakResponseConfigSchema = z
  .strictObject({
    /**
     * Principals that may put keyturn "API Key Leaked" events on the leak bus (the people and scanners who report
     * leaks, and the roles `keyturn leak` runs as). Everyone else is denied by the bus policy, even with
     * `events:PutEvents` on `*`. Empty: nobody can report through the bus (AWS Health still works).
     */
    senders: z.array(principalArn).max(20, 'at most 20 leak senders (use a wildcard role path)').default([]),
    /** The blast-radius cap (above). */
    blastRadius: blastRadiusSchema,
  })
  .default({ senders: [], blastRadius: { ...BLAST_RADIUS_DEFAULTS } });

export type LeakResponseConfig = z.output<typeof leakResponseConfigSchema>;

/** What the pipeline accepts (construct props): the same, with every default optional. */
export type LeakResponseOptions = z.input<typeof leakResponseConfigSchema>;
