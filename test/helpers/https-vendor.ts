/**
 * A vendor's key admin API on https://127.0.0.1 (node:https with a loopback certificate, ./loopback-tls.ts): a small
 * stateful fake that issues keys (an id and a secret, honouring Idempotency-Key), lists them, deletes them, and
 * answers a validation endpoint that accepts only live keys. The admin calls need this vendor's own admin
 * credential (an organisation and a token, as a JSON admin secret holds them). Every request is recorded, so a test
 * can say which server saw which credential. On demand a route answers a redirect instead. Stopped by the test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoopbackCertificate } from './loopback-tls';

/** The admin credential as its secret stores it (JSON: the profile reads `{{admin.org}}` and `{{admin.token}}`). */
export interface VendorAdminCredential {
  org: string;
  token: string;
}

export interface VendorKey {
  id: string;
  name: string;
  secret: string;
  live: boolean;
}

export interface VendorRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** What the vendor answered. */
  status: number;
}

/** Routes as `METHOD /path`, with `:id` for a key id. */
export type VendorRoute =
  'POST /v1/api-keys' | 'GET /v1/api-keys' | 'DELETE /v1/api-keys/:id' | 'GET /v1/validate';

export class HttpsVendor {
  readonly admin: VendorAdminCredential;
  readonly keys = new Map<string, VendorKey>();
  readonly requests: VendorRequest[] = [];
  /** TLS handshakes that failed (a client that does not trust this server's certificate). */
  tlsClientErrors = 0;
  baseUrl = '';
  private readonly idempotent = new Map<string, string>();
  private readonly redirects = new Map<string, string>();
  private server?: Server;

  constructor(
    /** Names the vendor's keys (`<name>_…`) and admin credential. */
    readonly name: string,
    private readonly tls: LoopbackCertificate,
  ) {
    this.admin = { org: `org-${name}`, token: `adm_${name}_${randomBytes(16).toString('hex')}` };
  }

  /** The admin secret's value, as an operator stores it in Secrets Manager. */
  adminSecretString(): string {
    return JSON.stringify(this.admin);
  }

  async start(): Promise<this> {
    this.server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      void this.handle(req, res).catch(() => res.destroy());
    });
    this.server.on('tlsClientError', () => {
      this.tlsClientErrors++;
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Until cleared, answer `route` with 307 to `location` (a compromised or misconfigured vendor endpoint). */
  redirect(route: VendorRoute, location: string | undefined): void {
    if (location === undefined) this.redirects.delete(route);
    else this.redirects.set(route, location);
  }

  /** Whether the validation endpoint accepts `secret` now. */
  accepts(secret: string): boolean {
    return [...this.keys.values()].some((k) => k.live && k.secret === secret);
  }

  private answer(res: ServerResponse, seen: VendorRequest, status: number, body?: unknown) {
    seen.status = status;
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const seen: VendorRequest = {
      method: req.method ?? '',
      path: url.pathname + url.search,
      headers: req.headers,
      body,
      status: 0,
    };
    this.requests.push(seen);
    const route = `${req.method} ${url.pathname.replace(/^\/v1\/api-keys\/[^/]+$/, '/v1/api-keys/:id')}`;
    const location = this.redirects.get(route);
    if (location) {
      seen.status = 307;
      res.writeHead(307, { location }).end();
      return;
    }
    if (route === 'GET /v1/validate') {
      const key = req.headers['acme-api-key'];
      return typeof key === 'string' && this.accepts(key)
        ? this.answer(res, seen, 200, { valid: true })
        : this.answer(res, seen, 401, { errors: ['invalid API key'] });
    }
    const admitted =
      req.headers.authorization === `Bearer ${this.admin.token}` &&
      req.headers['acme-org'] === this.admin.org;
    if (!admitted) return this.answer(res, seen, 403, { errors: ['admin credential required'] });
    if (route === 'POST /v1/api-keys') {
      const idem = req.headers['idempotency-key'];
      const earlier = typeof idem === 'string' ? this.keys.get(this.idempotent.get(idem) ?? '') : undefined;
      const { name } = JSON.parse(body || '{}') as { name?: unknown };
      if (!earlier && typeof name !== 'string') return this.answer(res, seen, 400, { errors: ['name'] });
      const key = earlier ?? {
        id: randomUUID(),
        name: name as string,
        secret: `${this.name}_${randomBytes(24).toString('base64url')}`,
        live: true,
      };
      this.keys.set(key.id, key);
      if (typeof idem === 'string') this.idempotent.set(idem, key.id);
      return this.answer(res, seen, 201, { data: { id: key.id, name: key.name, key: key.secret } });
    }
    if (route === 'GET /v1/api-keys') {
      const live = [...this.keys.values()].filter((k) => k.live);
      return this.answer(res, seen, 200, { data: live.map((k) => ({ id: k.id, name: k.name })) });
    }
    if (route === 'DELETE /v1/api-keys/:id') {
      const key = this.keys.get(decodeURIComponent(url.pathname.split('/').pop()!));
      if (!key?.live) return this.answer(res, seen, 404, { errors: ['no such key'] });
      key.live = false;
      return this.answer(res, seen, 204);
    }
    return this.answer(res, seen, 404, { errors: ['no such route'] });
  }
}

/**
 * This vendor's profile as a user writes it under `httpApis` (lib/config/http-api.ts): the admin credential in two
 * headers, the key only in the validation request.
 */
export function vendorProfile(baseUrl: string): Record<string, unknown> {
  const admin = { Authorization: 'Bearer {{admin.token}}', 'Acme-Org': '{{admin.org}}' };
  return {
    baseUrl,
    keyIdPattern: '^[0-9a-f-]{36}$',
    timeoutMs: 2000,
    maxRetries: 1,
    create: {
      method: 'POST',
      path: '/v1/api-keys',
      headers: admin,
      body: { name: '{{newKeyName}}' },
      successStatus: [201],
      keyPath: '$.data.key',
      idPath: '$.data.id',
      idempotencyHeader: 'Idempotency-Key',
    },
    findOrphans: {
      method: 'GET',
      path: '/v1/api-keys',
      headers: admin,
      itemsPath: '$.data',
      namePath: '$.name',
      idPath: '$.id',
    },
    verify: {
      method: 'GET',
      path: '/v1/validate',
      headers: { 'Acme-Api-Key': '{{key}}' },
      acceptStatus: [200],
      refuseStatus: [401],
    },
    revoke: {
      method: 'DELETE',
      path: '/v1/api-keys/{{keyId}}',
      headers: admin,
      successStatus: [204, 404],
    },
  };
}
