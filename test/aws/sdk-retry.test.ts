/**
 * The one retry layer is the SDK's own, configured by SDK_RETRY_ENV: a real SDK client against a loopback server
 * that throttles proves that throttling is absorbed, that the attempts are bounded, and that other errors are not
 * retried. (aws-sdk-client-mock replaces `send`, so the SDK's retry middleware only runs against a real endpoint.)
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretInventory } from '../../lambdas/aws/secret-inventory';
import { isThrottling } from '../../lambdas/aws/sdk-errors';
import { SDK_RETRY_ENV } from '../../lambdas/core/constants';

let server: http.Server;
let endpoint: string;
let script: Array<{ status: number; type?: string }>;
let requests: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const next = script.shift() ?? { status: 200 };
      res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        next.type
          ? JSON.stringify({ __type: next.type, message: 'Rate exceeded' })
          : JSON.stringify({ SecretList: [] }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const saved = { ...process.env };
beforeEach(() => {
  requests = 0;
  script = [];
  Object.assign(process.env, SDK_RETRY_ENV);
});
afterEach(() => {
  for (const key of Object.keys(SDK_RETRY_ENV)) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

/** Built after the environment is set, as in a Lambda: the SDK reads its retry settings when a client is made. */
const client = () =>
  new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

const throttled = { status: 400, type: 'ThrottlingException' };

test('throttling is absorbed by the SDK: two throttled ListSecrets pages, then the listing completes', async () => {
  script = [throttled, throttled];
  await expect(new SecretInventory(client()).listManaged()).resolves.toEqual([]);
  expect(requests).toBe(3);
});

test('guard: throttling that never ends fails after the configured attempts (no endless loop)', async () => {
  script = Array.from({ length: 20 }, () => throttled);
  const failure = await new SecretInventory(client()).listManaged().catch((error: unknown) => error);
  expect(isThrottling(failure)).toBe(true);
  expect(requests).toBe(Number(SDK_RETRY_ENV.AWS_MAX_ATTEMPTS));
});

test('an error that is not transient is not retried', async () => {
  script = [{ status: 400, type: 'AccessDeniedException' }];
  const failure = await new SecretInventory(client()).listManaged().catch((error: unknown) => error);
  expect(isThrottling(failure)).toBe(false);
  expect((failure as Error).name).toBe('AccessDeniedException');
  expect(requests).toBe(1);
});
