/**
 * keyturn as a platform team gets it: `npm pack` (which builds: tsc + the pre-bundled Lambda assets), the tarball
 * installed into a scratch TypeScript CDK app made by `cdk init app --language typescript`, synthesized offline
 * with one key of each provider; the installed `keyturn` CLI; the verifier imported from plain Node.
 *
 * Offline by design: the tarball is unpacked into the scratch app's node_modules as npm would place it, and its
 * dependencies (and the app's own: aws-cdk-lib, constructs, cdk-nag, aws-cdk, tsx, typescript) are linked from
 * this repository's node_modules, never fetched. Nothing else of the repository is reachable from the scratch
 * app (it lives in the OS temp directory), so a file missing from the package, or a dependency missing from its
 * package.json, fails here.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { STACK_OUTPUTS } from '../../lambdas/core/constants';
import { EXIT } from '../../bin/cli/exit-codes';

const ROOT = path.join(__dirname, '..', '..');
const REPO_MODULES = path.join(ROOT, 'node_modules');
const APP_NAME = 'scratch';
/** What the scratch app itself needs besides keyturn (cdk init's template, minus test tooling not run here). */
const APP_DEPENDENCIES = [
  'aws-cdk-lib',
  'constructs',
  'cdk-nag',
  'aws-cdk',
  'tsx',
  'typescript',
  '@types/node',
  '@types/jest',
];

let work: string;
let app: string;
let installed: string;
let pkg: { version: string; dependencies: Record<string, string>; bin: Record<string, string> };
let timings: Record<string, number> = {};

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 1_200_000 });
  timings[`${path.basename(command)} ${args.slice(0, 2).join(' ')}`] = Date.now() - started;
  return result;
}

