/**
 * A loopback HTTP proxy in front of moto that plays the parts of Secrets Manager moto lacks (MOTO_DIFFERENCES in
 * ./moto-server.ts): RotateSecret invokes the rotation function's four steps as the service does; the service's
 * AWSPENDING clean-up; "A previous rotation isn't complete"; ResourceExistsException for a reused token. Every
 * other request goes to moto untouched. Clients reach it through AWS_ENDPOINT_URL like any endpoint.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROTATION_STEPS, STAGE, type RotationStep } from '../../lambdas/core/constants';
import { lambdaContext } from './lambda';

/** The event Secrets Manager sends a rotation function. */
export interface RotationInvocation {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
}

/** A rotation function as Lambda runs it: the exported, middy-wrapped `handler`. */
export type RotationFunction = (
  event: RotationInvocation,
  context: ReturnType<typeof lambdaContext>,
) => unknown;

export interface RotationRun {
  secretArn: string;
  token: string;
  steps: RotationStep[];
  outcome: 'succeeded' | 'failed';
  error?: Error;
}

export interface MotoProxy {
  url: string;
  /** Bind a rotation function ARN (what RotationLambdaARN names) to the handler Lambda would run. */
  hostRotationFunction(arn: string, fn: RotationFunction): void;
  /** Every rotation the proxy ran, in order. */
  readonly rotations: RotationRun[];
  /** Resolves when every rotation started so far has run all its steps (or failed). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface Forwarded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(
  target: URL,
  method: string,
  path: string,
  headers: IncomingMessage['headers'],
  body: Buffer,
): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection')
              out[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string) {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(payload.length) });
  res.end(payload);
}

function awsJsonError(res: ServerResponse, type: string, message: string) {
  send(
    res,
    400,
    { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    JSON.stringify({ __type: type, message, Message: message }),
  );
}

export async function startMotoProxy(motoUrl: string): Promise<MotoProxy> {
  const target = new URL(motoUrl);
  const functions = new Map<string, RotationFunction>();
  const rotations: RotationRun[] = [];
  const inFlight = new Set<Promise<void>>();

  /** A Secrets Manager call straight to moto (unsigned: moto does not check signatures). */
  async function secretsManager(action: string, input: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(motoUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `secretsmanager.${action}`,
        // moto routes by the credential scope's service; it does not check the signature.
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(input),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) {
      const error = new Error(String(parsed.message ?? parsed.Message ?? text));
      error.name = String(parsed.__type ?? 'MotoError')
        .split('#')
        .pop()!;
      throw error;
    }
    return parsed;
  }

  async function runRotation(fn: RotationFunction, secretArn: string, token: string, steps: RotationStep[]) {
    const run: RotationRun = { secretArn, token, steps: [], outcome: 'succeeded' };
    rotations.push(run);
    try {
      for (const Step of steps) {
        run.steps.push(Step);
        await fn({ Step, SecretId: secretArn, ClientRequestToken: token }, lambdaContext('keyturn-rotate'));
      }
      if (steps.includes('finishSecret')) {
        // The service, not the function, clears AWSPENDING from the new AWSCURRENT version.
        await secretsManager('UpdateSecretVersionStage', {
          SecretId: secretArn,
          VersionStage: STAGE.pending,
          RemoveFromVersionId: token,
        });
      }
    } catch (error) {
      run.outcome = 'failed';
      run.error = error as Error;
    }
  }

  async function rotateSecret(headers: IncomingMessage['headers'], raw: Buffer, res: ServerResponse) {
    const input = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
    // The SDK always fills ClientRequestToken (an idempotency token); a raw caller may not.
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
    const secretId = String(input.SecretId ?? '');
    let description: Record<string, unknown>;
    try {
      description = await secretsManager('DescribeSecret', { SecretId: secretId });
    } catch (error) {
      return awsJsonError(res, (error as Error).name, (error as Error).message);
    }
    const versions = (description.VersionIdsToStages ?? {}) as Record<string, string[]>;
    const unfinished = Object.entries(versions).find(
      ([id, stages]) => stages.includes(STAGE.pending) && !stages.includes(STAGE.current) && id !== token,
    );
    if (unfinished) {
      return awsJsonError(
        res,
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    const functionArn = String(input.RotationLambdaARN ?? description.RotationLambdaARN ?? '');
    const fn = functions.get(functionArn);
    const forwarded = await forward(
      target,
      'POST',
      '/',
      headers,
      // moto forgets the configured function when RotationLambdaARN is omitted (and then promotes the empty
      // version itself): send the configured one, as the service would use it.
      Buffer.from(
        JSON.stringify({
          ...input,
          ClientRequestToken: token,
          ...(functionArn ? { RotationLambdaARN: functionArn } : {}),
        }),
      ),
    );
    const notHosted =
      forwarded.status >= 400 &&
      /ResourceNotFoundException/.test(String(forwarded.body)) &&
      String(forwarded.body).includes(functionArn);
    if (!fn || !notHosted) return send(res, forwarded.status, forwarded.headers, forwarded.body);
    // moto created AWSPENDING and stopped; the service would now answer and invoke the function.
    send(
      res,
      200,
      { 'content-type': 'application/x-amz-json-1.1' },
      JSON.stringify({ ARN: description.ARN, Name: description.Name, VersionId: token }),
    );
    const steps: RotationStep[] = input.RotateImmediately === false ? ['testSecret'] : [...ROTATION_STEPS];
    const rotation = runRotation(fn, String(description.ARN), token, steps);
    inFlight.add(rotation);
    void rotation.finally(() => inFlight.delete(rotation));
  }

  async function putSecretValue(headers: IncomingMessage['headers'], raw: Buffer, res: ServerResponse) {
    const input = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
    if (typeof input.ClientRequestToken === 'string') {
      let existing: Record<string, unknown> | undefined;
      try {
        existing = await secretsManager('GetSecretValue', {
          SecretId: input.SecretId,
          VersionId: input.ClientRequestToken,
        });
      } catch {
        existing = undefined; // no such version, or no value yet
      }
      if (existing && existing.SecretString !== input.SecretString) {
        return awsJsonError(
          res,
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      }
    }
    const forwarded = await forward(target, 'POST', '/', headers, raw);
    send(res, forwarded.status, forwarded.headers, forwarded.body);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const action = String(req.headers['x-amz-target'] ?? '');
      if (action === 'secretsmanager.RotateSecret') return rotateSecret(req.headers, body, res);
      if (action === 'secretsmanager.PutSecretValue') return putSecretValue(req.headers, body, res);
      const forwarded = await forward(target, req.method ?? 'GET', req.url ?? '/', req.headers, body);
      send(res, forwarded.status, forwarded.headers, forwarded.body);
    })().catch((error: Error) => {
      if (!res.headersSent) send(res, 502, { 'content-type': 'text/plain' }, `moto proxy: ${error.message}`);
      else res.destroy(error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hostRotationFunction: (arn, fn) => functions.set(arn, fn),
    rotations,
    settled: async () => {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
