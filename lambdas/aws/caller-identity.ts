/**
 * STS GetCallerIdentity with a given set of credentials: the one call any valid AWS key may make, so it proves
 * the key authenticates. A client per credential set, built by an injectable factory.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

type StsClientFactory = (credentials: AwsCredentials) => STSClient;

const defaultStsClientFactory: StsClientFactory = (credentials) =>
  // No retries here: the provider's own backoff decides how long to wait for IAM to propagate the key.
  new STSClient({ credentials, maxAttempts: 1 });

export class CallerIdentity {
  constructor(private readonly clientFor: StsClientFactory = defaultStsClientFactory) {}

  /** The ARN the credentials authenticate as; throws the SDK's error (e.g. `InvalidClientTokenId`) otherwise. */
  async arnOf(credentials: AwsCredentials): Promise<string> {
    const client = this.clientFor(credentials);
    try {
      const out = await client.send(new GetCallerIdentityCommand({}));
      if (!out.Arn) throw new Error('GetCallerIdentity returned no ARN');
      return out.Arn;
    } finally {
      client.destroy();
    }
  }
}
