/**
 * Figure 5: synth time and resources per stack for 10, 100 and 1,000 configured keys (the app as `cdk synth`
 * builds it, cdk-nag included, Lambda bundling skipped: bundling costs the same whatever the key count), and the
 * growth of synth time per 10x keys.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import { buildKeyturnApp } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { MAX_STACK_RESOURCES } from '../lib/key-shards';
import base from '../bin/keyturn.config.json';
import { median, spread, type BenchRow } from './table';

function configWith(keyCount: number) {
  const [critical, standard] = base.keys;
  const keys = Array.from({ length: keyCount }, (_, i) => ({
    ...(i % 2 ? standard : critical),
    name: `api-${String(i).padStart(4, '0')}`,
  }));
  return parseConfig({ ...base, keys });
}

interface SynthRun {
  ms: number;
  /** Resources of each stack: the main stack first, then the key shards. */
  resources: number[];
}

function synthOnce(keyCount: number): SynthRun {
  const config = configWith(keyCount);
  const start = performance.now();
  const { app, stack } = buildKeyturnApp(config, new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const assembly = app.synth();
  const ms = performance.now() - start;
  const templateOf = (s: Stack) =>
    JSON.parse(readFileSync(path.join(assembly.directory, s.templateFile), 'utf8')) as { Resources: object };
  return {
    ms,
    resources: [stack, ...stack.keyShards].map((s) => Object.keys(templateOf(s).Resources).length),
  };
}

export async function benchScale(opts: { quick: boolean }): Promise<BenchRow[]> {
  const sizes = opts.quick ? [10, 100] : [10, 100, 1000];
  const runs = opts.quick ? 1 : 3;
  synthOnce(10); // warm the module cache, so 10 keys are not charged for loading aws-cdk-lib
  const rows: BenchRow[] = [];
  const medians: number[] = [];
  for (const n of sizes) {
    const times: number[] = [];
    let last: SynthRun | undefined;
    for (let i = 0; i < runs; i++) {
      last = synthOnce(n);
      times.push(last.ms);
    }
    const { resources } = last!;
    medians.push(median(times));
    const shards = resources.slice(1);
    const largest = Math.max(...resources);
    rows.push({
      figure: `5. synth ${n} keys`,
      measured:
        `${spread(
          times.map((t) => t / 1000),
          's',
          2,
        )}; main stack ${resources[0]} resources` +
        (shards.length
          ? `, ${shards.length} key shards of ${Math.min(...shards)}–${Math.max(...shards)}`
          : ''),
      goal: `every stack < ${MAX_STACK_RESOURCES} resources`,
      met: largest < MAX_STACK_RESOURCES,
    });
  }
  for (let i = 1; i < sizes.length; i++) {
    const ratio = medians[i] / medians[i - 1];
    rows.push({
      figure: `5. synth time growth ${sizes[i - 1]} → ${sizes[i]} keys`,
      measured: `${ratio.toFixed(1)}x for 10x keys`,
      goal: 'near linear (<= 10x per 10x)',
      met: ratio <= 12,
    });
  }
  return rows;
}
