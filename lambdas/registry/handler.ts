/**
 * The registry writer: CloudFormation invokes it for each key's Custom::KeyturnRegistration during a deployment,
 * and it writes (Create/Update) or removes (Delete) that key's registry entry, then answers CloudFormation. The
 * table's resource policy lets no other principal write; the table name comes from the environment, never from
 * the request. Thin: parse, write, respond.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRegistryWriter } from '../aws/key-registry';
import { REGISTRY_ENV } from '../core/constants';
import {
  parseRegistrationRequest,
  registrationResponse,
  type RegistrationRequest,
} from '../core/registry-request';
import { createLogger, describeError } from '../shared/powertools';

const logger = createLogger('keyturn-registry');

export const deps = {
  writer: new DynamoRegistryWriter(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    process.env[REGISTRY_ENV.table] ?? '',
  ),
  /** PUT the response to CloudFormation's pre-signed URL (signed without a content type). */
  respond: async (url: string, body: string): Promise<void> => {
    const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
    if (!res.ok) throw new Error(`CloudFormation response upload answered HTTP ${res.status}`);
  },
};

async function register(event: unknown): Promise<'SUCCESS' | 'FAILED'> {
  let request: RegistrationRequest;
  try {
    request = parseRegistrationRequest(event);
  } catch (error) {
    // Not a request CloudFormation sent (or an entry no configuration produces): nothing is written or answered.
    logger.error('registration request rejected', describeError(error));
    throw error;
  }
  logger.appendKeys({ requestType: request.requestType, logicalResourceId: request.logicalResourceId });
  const outcome = await write(request);
  const secretName = request.entry.ok ? request.entry.value.secretName : undefined;
  await deps.respond(request.responseUrl, registrationResponse({ ...request, secretName }, outcome));
  return outcome.ok ? 'SUCCESS' : 'FAILED';
}

async function write(request: RegistrationRequest): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { entry } = request;
  // An entry that never parsed was never written: deleting it is done; creating it fails the deployment.
  if (!entry.ok) return request.requestType === 'Delete' ? { ok: true } : { ok: false, reason: entry.reason };
  try {
    if (request.requestType === 'Delete') {
      logger.info('entry removed', { outcome: await deps.writer.delete(entry.value) });
    } else {
      await deps.writer.put(entry.value);
    }
    return { ok: true };
  } catch (error) {
    logger.error('registry write failed', describeError(error));
    return { ok: false, reason: `registry write failed (${describeError(error).errorName})` };
  }
}

export const handler = middy(register).use(injectLambdaContext(logger, { resetKeys: true }));
