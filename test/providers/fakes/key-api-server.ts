/**
 * A real HTTP server on 127.0.0.1 that behaves like a SaaS key API: it issues keys (honouring Idempotency-Key),
 * lists them, validates them, and revokes them; on demand it answers 500, 429 with Retry-After, too slowly,
 * non-JSON, or JSON without the key field. It stops itself when the test closes it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ADMIN_TOKEN = 'adm_' + 'x'.repeat(24);

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'non-json' }
  | { kind: 'missing-key' }
  | { kind: 'create-then-500' };

export interface IssuedServerKey {
  id: string;
  name: string;
  secret: string;
  active: boolean;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class KeyApiServer {
  readonly keys = new Map<string, IssuedServerKey>();
  readonly requests: SeenRequest[] = [];
  /** Faults for the next requests of a route (`POST /v1/keys`, `GET /v1/whoami`, …), in order. */
  readonly faults = new Map<string, Fault[]>();
  private readonly idempotent = new Map<string, string>();
  private server?: Server;
  private next = 1;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset() {
    this.keys.clear();
    this.requests.length = 0;
    this.faults.clear();
    this.idempotent.clear();
  }

  inject(route: string, ...faults: Fault[]) {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...faults]);
  }

  accepts(secret: string): boolean {
    return [...this.keys.values()].some((k) => k.secret === secret && k.active);
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      headers: req.headers,
      body,
    });
    const route = `${req.method} ${url.pathname.replace(/\/v1\/keys\/[^/]+$/, '/v1/keys/:id')}`;
    const fault = this.faults.get(route)?.shift();
    if (fault?.kind === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (res.destroyed) return;
    }
    if (fault?.kind === 'status') {
      res
        .writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {})
        .end('{"error":"try later"}');
      return;
    }
    if (route === 'GET /v1/whoami') {
      const key = req.headers['x-api-key'];
      if (typeof key === 'string' && this.accepts(key)) return this.json(res, 200, { ok: true });
      return this.json(res, 401, { error: 'invalid key' });
    }
    if (req.headers.authorization !== `Bearer ${ADMIN_TOKEN}`)
      return this.json(res, 401, { error: 'admin credential required' });
    if (route === 'POST /v1/keys') {
      const idem = req.headers['idempotency-key'];
      const earlier = typeof idem === 'string' ? this.idempotent.get(idem) : undefined;
      let key = earlier ? this.keys.get(earlier) : undefined;
      if (!key) {
        const { name } = JSON.parse(body || '{}') as { name?: string };
        key = {
          id: `key_${this.next++}`,
          name: name ?? '',
          secret: 'sk_' + randomBytes(24).toString('hex'),
          active: true,
        };
        this.keys.set(key.id, key);
        if (typeof idem === 'string') this.idempotent.set(idem, key.id);
      }
      if (fault?.kind === 'create-then-500') return this.json(res, 500, { error: 'oops' });
      if (fault?.kind === 'non-json')
        return void res.writeHead(201, { 'content-type': 'text/html' }).end('<html>created</html>');
      if (fault?.kind === 'missing-key') return this.json(res, 201, { data: { id: key.id } });
      return this.json(res, 201, { data: { id: key.id, name: key.name, secret: key.secret } });
    }
    if (route === 'GET /v1/keys') {
      return this.json(res, 200, {
        data: [...this.keys.values()].filter((k) => k.active).map((k) => ({ id: k.id, name: k.name })),
      });
    }
    if (route === 'DELETE /v1/keys/:id') {
      const key = this.keys.get(decodeURIComponent(url.pathname.split('/').pop()!));
      if (!key || !key.active) return this.json(res, 404, { error: 'not found' });
      key.active = false;
      res.writeHead(204).end();
      return;
    }
    this.json(res, 404, { error: 'no route' });
  }
}

/** The profile of this server, as a user would write it. */
export function keyApiProfile(baseUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    baseUrl,
    timeoutMs: 300,
    maxRetries: 2,
    create: {
      method: 'POST',
      path: '/v1/keys',
      headers: { Authorization: 'Bearer {{admin}}' },
      body: { name: '{{newKeyName}}' },
      successStatus: [201],
      keyPath: '$.data.secret',
      idPath: '$.data.id',
      idempotencyHeader: 'Idempotency-Key',
    },
    findOrphans: {
      method: 'GET',
      path: '/v1/keys',
      headers: { Authorization: 'Bearer {{admin}}' },
      itemsPath: '$.data',
      namePath: '$.name',
      idPath: '$.id',
    },
    verify: {
      method: 'GET',
      path: '/v1/whoami',
      headers: { 'X-Api-Key': '{{key}}' },
      acceptStatus: [200],
      refuseStatus: [401, 403],
    },
    revoke: {
      method: 'DELETE',
      path: '/v1/keys/{{keyId}}',
      headers: { Authorization: 'Bearer {{admin}}' },
      successStatus: [204, 404],
    },
    ...overrides,
  };
}
