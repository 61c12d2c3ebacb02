/**
 * `npm run bench` (add `-- --quick` for the CI smoke): every figure of the benchmark table, measured in this run,
 * printed as one markdown table with its goal beside it, and the machine it ran on.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchBundles } from './bundles';
import { benchCost } from './cost';
import { benchFleet } from './fleet';
import { benchIntake } from './intake';
import { benchLeak } from './leak';
import { benchRotationCalls } from './rotation-calls';
import { benchScale } from './scale';
import { benchVerifier } from './verifier';
import { renderMarkdown, type BenchRow } from './table';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = performance.now();
  const rows: BenchRow[] = [];
  const benches: Array<[string, () => Promise<BenchRow[]>]> = [
    ['bundles and cold start', () => benchBundles({ quick })],
    ['API calls per rotation', () => benchRotationCalls()],
    ['leak response', () => benchLeak({ quick })],
    ['verifier', () => benchVerifier({ quick })],
    ['secret scanning intake', () => benchIntake({ quick })],
    ['scale', () => benchScale({ quick })],
    ['fleet rotation', () => benchFleet({ quick })],
    ['monitoring cost', () => benchCost({ quick })],
  ];
  for (const [name, bench] of benches) {
    const t = performance.now();
    rows.push(...(await bench()));
    process.stderr.write(`bench: ${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const cpu = cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
  console.log(
    `keyturn benchmarks${quick ? ' (--quick: fewer runs, smoke only)' : ''}: ${new Date().toISOString().slice(0, 10)}, ${machine}`,
  );
  console.log(
    'Figures are medians (min–max) of repeated runs on a shared machine: read the ratios, not the absolutes.\n',
  );
  console.log(renderMarkdown(rows));
  const missed = rows.filter((r) => r.met === false).length;
  console.log(
    `\n${rows.length} figures, ${missed} goal(s) not met; ${((performance.now() - started) / 1000).toFixed(0)} s in all.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
