/**
 * moto's server mode (`moto_server`), one per test file: a real AWS API (the SDK's own serializers, parsers and
 * errors) on 127.0.0.1 and a free port, stopped by its PID when the file is done.
 *
 * Where moto differs from AWS, `MOTO_DIFFERENCES` says what AWS does and how the suite compensates. Nobody tunes
 * keyturn's code to the emulator: a compensation lives here or in ./moto-proxy.ts, never in lambdas/ or bin/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

/** What a machine without moto must run. */
export const MOTO_INSTALL = "pip install 'moto[server]'";

/** Account and region moto answers for; the suite uses them wherever AWS would fill them in. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'us-east-1';

export interface MotoDifference {
  /** The API and what moto does. */
  moto: string;
  /** What AWS does instead. */
  aws: string;
  /** How the suite makes its tests hold for AWS's behaviour, not moto's. */
  compensation: string;
}

/** Every known difference between moto 5.2 and AWS that the emulator suite meets. */
export const MOTO_DIFFERENCES: readonly MotoDifference[] = [
  {
    moto: 'RotateSecret with a rotation function moto does not host: creates the AWSPENDING version, then fails with ResourceNotFoundException (with a moto-hosted function it "invokes" a stub and moves AWSCURRENT to the empty version)',
    aws: 'RotateSecret creates the AWSPENDING version (VersionId = ClientRequestToken), returns, and invokes the rotation function asynchronously once per step: createSecret, setSecret, testSecret, finishSecret',
    compensation:
      "moto-proxy.ts plays the service: it answers RotateSecret as AWS does and invokes the real rotate handler's four steps with the event AWS sends ({ Step, SecretId: the secret's ARN, ClientRequestToken })",
  },
  {
    moto: 'RotateSecret without RotationLambdaARN clears the configured rotation function and moves AWSCURRENT to the new, empty version',
    aws: 'RotateSecret without RotationLambdaARN rotates with the function already configured on the secret',
    compensation:
      "moto-proxy.ts sends the secret's configured RotationLambdaARN along when the caller omits it",
  },
  {
    moto: 'after a successful rotation the new AWSCURRENT version keeps its AWSPENDING label, and the next RotateSecret fails with "Previous rotation request is still in progress"',
    aws: 'the service removes AWSPENDING once finishSecret succeeded (the function must not: AWS warns it may signal an incomplete rotation)',
    compensation:
      'moto-proxy.ts removes the label after the four steps succeed, as the service does, with UpdateSecretVersionStage',
  },
  {
    moto: 'RotateSecret while another version is AWSPENDING (not AWSCURRENT) silently moves the label to a new version',
    aws: 'fails with InvalidRequestException "A previous rotation isn\'t complete. That rotation will be reattempted."',
    compensation:
      "moto-proxy.ts answers InvalidRequestException with the service's message before forwarding",
  },
  {
    moto: 'PutSecretValue with a reused ClientRequestToken and a different value overwrites the version',
    aws: 'fails with ResourceExistsException (the same token with the same value is an idempotent success)',
    compensation:
      'moto-proxy.ts reads the version first and answers ResourceExistsException when its value differs',
  },
  {
    moto: 'an Inactive IAM access key still authenticates at STS (GetCallerIdentity answers as the user)',
    aws: 'an Inactive key is refused (InvalidClientTokenId)',
    compensation:
      'tests prove a retired or revoked IAM key refused by its status in ListAccessKeys (what keyturn also checks) and by its absence once deleted; they never count on STS refusing an Inactive key',
  },
  {
    moto: 'CloudTrail LookupEvents is not implemented (the call fails)',
    aws: "LookupEvents returns the account's management events of the last 90 days",
    compensation:
      "the leak handler's audit task meets moto's failure as it would meet a CloudTrail outage: the e2e test asserts the incident says the lookup is incomplete and names the manual lookup; parsing real records is proven by test/leak against CloudTrail's record shape",
  },
  {
    moto: 'CloudWatch Logs metric filters do not turn log events into metrics; EventBridge TestEventPattern is missing',
    aws: 'metric filters emit metrics; TestEventPattern evaluates a pattern',
    compensation:
      'patterns and filters are proven by test/monitoring with their evaluators, not by this suite',
  },
  {
    moto: 'EventBridge Scheduler stores one-time schedules but never fires them',
    aws: 'at the schedule time it invokes the target with its Input',
    compensation:
      "tests read the schedule finishSecret created and invoke the retire handler with that schedule's Input, as the scheduler would",
  },
  {
    moto: 'API Gateway keys in a usage plan are not enforced at any stage (there is no deployed API to call)',
    aws: 'a disabled or deleted key is refused by the API (403)',
    compensation:
      "tests prove a retired API Gateway key refused by GetApiKey (disabled, then gone) and by keyturn's own verify, which reads the same state",
  },
];

/** The `moto_server` executable on PATH (or $MOTO_SERVER), if any. */
export function motoServerPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.MOTO_SERVER
    ? [env.MOTO_SERVER]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, 'moto_server'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One line: what is missing and how to install it. */
export function motoMissingMessage(): string {
  return `moto_server not found on PATH: the AWS emulator suite (test/e2e) needs it. Install: ${MOTO_INSTALL}`;
}

/**
 * `describe` for a suite that needs moto. Without it: under CI=true the suite fails with the install line; on a
 * developer's machine it is skipped (the one visible line comes from test/e2e/global-setup.ts).
 */
export function describeWithMoto(name: string, body: () => void): void {
  if (motoServerPath()) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('moto_server is installed (CI runs the emulator suite)', () => {
        throw new Error(motoMissingMessage());
      });
    });
    return;
  }
  describe.skip(name, body);
}

export interface MotoServer {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** Forget every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode}: ${stderr().slice(-500)}`);
    }
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Start moto on 127.0.0.1 and a free port; resolves once it answers. */
export async function startMoto(timeoutMs = 20_000): Promise<MotoServer> {
  const executable = motoServerPath();
  if (!executable) throw new Error(motoMissingMessage());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errText = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // moto logs every request here: keep only the tail, for a start-up failure's message.
    errText = (errText + chunk.toString()).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('moto_server did not start');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      await exited;
    }
  };
  try {
    await waitUntilReady(url, child, () => errText, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    pid,
    reset: async () => {
      const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    stop,
  };
}

/**
 * The environment an SDK client needs to reach `endpoint` (moto or the proxy in front of it): endpoint, fake
 * credentials, region. Set before importing a handler: handlers build their clients at module scope.
 */
export function awsEnvFor(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: MOTO_REGION,
    AWS_DEFAULT_REGION: MOTO_REGION,
  };
}
