/**
 * The loopback TLS helper the https e2e tests rely on (test/helpers/loopback-tls.ts): the trust it gives Node's
 * fetch is that one certificate, for 127.0.0.1 only, and only until it is restored, so no other test (and no
 * production path) runs with weakened verification.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { assertUndiciMatches, loopbackCertificate, trustInFetch } from '../helpers/loopback-tls';

/** The TLS error fetch met, or the body it read. */
async function reach(url: string): Promise<string> {
  try {
    return await (await fetch(url)).text();
  } catch (error) {
    return String(((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? error);
  }
}

describe('loopback TLS for the https e2e tests', () => {
  const certificate = loopbackCertificate();
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer(certificate, (_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('fetch trusts the throw-away certificate only between trustInFetch and its restore', async () => {
    const url = `https://127.0.0.1:${port}/`;
    expect(await reach(url)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    const restore = await trustInFetch(certificate.cert);
    try {
      expect(await reach(url)).toBe('hello');
    } finally {
      await restore();
    }
    expect(await reach(url)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  test('while trusted, host names are still checked: the same server as localhost is refused', async () => {
    const restore = await trustInFetch(certificate.cert);
    try {
      expect(await reach(`https://localhost:${port}/`)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await restore();
    }
  });

  test('while trusted, a certificate the test did not make is refused', async () => {
    const restore = await trustInFetch(loopbackCertificate().cert);
    try {
      expect(await reach(`https://127.0.0.1:${port}/`)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await restore();
    }
  });

  test("the undici devDependency must share the major version of the undici Node's fetch bundles", () => {
    expect(() => assertUndiciMatches('6.24.1', '6.21.0')).not.toThrow();
    expect(() => assertUndiciMatches(undefined, '6.21.0')).not.toThrow();
    expect(() => assertUndiciMatches('7.16.0', '6.24.1')).toThrow(
      /bundles undici 7\.16\.0, the undici devDependency is 6\.24\.1: .*undici@7\.16\.0/,
    );
  });

  test('without openssl the helper fails with the install line', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => loopbackCertificate()).toThrow(
        /openssl not found on PATH.*Install: apt-get install openssl/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});
