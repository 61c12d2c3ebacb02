/**
 * An HTTP admin API key end to end: the key is configured as a user writes it (`httpApis` profiles, the admin
 * credential in its own secret), the rotate and retire functions get the profiles the stack gives them
 * (KEYTURN_HTTP_API_PROFILES), and their exported handlers run against moto (RotateSecret → the service's four
 * steps; the retirement schedule fired as the scheduler would) and against vendors on https://127.0.0.1 with a
 * throw-away certificate the test's fetch trusts (test/helpers/loopback-tls.ts). Production code is unchanged:
 * the profiles are https, and certificates are verified as in Lambda.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { PROVIDER_ENV, PROVIDER_KINDS, STAGE } from '../../lambdas/core/constants';
import { retirementScheduleName } from '../../lambdas/core/retirement';
import { parseConfig } from '../../lib/config/load';
import type { KeyConfig, KeyturnConfig } from '../../lib/config/schema';
import { providerSettingsFor } from '../../lib/providers';
import { HttpsVendor, vendorProfile, type VendorRequest } from '../helpers/https-vendor';
import { captureOutput } from '../helpers/lambda';
import { loopbackCertificate, trustInFetch } from '../helpers/loopback-tls';
import { describeWithMoto } from '../helpers/moto-server';
import {
  deployManagedSecret,
  hostRotateFunction,
  invoke,
  RETIRE_FUNCTION_ARN,
  rotateAndSettle,
  stagesOf,
  startWorld,
  storedKey,
  versionWith,
  type Handler,
  type World,
} from './world';

const EXAMPLE = path.join(__dirname, '..', '..', 'bin', 'keyturn.config.json');

/** A key entry as a user writes it, using profile `profile` with that vendor's admin secret. */
function keyEntry(name: string, profile: string, adminSecretArn: string) {
  return {
    name,
    provider: { kind: PROVIDER_KINDS.httpAdminApi, profile, adminSecretArn },
    environment: 'prod',
    tier: 'standard',
    overlapHours: 24,
    owner: 'search-team@example.com',
    backupOwner: 'platform-oncall@example.com',
    scopes: ['search:query'],
    linkedSystems: ['search-service'],
    runbookUrl: `https://runbooks.example.com/keyturn/${name}`,
  };
}

/** What the http-admin-api descriptor (lib/providers/http-admin-api.ts) gives a function: its profiles, one JSON variable. */
function profilesEnvironment(config: KeyturnConfig): string {
  const profiles: Record<string, unknown> = {};
  for (const key of config.keys) {
    if (key.provider.kind === 'http-admin-api') profiles[key.provider.profile] = key.provider.definition;
  }
  return JSON.stringify(profiles);
}

/** A request as `METHOD /path STATUS`, with the key id in the path kept. */
const line = (r: VendorRequest) => `${r.method} ${r.path} ${r.status}`;

