/**
 * `npm run mutate`: StrykerJS over the safety core (stryker.config.mjs), then the news: every surviving or uncovered
 * mutant that test/mutation/equivalent.json does not list, per file with its score. Arguments go to Stryker
 * (`npm run mutate -- --mutate lambdas/core/rotation.ts`), except:
 *   --changed   mutate only the safety-core lines changed since the last recorded run (CI mode, see docs/mutation.md)
 *   --strict    exit 1 when there is news (a survivor nobody has explained)
 * Property runs default to 50 (KEYTURN_PROPERTY_RUNS) with a fixed seed (test/mutation/fixed-seed.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const REPORT = path.join(ROOT, 'reports/mutation/mutation.json');
const LAST_RUN = path.join(ROOT, 'reports/mutation/last-run.json');
const BASELINE = path.join(ROOT, 'test/mutation/baseline.json');
const EQUIVALENT = path.join(ROOT, 'test/mutation/equivalent.json');
/** The safety core: what stryker.config.mjs mutates. */
const CORE = /^lambdas\/(core\/(?!constants\.ts$).+|verifier\/.+|providers\/.+)\.ts$/;

export interface Explained {
  file: string;
  mutator: string;
  /** The source line of the mutant, trimmed: survives line shifts, not edits of the line. */
  line: string;
  replacement: string;
  reason: string;
}

interface ReportMutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

const UNEXPLAINED = new Set(['Survived', 'NoCoverage']);
const DETECTED = new Set(['Killed', 'Timeout']);

export function sameMutant(a: Omit<Explained, 'reason'>, b: Omit<Explained, 'reason'>): boolean {
  return a.file === b.file && a.mutator === b.mutator && a.line === b.line && a.replacement === b.replacement;
}

export interface FileSummary {
  file: string;
  score: number;
  scoreWithExplained: number;
  mutants: number;
  explained: number;
  news: Array<Omit<Explained, 'reason'> & { at: number }>;
}

/** Scores per file (Stryker's: detected / valid) and, with the explained survivors taken out, what is news. */
export function summarize(report: Report, explained: Explained[]): FileSummary[] {
  return Object.entries(report.files).map(([file, { source, mutants }]) => {
    const lines = source.split('\n');
    const valid = mutants.filter((m) => DETECTED.has(m.status) || UNEXPLAINED.has(m.status));
    const detected = valid.filter((m) => DETECTED.has(m.status)).length;
    let explainedCount = 0;
    const news: FileSummary['news'] = [];
    for (const m of valid.filter((v) => UNEXPLAINED.has(v.status))) {
      const id = {
        file,
        mutator: m.mutatorName,
        line: (lines[m.location.start.line - 1] ?? '').trim(),
        replacement: m.replacement ?? '',
      };
      if (explained.some((e) => sameMutant(e, id))) explainedCount += 1;
      else news.push({ ...id, at: m.location.start.line });
    }
    const pct = (n: number, d: number) => (d === 0 ? 100 : Math.round((1000 * n) / d) / 10);
    return {
      file,
      score: pct(detected, valid.length),
      scoreWithExplained: pct(detected, valid.length - explainedCount),
      mutants: valid.length,
      explained: explainedCount,
      news,
    };
  });
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** Parse `git diff -U0` output into the new-side line ranges of each hunk: `[[first, last], ...]`. */
export function changedLineRanges(diff: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const match of diff.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const first = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count > 0) ranges.push([first, first + count - 1]);
  }
  return ranges;
}

/**
 * Stryker `--mutate` entries for the safety-core lines changed (committed or not) since `commit`: `file:first-last`
 * per changed hunk, or the whole file when git does not know it yet.
 */
function changedSince(commit: string): string[] {
  const tracked = git('diff', '--name-only', commit).split('\n');
  const untracked = git('ls-files', '--others', '--exclude-standard').split('\n');
  const entries: string[] = [];
  for (const file of [...new Set(tracked)].filter((f) => CORE.test(f) && fs.existsSync(path.join(ROOT, f)))) {
    for (const [first, last] of changedLineRanges(git('diff', '-U0', commit, '--', file))) {
      entries.push(`${file}:${first}-${last}`);
    }
  }
  for (const file of untracked.filter((f) => CORE.test(f))) entries.push(file);
  return entries;
}

function lastRecordedCommit(): string {
  for (const file of [LAST_RUN, BASELINE]) {
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { commit: string }).commit;
  }
  throw new Error('no recorded run: run `npm run mutate` once (it writes reports/mutation/last-run.json)');
}

function main(argv: string[]): number {
  const strict = argv.includes('--strict');
  const changed = argv.includes('--changed');
  const args = argv.filter((a) => a !== '--strict' && a !== '--changed');
  if (changed) {
    const since = lastRecordedCommit();
    const files = changedSince(since);
    if (files.length === 0) {
      say(`mutate --changed: no safety-core line changed since ${since.slice(0, 12)}: nothing to mutate.`);
      return 0;
    }
    say(`mutate --changed: ${files.length} changed range(s) since ${since.slice(0, 12)}: ${files.join(' ')}`);
    args.push('--mutate', files.join(','), '--incrementalFile', 'reports/mutation/changed-incremental.json');
  }
  const env = { ...process.env, KEYTURN_PROPERTY_RUNS: process.env.KEYTURN_PROPERTY_RUNS ?? '50' };
  const stryker = spawnSync('npx', ['stryker', 'run', ...args], { cwd: ROOT, env, stdio: 'inherit' });
  if (stryker.status !== 0) return stryker.status ?? 1;

  const report = JSON.parse(fs.readFileSync(REPORT, 'utf8')) as Report;
  const explained = JSON.parse(fs.readFileSync(EQUIVALENT, 'utf8')) as Explained[];
  const summaries = summarize(report, explained);
  say('\nfile | score % | score % without the explained | mutants | explained | news');
  for (const s of summaries) {
    say(
      `${s.file} | ${s.score} | ${s.scoreWithExplained} | ${s.mutants} | ${s.explained} | ${s.news.length}`,
    );
  }
  const news = summaries.flatMap((s) => s.news);
  for (const n of news) say(`NEWS ${n.file}:${n.at} ${n.mutator} → ${n.replacement}   (${n.line})`);
  say(
    news.length === 0
      ? 'No news: every surviving mutant is listed in test/mutation/equivalent.json.'
      : `${news.length} surviving mutant(s) nobody has explained: pin the behaviour with a test, or list it in test/mutation/equivalent.json with a reason.`,
  );
  if (changed || !args.includes('--mutate')) {
    fs.writeFileSync(
      LAST_RUN,
      JSON.stringify({ commit: git('rev-parse', 'HEAD'), at: new Date().toISOString() }),
    );
  }
  return strict && news.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