/** No AWS credentials, no AWS configuration files, no instance metadata: what a fresh CI runner has. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(AWS_|CDK_|KEYTURN_|JEST|NODE_OPTIONS)/.test(k)) env[k] = v;
  return {
    ...env,
    HOME: work,
    AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    npm_config_cache: path.join(work, 'npm-cache'),
    ...extra,
  };
}

const failure = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

function link(name: string): void {
  const target = path.join(REPO_MODULES, name);
  if (!existsSync(target)) throw new Error(`${name} is not installed in the repository`);
  const at = path.join(app, 'node_modules', name);
  if (existsSync(at)) return;
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

function linkBin(name: string, target: string): void {
  const bin = path.join(app, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  rmSync(path.join(bin, name), { force: true });
  symlinkSync(target, path.join(bin, name));
}

/** The keys the scratch app deploys: the providers example (IAM, API Gateway, HTTP admin API) plus a self-issued key. */
function scratchConfig(): unknown {
  const config = JSON.parse(
    readFileSync(path.join(ROOT, 'docs', 'examples', 'providers.config.json'), 'utf8'),
  );
  const [template] = config.keys;
  config.pipeline = { stackName: 'ScratchKeyturn' };
  config.keys.push({
    ...template,
    name: 'billing-api',
    provider: { kind: 'self-issued' },
    runbookUrl: 'https://runbooks.example.com/keyturn/billing-api',
  });
  return config;
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'keyturn-pack-'));
  timings = {};
  // 1. npm pack: prepack runs the build (tsc -p tsconfig.build.json, then the Lambda bundles).
  const pack = run(
    'npm',
    ['pack', '--pack-destination', work, '--silent'],
    ROOT,
    cleanEnv({ HOME: process.env.HOME }),
  );
  if (pack.status !== 0) throw new Error(`npm pack failed: ${failure(pack)}`);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball: ${failure(pack)}`);

  // 2. A scratch app exactly as `cdk init` makes it.
  app = path.join(work, APP_NAME);
  mkdirSync(app);
  const init = run(
    path.join(REPO_MODULES, '.bin', 'cdk'),
    ['init', 'app', '--language', 'typescript', '--generate-only'],
    app,
  );
  if (init.status !== 0) throw new Error(`cdk init failed: ${failure(init)}`);

  // 3. Install the tarball: unpacked where npm puts it, its bin linked, its dependencies present.
  installed = path.join(app, 'node_modules', 'keyturn');
  mkdirSync(installed, { recursive: true });
  const untar = run('tar', ['-xzf', path.join(work, tarball), '-C', installed, '--strip-components=1'], work);
  if (untar.status !== 0) throw new Error(`tar failed: ${failure(untar)}`);
  pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  for (const name of [...Object.keys(pkg.dependencies), ...APP_DEPENDENCIES]) link(name);
  for (const [name, rel] of Object.entries(pkg.bin)) {
    chmodSync(path.join(installed, rel), 0o755);
    linkBin(name, path.join('..', 'keyturn', rel));
  }
  linkBin('cdk', path.join(REPO_MODULES, 'aws-cdk', 'bin', 'cdk'));
  linkBin('tsc', path.join(REPO_MODULES, 'typescript', 'bin', 'tsc'));
  linkBin('tsx', path.join(REPO_MODULES, 'tsx', 'dist', 'cli.mjs'));

  // 4. The app uses keyturn as the README's quick start says.
  writeFileSync(path.join(app, 'keyturn.config.json'), JSON.stringify(scratchConfig(), null, 2));
  writeFileSync(
    path.join(app, 'bin', `${APP_NAME}.ts`),
    [
      '#!/usr/bin/env node',
      "import * as cdk from 'aws-cdk-lib/core';",
      "import { buildKeyturnApp, loadConfigFile } from 'keyturn';",
      '',
      'const app = new cdk.App();',
      "buildKeyturnApp(loadConfigFile('keyturn.config.json'), app);",
      'app.synth();',
      '',
    ].join('\n'),
  );
  const cdkJson = JSON.parse(readFileSync(path.join(app, 'cdk.json'), 'utf8'));
  cdkJson.notices = false;
  cdkJson.context = { ...cdkJson.context, notices: false, 'cli-telemetry': false };
  writeFileSync(path.join(app, 'cdk.json'), JSON.stringify(cdkJson, null, 2));
}, 1_800_000);

afterAll(() => {
  if (process.env.KEYTURN_KEEP_PACK) console.log(`scratch app kept in ${app}`);
  else if (work) rmSync(work, { recursive: true, force: true });
  console.log(`pack test timings (ms): ${JSON.stringify(timings)}`);
});

describe('the package', () => {
  test('ships compiled JS with declarations, the pre-built bundles and the docs; no TypeScript sources, tests or tsx shim', () => {
    const files = listFiles(installed).map((f) => path.relative(installed, f));
    expect(files).toEqual(
      expect.arrayContaining(['dist/lib/index.js', 'dist/lib/index.d.ts', 'README.md', 'LICENSE']),
    );
    expect(files).toContain('dist/lambdas/verifier/index.d.ts');
    for (const fn of ['rotate', 'retire', 'audit', 'notify', 'leak'])
      expect(files).toContain(`dist/lambdas/${fn}/bundle/index.js`);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^(test|bench|lib|lambdas|bin|node_modules)\//.test(f))).toEqual([]);
    expect(files.some((f) => f.includes('tsx'))).toBe(false);
  });

  test('aws-cdk-lib and constructs are peer dependencies, not dependencies (one copy in the consumer app)', () => {
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies)).toEqual(
      expect.arrayContaining(['aws-cdk-lib', 'constructs']),
    );
    for (const heavy of ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild', 'tsx', 'typescript'])
      expect(Object.keys(manifest.dependencies)).not.toContain(heavy);
  });
});

describe('the scratch CDK app', () => {
  let synth: SpawnSyncReturns<string>;
  let template: {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    Outputs: object;
  };

  beforeAll(() => {
    synth = run(path.join(app, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices'], app);
    console.log(`scratch app: cdk synth (exit ${synth.status})\n${synth.stdout}${synth.stderr}`);
    const file = path.join(app, 'cdk.out', 'ScratchKeyturn.template.json');
    template = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { Resources: {}, Outputs: {} };
  }, 1_200_000);

  test('type-checks (cdk init runs tsc first) and synthesizes offline with one key of each provider', () => {
    expect(synth.status).toBe(0);
    const secrets = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength((scratchConfig() as { keys: unknown[] }).keys.length);
    const kinds = new Set(
      (scratchConfig() as { keys: { provider: { kind: string } }[] }).keys.map((k) => k.provider.kind),
    );
    expect([...kinds].sort()).toEqual(['api-gateway-key', 'http-admin-api', 'iam-access-key', 'self-issued']);
  });

  test('deploys exactly the pre-built bundles keyturn shipped: nothing is bundled in the consumer app', () => {
    expect(`${synth.stdout}${synth.stderr}`).not.toMatch(/Bundling asset/);
    const lambdas = path.join(installed, 'dist', 'lambdas');
    const shipped = new Set(
      readdirSync(lambdas)
        .filter((fn) => existsSync(path.join(lambdas, fn, 'bundle', 'index.js')))
        .map((fn) => sha256(path.join(lambdas, fn, 'bundle', 'index.js'))),
    );
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const deployed = functions
      .map((f) => f.Metadata?.['aws:asset:path'])
      .filter((p): p is string => Boolean(p))
      .map((p) => sha256(path.join(app, 'cdk.out', p, 'index.js')));
    expect(deployed.length).toBeGreaterThanOrEqual(6);
    for (const hash of deployed) expect(shipped).toContain(hash);
  });

  test('the stack outputs carry their stable names', () => {
    expect(Object.keys(template.Outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
  });

  test('synth warns that nobody is subscribed to the critical topic', () => {
    expect(synth.stderr).toMatch(/Nobody is subscribed to the critical topic/);
  });
});

describe('the installed keyturn CLI (compiled JS, no tsx)', () => {
  const keyturn = (...args: string[]) => run(path.join(app, 'node_modules', '.bin', 'keyturn'), args, app);
  const quiet = (r: SpawnSyncReturns<string>) => {
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|ExperimentalWarning/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  };

  test('--version prints the version, exit 0', () => {
    const r = keyturn('--version');
    console.log(`$ keyturn --version\n${r.stdout}`);
    expect(r.status).toBe(EXIT.ok);
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.stderr).toBe('');
  });

  test('--help lists the commands and examples, exit 0', () => {
    const r = keyturn('--help');
    console.log(`$ keyturn --help\n${r.stdout}`);
    expect(r.status).toBe(EXIT.ok);
    for (const command of ['status', 'rotate', 'history', 'leak', 'incident'])
      expect(r.stdout).toContain(command);
    expect(r.stdout).toContain('Examples:');
    quiet(r);
  });

  test('status without credentials: a clear error, exit 3, no SDK notice', () => {
    const r = keyturn('status', '--region', 'us-east-1');
    console.log(`$ keyturn status --region us-east-1  (no credentials)\nexit ${r.status}\n${r.stderr}`);
    expect(r.status).toBe(EXIT.noCredentials);
    expect(r.stderr).toMatch(/^keyturn: No AWS credentials found\. /);
    quiet(r);
  });

  test('status without a region: a clear error, exit 3', () => {
    const r = keyturn('status');
    console.log(`$ keyturn status  (no region)\nexit ${r.status}\n${r.stderr}`);
    expect(r.status).toBe(EXIT.noCredentials);
    expect(r.stderr).toMatch(/^keyturn: No AWS region configured\. /);
    quiet(r);
  });
});

describe('the verifier from plain Node', () => {
  // The SDK's Node-version notice is the service's own business (its Node, its choice): switched off here.
  const env = () => cleanEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const PROBE = [
    "const { ApiKeyVerifier } = require('keyturn/verifier');",
    'const v = new ApiKeyVerifier({',
    "  keys: [{ name: 'billing-api', secretId: 'keyturn/prod/billing-api', prefix: 'kt_live_' }],",
    '});',
    "v.verify('not-a-keyturn-key').then((result) => {",
    '  const packages = Object.keys(require.cache)',
    "    .filter((f) => f.includes('node_modules'))",
    '    .map((f) => {',
    "      const p = f.split('node_modules/').pop().split('/');",
    "      return p.slice(0, p[0].startsWith('@') ? 2 : 1).join('/');",
    '    });',
    '  console.log(JSON.stringify({ type: typeof ApiKeyVerifier, result, loaded: [...new Set(packages)].sort() }));',
    '});',
  ].join('\n');

  test('require("keyturn/verifier") works and loads only the Secrets Manager client (and zod): nothing of CDK', () => {
    writeFileSync(path.join(app, 'verifier-probe.cjs'), PROBE);
    const r = run(process.execPath, ['verifier-probe.cjs'], app, env());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { type: string; result: unknown; loaded: string[] };
    console.log(`keyturn/verifier loads: ${out.loaded.join(', ')}`);
    expect(out.type).toBe('function');
    expect(out.result).toEqual({ valid: false, reason: 'malformed' });
    expect(out.loaded).toContain('@aws-sdk/client-secrets-manager');
    // The DynamoDB client (revocation reads) brings its endpoint cache: mnemonist and obliterator.
    for (const name of out.loaded)
      expect(name).toMatch(
        /^(keyturn|zod|tslib|mnemonist|obliterator|@aws-sdk\/.+|@smithy\/.+|@aws\/.+|@aws-crypto\/.+)$/,
      );
    for (const heavy of ['aws-cdk-lib', 'constructs', 'cdk-nag', 'commander', '@middy/core'])
      expect(out.loaded).not.toContain(heavy);
  });

  test('import { ApiKeyVerifier } from "keyturn/verifier" works from an ES module', () => {
    const r = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "import { ApiKeyVerifier } from 'keyturn/verifier';",
          "const v = new ApiKeyVerifier({ keys: [{ name: 'b', secretId: 'keyturn/prod/b', prefix: 'kt_live_' }] });",
          "console.log(JSON.stringify(await v.verify('kt_live_short')));",
        ].join('\n'),
      ],
      app,
      env(),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ valid: false, reason: 'malformed' });
  });

  test('only the declared entry points resolve: a deep import is refused', () => {
    const r = run(process.execPath, ['-e', "require('keyturn/dist/lib/pipeline')"], app, env());
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(path.join(dir, d.name)) : [path.join(dir, d.name)],
  );
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