describeWithMoto(
  'an HTTP admin API key through the rotate and retire handlers against an https vendor',
  () => {
    let world: World;
    let retire: Handler;
    let acme: HttpsVendor;
    let globex: HttpsVendor;
    let impostor: HttpsVendor;
    let untrust: (() => Promise<void>) | undefined;
    const adminArn: Record<string, string> = {};
    let rawConfig: { pipeline: unknown; httpApis: Record<string, unknown>; keys: unknown[] };
    let config: KeyturnConfig;
    let output: ReturnType<typeof captureOutput>;

    beforeAll(async () => {
      world = await startWorld();
      const trusted = loopbackCertificate();
      [acme, globex, impostor] = await Promise.all([
        new HttpsVendor('acme', trusted).start(),
        new HttpsVendor('globex', trusted).start(),
        // On the loopback too, with a certificate of its own that the test does not trust.
        new HttpsVendor('impostor', loopbackCertificate()).start(),
      ]);
      untrust = await trustInFetch(trusted.cert);
      for (const vendor of [acme, globex, impostor]) {
        const created = await world.sm.send(
          new CreateSecretCommand({
            Name: `platform/${vendor.name}-admin`,
            SecretString: vendor.adminSecretString(),
          }),
        );
        adminArn[vendor.name] = created.ARN!;
      }
      const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { pipeline: unknown };
      rawConfig = {
        pipeline: example.pipeline,
        httpApis: {
          acme: vendorProfile(acme.baseUrl),
          globex: vendorProfile(globex.baseUrl),
          impostor: vendorProfile(impostor.baseUrl),
        },
        keys: [
          keyEntry('billing-saas', 'acme', adminArn.acme),
          keyEntry('payouts-saas', 'acme', adminArn.acme),
          keyEntry('redirected-saas', 'acme', adminArn.acme),
          keyEntry('search-saas', 'globex', adminArn.globex),
          keyEntry('spoofed-saas', 'impostor', adminArn.impostor),
        ],
      };
      config = parseConfig(rawConfig);
      const profiles = profilesEnvironment(config);
      world.env.rotate[PROVIDER_ENV.httpApiProfiles] = profiles;
      world.env.retire[PROVIDER_ENV.httpApiProfiles] = profiles;
      await hostRotateFunction(world);
      ({ handler: retire } = await world.load<{ handler: Handler }>(
        '../../lambdas/retire/handler',
        world.env.retire,
      ));
    });
    afterAll(async () => {
      await untrust?.();
      await Promise.all([acme, globex, impostor].map((vendor) => vendor?.stop()));
      await world?.stop();
    });
    beforeEach(() => {
      output = captureOutput();
    });
    afterEach(() => output.restore());

    const keyNamed = (name: string): KeyConfig => config.keys.find((k) => k.name === name)!;

    /** The secret as the deployment creates it: registry entry from the key's configuration, first key issued. */
    function deploy(key: KeyConfig): Promise<string> {
      return deployManagedSecret(world, {
        keyName: key.name,
        provider: key.provider.kind,
        environment: key.environment,
        tier: key.tier,
        overlapHours: key.overlapHours,
        providerSettings: providerSettingsFor(key),
      });
    }

    /** What a consumer of the key sees: the vendor's validation endpoint, over TLS. */
    async function validate(vendor: HttpsVendor, key: string): Promise<number> {
      const response = await fetch(`${vendor.baseUrl}/v1/validate`, { headers: { 'Acme-Api-Key': key } });
      await response.arrayBuffer();
      return response.status;
    }

    /** No admin credential and no key in anything the functions wrote (logs and EMF metrics); something was. */
    function expectNothingSecretLogged(keys: string[]) {
      const text = output.text();
      expect(text).toMatch(/"service":"keyturn-(rotate|retire)"/);
      for (const vendor of [acme, globex, impostor]) {
        expect(text).not.toContain(vendor.admin.token);
        expect(text).not.toContain(vendor.adminSecretString());
      }
      for (const key of keys) expect(text).not.toContain(key);
    }

    /** Deploy, rotate once more; the vendor's requests during that rotation and the retirement schedule. */
    async function rotatedOnce(key: KeyConfig, vendor: HttpsVendor) {
      const arn = await deploy(key);
      const oldVersion = (await versionWith(world, arn, STAGE.current))!;
      const oldKey = await storedKey(world, arn);
      const before = vendor.requests.length;
      const newVersion = await rotateAndSettle(world, arn);
      const calls = vendor.requests.slice(before);
      const newKey = await storedKey(world, arn);
      const schedule = await world.scheduler.send(
        new GetScheduleCommand({
          Name: retirementScheduleName(arn, oldVersion),
          GroupName: world.scheduleGroup,
        }),
      );
      return { arn, oldVersion, oldKey, newVersion, newKey, calls, schedule };
    }

    test('rotation through the rotate handler issues a new vendor key, stored as AWSCURRENT, that the vendor accepts; the old key keeps working in the overlap', async () => {
      const r = await rotatedOnce(keyNamed('billing-saas'), acme);

      expect(r.newKey.keyId).not.toBe(r.oldKey.keyId);
      // The vendor holds both keys, each named after the rotation that issued it.
      expect(acme.keys.get(r.newKey.keyId)).toEqual({
        id: r.newKey.keyId,
        name: `keyturn-billing-saas-prod-${r.newVersion}`,
        secret: r.newKey.key,
        live: true,
      });
      expect(acme.keys.get(r.oldKey.keyId)).toMatchObject({
        name: `keyturn-billing-saas-prod-${r.oldVersion}`,
        secret: r.oldKey.key,
      });
      const stages = await stagesOf(world, r.arn);
      expect(stages[r.newVersion]).toEqual([STAGE.current]);
      expect(stages[r.oldVersion]).toEqual([STAGE.previous]);
      expect(await validate(acme, r.newKey.key)).toBe(200);
      expect(await validate(acme, r.oldKey.key)).toBe(200);
      // The old key's retirement waits one overlap, at the retire function.
      expect(r.schedule.Target?.Arn).toBe(RETIRE_FUNCTION_ARN);
      expect(JSON.parse(r.schedule.Target!.Input!)).toEqual({ secretId: r.arn, versionId: r.oldVersion });
      // The rotation's own calls: orphan look-up, create, and testSecret's proof that the new key works.
      expect(r.calls.map(line)).toEqual([
        'GET /v1/api-keys 200',
        'POST /v1/api-keys 201',
        'GET /v1/validate 200',
        // finishSecret proves the pending key again before it promotes it.
        'GET /v1/validate 200',
      ]);
      expectNothingSecretLogged([r.oldKey.key, r.newKey.key]);
    });

    test('retirement through the retire handler deletes the old key at the vendor and proves it refused; the new key keeps working', async () => {
      const r = await rotatedOnce(keyNamed('payouts-saas'), acme);
      const before = acme.requests.length;

      await expect(
        invoke(retire, JSON.parse(r.schedule.Target!.Input!), 'keyturn-retire'),
      ).resolves.toMatchObject({ outcome: 'retired', keyName: 'payouts-saas' });

      const calls = acme.requests.slice(before);
      expect(calls.map(line)).toEqual([`DELETE /v1/api-keys/${r.oldKey.keyId} 204`, 'GET /v1/validate 401']);
      // The proof sent the old key, and only it, to the validation endpoint.
      expect(calls[1].headers['acme-api-key']).toBe(r.oldKey.key);
      expect(acme.keys.get(r.oldKey.keyId)?.live).toBe(false);
      expect(await validate(acme, r.oldKey.key)).toBe(401);
      expect(await validate(acme, r.newKey.key)).toBe(200);
      const stages = await stagesOf(world, r.arn);
      expect(stages[r.newVersion]).toEqual([STAGE.current]);
      expect(stages[r.oldVersion] ?? []).not.toContain(STAGE.previous);
      expect(output.text()).toContain('retirement done');
      expectNothingSecretLogged([r.oldKey.key, r.newKey.key]);
    });

    test("the admin credential goes only to its own profile's server, only on admin calls, and into no log line", async () => {
      const acmeBefore = acme.requests.length;
      const r = await rotatedOnce(keyNamed('search-saas'), globex);
      // One function holds both profiles: the globex key's rotation never reached acme.
      expect(acme.requests.length).toBe(acmeBefore);
      expect(globex.keys.get(r.newKey.keyId)?.secret).toBe(r.newKey.key);
      expect(await validate(globex, r.newKey.key)).toBe(200);

      for (const [vendor, other] of [
        [acme, globex],
        [globex, acme],
      ] as const) {
        expect(vendor.requests.length).toBeGreaterThan(0);
        for (const request of vendor.requests) {
          const seen = JSON.stringify(request);
          expect(seen).not.toContain(other.admin.token);
          expect(seen).not.toContain(other.admin.org);
          if (request.path === '/v1/validate') {
            // The key check carries the key, never the admin credential.
            expect(seen).not.toContain(vendor.admin.token);
            expect(request.headers.authorization).toBeUndefined();
          } else {
            expect(request.headers.authorization).toBe(`Bearer ${vendor.admin.token}`);
            expect(request.headers['acme-org']).toBe(vendor.admin.org);
          }
        }
      }
      expectNothingSecretLogged([r.oldKey.key, r.newKey.key]);
    });

    test('attack: a vendor endpoint that redirects the create elsewhere; fetch does not follow, the other server never sees the admin credential, AWSCURRENT keeps working', async () => {
      const arn = await deploy(keyNamed('redirected-saas'));
      const current = await storedKey(world, arn);
      const currentVersion = await versionWith(world, arn, STAGE.current);
      const globexBefore = globex.requests.length;
      const acmeBefore = acme.requests.length;
      acme.redirect('POST /v1/api-keys', `${globex.baseUrl}/v1/api-keys`);
      try {
        await expect(rotateAndSettle(world, arn)).rejects.toMatchObject({
          name: 'ProviderError',
          message: expect.stringMatching(/the create request to https:\/\/127\.0\.0\.1:\d+ failed/),
        });
      } finally {
        acme.redirect('POST /v1/api-keys', undefined);
      }
      expect(globex.requests.length).toBe(globexBefore);
      // The profile's one retry met the redirect too; nothing was issued.
      expect(acme.requests.slice(acmeBefore).map(line)).toEqual([
        'GET /v1/api-keys 200',
        'POST /v1/api-keys 307',
        'POST /v1/api-keys 307',
      ]);
      expect(await versionWith(world, arn, STAGE.current)).toBe(currentVersion);
      expect(await validate(acme, current.key)).toBe(200);
      expect(output.text()).toContain('rotation step failed');
      expectNothingSecretLogged([current.key]);
    });

    test('attack: a server on the loopback whose certificate the test CA did not sign gets no request (certificates stay verified)', async () => {
      const error = await deploy(keyNamed('spoofed-saas')).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toMatchObject({
        name: 'ProviderError',
        message: expect.stringMatching(/the findOrphans request to https:\/\/127\.0\.0\.1:\d+ failed/),
      });
      // What fetch met was the certificate (ProviderError ← fetch's TypeError ← the TLS error), not the network.
      expect(String((error?.cause as Error | undefined)?.cause)).toMatch(/self-signed certificate/);
      expect(impostor.requests).toEqual([]);
      // Both attempts (the profile allows one retry) stopped at the handshake; the server learns of the last one
      // a moment after the client gave up.
      for (const until = Date.now() + 2000; impostor.tlsClientErrors < 2 && Date.now() < until;)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(impostor.tlsClientErrors).toBe(2);
      expectNothingSecretLogged([]);
    });

    test("attack: a key pairing profile globex with acme's admin secret is refused at synth, and at run time before any server is called", async () => {
      const crossed = keyEntry('crossed-saas', 'globex', adminArn.acme);
      expect(() => parseConfig({ ...rawConfig, keys: [...rawConfig.keys, crossed] })).toThrow(
        /an admin credential is bound to one server/,
      );
      // A registry entry that says so anyway (a deployment that skipped the checks): the function refuses it.
      const before = [acme.requests.length, globex.requests.length];
      await expect(
        deployManagedSecret(world, {
          keyName: 'crossed-saas',
          provider: PROVIDER_KINDS.httpAdminApi,
          environment: 'prod',
          providerSettings: { profile: 'globex', 'admin-secret-arn': adminArn.acme },
        }),
      ).rejects.toMatchObject({
        name: 'ProviderError',
        message: expect.stringContaining('the admin credential secret is not bound to this profile'),
      });
      expect([acme.requests.length, globex.requests.length]).toEqual(before);
      expectNothingSecretLogged([]);
    });
  },
);
