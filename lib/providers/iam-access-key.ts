/**
 * IAM user access keys (lambdas/providers/iam-access-key.ts). Setting: the user's ARN. Grants: the access-key
 * calls on that user only; TagUser only for the pending-key marker; roles that only revoke get
 * List/Update/Delete.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as z from 'zod';
import { PROVIDER_KINDS, PROVIDER_SETTINGS } from '../../lambdas/core/constants';
import { defineProvider } from './descriptor';

/**
 * The tag key the IAM provider writes on a user while it creates a key (see
 * lambdas/providers/iam-access-key.ts).
 */
const IAM_PENDING_TAG_PATTERN = 'keyturn:pending:*';
const REVOKE_ACTIONS = ['iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'];

export const iamAccessKey = defineProvider({
  kind: PROVIDER_KINDS.iamAccessKey,
  /** IAM user names may hold `+=,.@_-`; a comma cannot go into a secret tag, so it is refused here. */
  schema: z.strictObject({
    kind: z.literal(PROVIDER_KINDS.iamAccessKey),
    /** The IAM user whose access keys keyturn rotates, e.g. `arn:aws:iam::111122223333:user/ci/deployer`. */
    userArn: z
      .string({ error: 'userArn is required (the IAM user ARN)' })
      .max(256)
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[\w+=.@-]+\/)*[\w+=.@-]{1,64}$/,
        'userArn must be an IAM user ARN like arn:aws:iam::111122223333:user/ci/deployer (no commas)',
      ),
  }),
  settings: (provider) => ({ [PROVIDER_SETTINGS.iamAccessKey.userArn]: provider.userArn }),
  grants: {
    rotate: ({ userArn }) => ({
      statements: [
        new iam.PolicyStatement({
          actions: [...REVOKE_ACTIONS, 'iam:CreateAccessKey', 'iam:ListUserTags', 'iam:UntagUser'],
          resources: [userArn],
        }),
        // The pending-key marker only: the role cannot change any other tag of the user.
        new iam.PolicyStatement({
          actions: ['iam:TagUser'],
          resources: [userArn],
          conditions: { 'ForAllValues:StringLike': { 'aws:TagKeys': [IAM_PENDING_TAG_PATTERN] } },
        }),
      ],
    }),
    revoke: ({ userArn }) => ({
      statements: [new iam.PolicyStatement({ actions: REVOKE_ACTIONS, resources: [userArn] })],
    }),
  },
});
