/**
 * The leak response's configuration: who may put leak signals on keyturn's leak bus. AWS Health's events arrive on
 * the default bus from AWS itself and need no entry.
 */
import * as z from 'zod';
import { LEAK_SENDER_PATTERN } from '../../lambdas/core/constants';

/** An IAM role or user ARN of this or another account; `*` allowed in the name (`role/oncall-*`). */
const principalArn = z
  .string()
  .max(256)
  .regex(
    LEAK_SENDER_PATTERN,
    'a leak sender must be an IAM role or user ARN, e.g. arn:aws:iam::111122223333:role/oncall-* (or an assumed-role ARN)',
  );

export const leakResponseConfigSchema = z
  .strictObject({
    /**
     * Principals that may put keyturn "API Key Leaked" events on the leak bus (the people and scanners who report
     * leaks, and the roles `keyturn leak` runs as). Everyone else is denied by the bus policy, even with
     * `events:PutEvents` on `*`. Empty: nobody can report through the bus (AWS Health still works).
     */
    senders: z.array(principalArn).max(20, 'at most 20 leak senders (use a wildcard role path)').default([]),
  })
  .default({ senders: [] });

export type LeakResponseConfig = z.output<typeof leakResponseConfigSchema>;
