/**
 * Figure 1: every Lambda's bundle as keyturn ships it (esbuild like lib/keyturn-function.ts: minified, SDK bundled,
 * tree-shaken) beside a naive bundle of the same handler (no minify, no tree-shaking, CommonJS `main` entries:
 * every command of every SDK client package comes along, as with the SDK's aggregated clients), and the module
 * init time of each: the median of N fresh `node` processes timing `require()` of the bundle from inside.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { median, spread, type BenchRow } from './table';

const ROOT = path.join(__dirname, '..');
export const FUNCTIONS = ['rotate', 'retire', 'notify', 'audit', 'leak'];

const ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  KEYTURN_CRITICAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:critical',
  KEYTURN_NOTICE_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:notice',
  KEYTURN_LEDGER_TABLE: 'ledger',
  KEYTURN_INCIDENT_TABLE: 'incidents',
  KEYTURN_NOTIFY_DEDUPE_TABLE: 'dedupe',
  POWERTOOLS_METRICS_NAMESPACE: 'Keyturn',
};

async function bundle(name: string, dir: string, naive: boolean): Promise<string> {
  const outfile = path.join(dir, `${name}-${naive ? 'naive' : 'keyturn'}.js`);
  await build({
    entryPoints: [path.join(ROOT, 'lambdas', name, 'handler.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    ...(naive
      ? { minify: false, treeShaking: false, mainFields: ['main'] }
      : { minify: true, mainFields: ['module', 'main'] }),
  });
  return outfile;
}

function initMs(file: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, ...ENV },
    encoding: 'utf8',
  });
  return Number(out);
}

export async function benchBundles(opts: { quick: boolean }): Promise<BenchRow[]> {
  const runs = opts.quick ? 5 : 21;
  const dir = mkdtempSync(path.join(tmpdir(), 'keyturn-bench-'));
  mkdirSync(dir, { recursive: true });
  const rows: BenchRow[] = [];
  for (const name of FUNCTIONS) {
    const lean = await bundle(name, dir, false);
    const naive = await bundle(name, dir, true);
    const leanInit: number[] = [];
    const naiveInit: number[] = [];
    // Interleaved, so machine noise hits both alike.
    for (let i = 0; i < runs; i++) {
      leanInit.push(initMs(lean));
      naiveInit.push(initMs(naive));
    }
    const kb = (f: string) => statSync(f).size / 1024;
    const ratio = median(naiveInit) / median(leanInit);
    rows.push({
      figure: `1. ${name}: bundle`,
      measured: `${kb(lean).toFixed(0)} KB (naive ${kb(naive).toFixed(0)} KB, ${(kb(naive) / kb(lean)).toFixed(1)}x)`,
      goal: '< 300 KB',
      met: kb(lean) < 300,
    });
    rows.push({
      figure: `1. ${name}: module init (${runs} processes)`,
      measured: `${spread(leanInit, 'ms')} vs naive ${spread(naiveInit, 'ms')}: ${ratio.toFixed(1)}x faster`,
      goal: '>= 3x faster than naive',
      met: ratio >= 3,
    });
  }
  writeFileSync(path.join(dir, 'README'), 'keyturn bench bundles; safe to delete\n');
  return rows;
}
