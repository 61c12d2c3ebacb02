/**
 * cfn-lint over every synthesized template: the default app (bin/keyturn.config.json), the providers example
 * (docs/examples) and a generated worst-case configuration (maximum-length names and lists, past the key-shard
 * threshold), main stacks and nested key shards, in one cfn-lint process. Zero E findings; each W finding is fixed
 * or listed with its reason in test/infra/cfn-lint-warnings.json.
 *
 * cfn-lint 1.51 bundles its schemas (later versions download them at run time and fail offline). With CI=true a
 * missing cfn-lint fails the run with the install line; elsewhere the suite skips with one line saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildKeyturnApp } from '../../lib/app';
import { loadConfigFile, parseConfig } from '../../lib/config/load';
import { MAX_KEYS_IN_MAIN_STACK } from '../../lib/key-shards';
import { EXAMPLE_CONFIG } from '../helpers/synth';
import waivers from './cfn-lint-warnings.json';
import { worstCaseConfig } from './worst-case-config';

const INSTALL = 'pip install cfn-lint==1.51.0';
const ROOT = path.join(__dirname, '..', '..');
const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const installed = version.status === 0;

if (!installed && process.env.CI === 'true') {
  throw new Error(`cfn-lint is not installed, and CI=true requires it: ${INSTALL}`);
}
if (!installed) console.warn(`cfn-lint suite skipped: cfn-lint is not installed (${INSTALL})`);

interface Finding {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Path: Array<string | number> };
}

/** Synthesize like `cdk synth` (cdk.json's context: feature flags), without bundling the functions. */
function synthInto(outdir: string, raw: unknown) {
  const context = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<
    string,
    unknown
  >;
  const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  buildKeyturnApp(typeof raw === 'string' ? loadConfigFile(raw) : parseConfig(raw), app);
  app.synth();
}

(installed ? describe : describe.skip)('cfn-lint on every synthesized template', () => {
  let dir = '';
  let templates: string[] = [];
  let findings: Finding[] = [];
  let lintMs = 0;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyturn-cfn-lint-'));
    const apps: Array<[string, unknown]> = [
      ['default', EXAMPLE_CONFIG],
      ['providers', path.join(ROOT, 'docs', 'examples', 'providers.config.json')],
      ['worst-case', worstCaseConfig(MAX_KEYS_IN_MAIN_STACK + 1)],
    ];
    for (const [name, raw] of apps) synthInto(path.join(dir, name), raw);
    templates = apps.flatMap(([name]) =>
      readdirSync(path.join(dir, name))
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => path.join(name, f)),
    );
    const started = Date.now();
    const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    lintMs = Date.now() - started;
    // Exit codes are a bit mask (2 errors, 4 warnings, 8 informational); 1 is a crash.
    if (run.status === null || (run.status & 1) === 1) throw new Error(`cfn-lint failed: ${run.stderr}`);
    findings = JSON.parse(run.stdout || '[]') as Finding[];
    console.log(`cfn-lint: ${templates.length} templates, ${findings.length} findings, ${lintMs} ms`);
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const where = (f: Finding) => f.Location.Path.join('/');
  const waived = (f: Finding) =>
    waivers.warnings.find(
      (w) =>
        w.rule === f.Rule.Id && new RegExp(w.path).test(where(f)) && new RegExp(w.message).test(f.Message),
    );

  test('the default app, the providers example and the worst case (main stacks and key shards) are all linted', () => {
    expect(templates.filter((t) => t.startsWith('default/'))).toHaveLength(1);
    expect(templates.filter((t) => t.startsWith('providers/'))).toHaveLength(1);
    // 41 keys: the main stack and two key shards.
    expect(
      templates.filter((t) => t.startsWith('worst-case/') && t.endsWith('.nested.template.json')),
    ).toHaveLength(2);
  });

  test('zero E findings', () => {
    const errors = findings.filter((f) => f.Level === 'Error');
    expect(errors.map((f) => `${f.Rule.Id} ${f.Filename} ${where(f)}: ${f.Message}`)).toEqual([]);
  });

  test('every W finding is listed with its reason in cfn-lint-warnings.json', () => {
    const unlisted = findings.filter((f) => f.Level === 'Warning' && !waived(f));
    expect(unlisted.map((f) => `${f.Rule.Id} ${f.Filename} ${where(f)}: ${f.Message}`)).toEqual([]);
    for (const w of waivers.warnings) expect(w.reason.length).toBeGreaterThan(40);
  });

  test('every listed warning still occurs (no stale entries)', () => {
    const used = new Set(findings.map(waived).filter(Boolean));
    expect(waivers.warnings.filter((w) => !used.has(w)).map((w) => `${w.rule} ${w.path}`)).toEqual([]);
  });
});
