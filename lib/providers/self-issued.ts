/**
 * Self-issued keys (lambdas/providers/self-issued.ts): keyturn generates them, consumers check them against
 * the secret. Settings: an optional prefix and body length; no grants outside the secret.
 */
import * as z from 'zod';
import { KEY_PREFIX_PATTERN, PROVIDER_KINDS, PROVIDER_SETTINGS } from '../../lambdas/core/constants';
import { defineProvider, NO_GRANT } from './descriptor';

const SETTINGS = PROVIDER_SETTINGS.selfIssued;

export const selfIssued = defineProvider({
  kind: PROVIDER_KINDS.selfIssued,
  schema: z.strictObject({
    kind: z.literal(PROVIDER_KINDS.selfIssued),
    /** Key prefix, e.g. `kt_live_`; default `kt_live_` for prod, `kt_<environment>_` otherwise. */
    prefix: z
      .string()
      .regex(
        KEY_PREFIX_PATTERN,
        'prefix must look like "kt_live_": lowercase letters/digits, ending with "_"',
      )
      .optional(),
    /** Random characters after the prefix (32–128). */
    bodyLength: z.number().int().min(32).max(128).optional(),
  }),
  settings: (provider) => ({
    ...(provider.prefix ? { [SETTINGS.prefix]: provider.prefix } : {}),
    ...(provider.bodyLength ? { [SETTINGS.bodyLength]: String(provider.bodyLength) } : {}),
  }),
  grants: { rotate: () => NO_GRANT, revoke: () => NO_GRANT },
});
