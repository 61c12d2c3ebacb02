/**
 * HTTP admin APIs (lambdas/providers/http-admin-api.ts): a key names a profile and the secret holding the
 * admin credential. Settings: both names. Grants: reading that one secret (the credential never goes into
 * configuration or environment). Environment: the profiles the function's keys use, as one size-checked JSON
 * variable.
 */
import { Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as z from 'zod';
import {
  MAX_HTTP_PROFILES_ENV_BYTES,
  PROVIDER_ENV,
  PROVIDER_KINDS,
  PROVIDER_SETTINGS,
} from '../../lambdas/core/constants';
import { boundHttpApiProfileSchema, type HttpApiProfile } from '../config/http-api';
import { defineProvider, type ProviderGrant } from './descriptor';

/** Secrets Manager ARNs end in a random 6-character suffix; an ARN given without it matches every suffix. */
const HAS_SUFFIX = /-[A-Za-z0-9]{6}$/;

function adminSecretGrant(adminSecretArn: string): ProviderGrant {
  if (HAS_SUFFIX.test(adminSecretArn)) {
    return {
      statements: [
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [adminSecretArn] }),
      ],
    };
  }
  const resource = `${adminSecretArn}-??????`;
  return {
    statements: [
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [resource] }),
    ],
    acknowledgements: [
      {
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          'The configured admin-credential secret: "-??????" matches only the random suffix Secrets Manager appends',
      },
    ],
  };
}

const profilesByFunction = new WeakMap<lambda.Function, Map<string, HttpApiProfile>>();

export const httpAdminApi = defineProvider({
  kind: PROVIDER_KINDS.httpAdminApi,
  schema: z.strictObject({
    kind: z.literal(PROVIDER_KINDS.httpAdminApi),
    /** Name of a profile under top-level `httpApis`, or of a shipped preset (e.g. "sendgrid", "datadog"). */
    profile: z
      .string({ error: 'profile is required (a name under httpApis, or a preset)' })
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'profile must be a lowercase name such as "sendgrid"'),
    /**
     * ARN of the Secrets Manager secret holding the admin credential (a string, or JSON for
     * `{{admin.<field>}}`).
     */
    adminSecretArn: z
      .string({ error: 'adminSecretArn is required (the secret holding the admin credential)' })
      .max(256)
      .regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/,
        'adminSecretArn must be a Secrets Manager secret ARN',
      ),
    /** Filled from `httpApis` or the preset at load time; not written by hand. */
    definition: boundHttpApiProfileSchema.optional(),
  }),
  settings: (provider) => ({
    [PROVIDER_SETTINGS.httpAdminApi.profile]: provider.profile,
    [PROVIDER_SETTINGS.httpAdminApi.adminSecretArn]: provider.adminSecretArn,
  }),
  // Rotating and revoking both call the vendor with the admin credential, read from its own secret at run
  // time.
  grants: {
    rotate: (provider) => adminSecretGrant(provider.adminSecretArn),
    revoke: (provider) => adminSecretGrant(provider.adminSecretArn),
  },
  /**
   * One JSON environment variable holds every profile the function's keys use. Throws at synth, naming the
   * key, when the profiles outgrow the limit Lambda's 4 KB environment leaves.
   */
  provideEnvironment(fn, key, provider) {
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
  },
});
