/**
 * CLI habits on-call knows from aws, kubectl and gh: --version, --profile, --region, --output json|table,
 * examples in every help, colour only on a TTY, no SDK Node-version notice on supported Node versions.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { clientConfig, colorAllowed, defaultDeps, type AwsOptions } from '../../bin/cli/deps';
import { EXIT } from '../../bin/cli/exit-codes';
import { severityLabel } from '../../bin/cli/output';
import { COMMANDS, EXAMPLES, createProgram } from '../../bin/cli/program';
import { quietSdkNodeWarning } from '../../bin/cli/quiet';
import { packageVersion } from '../../bin/cli/version';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { hoursAgo } from '../audit/fixtures';
import { addManaged, installVersionIds } from '../audit/secrets-fixture';
import { keyturn } from './harness';

const ESC = '\x1b[';
const fake = new FakeSecretsManager();
beforeEach(() => {
  fake.reset();
  installVersionIds(fake);
});

/** One key whose rotation is stuck: a critical finding, so status has coloured lines to print. */
function stuckKey() {
  const stuck = addManaged(fake, 'stuck-api', { lastAccessedDate: hoursAgo(1) });
  fake.beginRotation(stuck.arn, 'v-stuck');
  stuck.versions.get('v-stuck')!.created = hoursAgo(10);
}

describe('--version', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

  test.each([['--version'], ['-v']])('%s prints the package version and exits 0', async (flag) => {
    const { code, stdout } = await keyturn([flag]);
    expect(code).toBe(EXIT.ok);
    expect(stdout.trim()).toBe(pkg.version);
  });

  test('the version is found from a nested directory of the package, and is "unknown" outside one', () => {
    expect(packageVersion(path.join(__dirname, '..', '..', 'bin', 'cli'))).toBe(pkg.version);
    expect(packageVersion('/')).toBe('unknown');
  });
});

describe('help', () => {
  const program = createProgram({} as never);
  const names = program.commands.map((c) => c.name());

  test('every command is registered and has examples', () => {
    expect(names).toHaveLength(COMMANDS.length);
    expect(Object.keys(EXAMPLES).sort()).toEqual(['keyturn', ...names].sort());
  });

  test.each(['keyturn', 'status', 'rotate', 'history', 'leak', 'incident'])(
    'the help of %s ends with runnable examples of itself',
    async (name) => {
      const { code, stdout } = await keyturn(name === 'keyturn' ? ['--help'] : [name, '--help']);
      expect(code).toBe(EXIT.ok);
      const tail = stdout.slice(stdout.indexOf('Examples:'));
      expect(tail).toMatch(/^Examples:\n {2}\$ keyturn /);
      if (name !== 'keyturn') expect(tail).toContain(` ${name} `);
    },
  );

  test('the top-level help names the global options', async () => {
    const { stdout } = await keyturn(['--help']);
    for (const option of ['--version', '--profile <name>', '--region <region>', '--output <format>'])
      expect(stdout).toContain(option);
  });
});

describe('--output', () => {
  test('--output json prints the same JSON as --json', async () => {
    stuckKey();
    const a = await keyturn(['--output', 'json', 'status']);
    const b = await keyturn(['--json', 'status']);
    expect(a.code).toBe(EXIT.failed);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  });

  test('--output table (the default) prints the table', async () => {
    stuckKey();
    const { stdout } = await keyturn(['--output', 'table', 'status']);
    expect(stdout).toMatch(/^KEY\s+ENV/);
  });

  test('an unknown format is a usage error naming the choices', async () => {
    const { code, stderr } = await keyturn(['--output', 'yaml', 'status']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toMatch(/table, json/);
  });

  test('errors are JSON on stdout with --output json', async () => {
    const { code, stdout } = await keyturn(['--output', 'json', 'history', 'billing-api']);
    expect(code).toBe(EXIT.usage);
    expect(JSON.parse(stdout).error.code).toBe(EXIT.usage);
  });
});

describe('--profile and --region', () => {
  test('reach the AWS configuration before the command builds a client', async () => {
    stuckKey();
    const seen: AwsOptions[] = [];
    await keyturn(['--profile', 'oncall', '--region', 'eu-north-1', 'status'], {
      deps: { configureAws: (o) => seen.push(o) },
    });
    expect(seen).toEqual([{ profile: 'oncall', region: 'eu-north-1' }]);
  });

  test('the real clients are built with them', async () => {
    const deps = defaultDeps();
    deps.configureAws!({ profile: 'oncall', region: 'eu-north-1' });
    const client = deps.secretsManager();
    expect(await client.config.region()).toBe('eu-north-1');
    expect((client.config as { profile?: string }).profile).toBe('oncall');
  });

  test('without them, the SDK resolves profile and region itself (nothing is forced)', () => {
    expect(clientConfig({})).toEqual({});
    expect(clientConfig({ region: 'us-east-1' })).toEqual({ region: 'us-east-1' });
  });
});

describe('colour', () => {
  test('only on a TTY, and never with NO_COLOR or TERM=dumb', () => {
    expect(colorAllowed(true, {})).toBe(true);
    expect(colorAllowed(false, {})).toBe(false);
    expect(colorAllowed(undefined, {})).toBe(false);
    expect(colorAllowed(true, { NO_COLOR: '' })).toBe(false);
    expect(colorAllowed(true, { TERM: 'dumb' })).toBe(false);
  });

  test('status colours severities when allowed', async () => {
    stuckKey();
    const { stdout } = await keyturn(['status'], { deps: { color: true } });
    expect(stdout).toContain(`${ESC}31m[critical]${ESC}0m`);
  });

  test('piped output carries no escape codes', async () => {
    stuckKey();
    const { stdout } = await keyturn(['status'], { deps: { color: false } });
    expect(stdout).toContain('[critical]');
    expect(stdout).not.toContain(ESC);
    expect(severityLabel('notice', false)).toBe('[notice]');
  });
});

describe("the SDK's Node-version notice", () => {
  test('is switched off on supported Node versions', () => {
    const env: Record<string, string | undefined> = {};
    expect(quietSdkNodeWarning(env, 'v20.20.2')).toBe(true);
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });

  test('stays on for a Node version keyturn does not support', () => {
    const env: Record<string, string | undefined> = {};
    expect(quietSdkNodeWarning(env, 'v18.19.0')).toBe(false);
    expect(env).toEqual({});
  });

  test('an explicit setting wins', () => {
    const env: Record<string, string | undefined> = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false',
    };
    expect(quietSdkNodeWarning(env, 'v22.1.0')).toBe(false);
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('false');
  });
});
