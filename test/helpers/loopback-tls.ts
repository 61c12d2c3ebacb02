/**
 * TLS for loopback servers in tests, without weakening production code: a throw-away self-signed certificate for
 * 127.0.0.1 made with openssl when a test file starts, and trust in that one certificate for the test process's
 * fetch while the file runs. The handlers keep verifying certificates and host names as they do in Lambda; only
 * the set of trusted roots is the test's (and, while installed, nothing but it: a public certificate would be
 * refused too).
 *
 * How the trust reaches the handlers: Node's built-in fetch (undici) sends every request through the dispatcher
 * stored on the global object under Symbol.for('undici.globalDispatcher.1'), the slot undici's own
 * setGlobalDispatcher writes. jest runs a test file in a vm context whose globalThis is not the one Node's fetch
 * reads, so the dispatcher is installed on the main context's global (vm.runInThisContext('globalThis') is that
 * object both under jest and in plain node).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runInThisContext } from 'node:vm';
import { Agent, type Dispatcher } from 'undici';

/** openssl signs the certificate (Node's crypto makes the key, and can read certificates but not issue them). */
export const OPENSSL_INSTALL = 'apt-get install openssl (macOS: brew install openssl)';

export interface LoopbackCertificate {
  /** PEM certificate for 127.0.0.1 (self-signed: it is its own CA). */
  cert: string;
  /** PEM private key. */
  key: string;
}

/**
 * A fresh self-signed certificate whose only name is IP 127.0.0.1, valid for a day, on a new P-256 key (made in
 * milliseconds, where an RSA key takes a second on a busy machine); its files are removed.
 */
export function loopbackCertificate(): LoopbackCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyturn-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  try {
    writeFileSync(keyFile, key, { mode: 0o600 });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-key',
        keyFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-out',
        certFile,
      ],
      // The test's environment (jest gives each file its own copy of process.env; child_process reads Node's).
      { stdio: ['ignore', 'ignore', 'pipe'], env: process.env },
    );
    return { cert: readFileSync(certFile, 'utf8'), key };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `openssl not found on PATH: the loopback https tests make their certificate with it. Install: ${OPENSSL_INSTALL}`
        : `openssl could not make the loopback certificate: ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
      { cause: error },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Node's fetch calls the dispatcher with the handler interface of the undici it bundles; the devDependency's Agent
 * must be of the same major version. Throws, with the install line, when they differ (e.g. after a Node upgrade).
 */
export function assertUndiciMatches(bundled: string | undefined, installed: string): void {
  if (bundled === undefined || bundled.split('.')[0] === installed.split('.')[0]) return;
  throw new Error(
    `Node ${process.version} bundles undici ${bundled}, the undici devDependency is ${installed}: ` +
      `pin the one Node bundles (npm install --save-dev --save-exact undici@${bundled})`,
  );
}

function installedUndici(): string {
  const manifest = readFileSync(require.resolve('undici/package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/**
 * Make Node's fetch trust `ca` (and only it) until the returned function is called, which restores the previous
 * dispatcher. Affects https only: plain http (moto, the proxy) goes through the same agent unchanged.
 */
export async function trustInFetch(ca: string): Promise<() => Promise<void>> {
  // Node's fetch installs its default dispatcher when first used: use it once (a data: URL, no network) so there
  // is a default to restore.
  assertUndiciMatches(process.versions.undici, installedUndici());
  await fetch('data:,');
  const main = runInThisContext('globalThis') as Record<symbol, Dispatcher | undefined>;
  const previous = main[GLOBAL_DISPATCHER];
  if (!previous) throw new Error("Node's fetch has no global dispatcher to replace");
  const agent = new Agent({ connect: { ca } });
  main[GLOBAL_DISPATCHER] = agent;
  return async () => {
    main[GLOBAL_DISPATCHER] = previous;
    await agent.close();
  };
}
