/**
 * The mutation run's news: a surviving mutant is news unless test/mutation/equivalent.json explains it, and the
 * explanation matches the mutant by file, mutator, source line and replacement (not by line number).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { changedLineRanges, summarize, type Explained } from './run';

const SOURCE = ['function f(a) {', '  if (a > 1) return a;', '  return 0;', '}'].join('\n');
const at = (line: number) => ({ start: { line, column: 3 } });

function report(statuses: string[]) {
  return {
    files: {
      'lambdas/core/x.ts': {
        source: SOURCE,
        mutants: statuses.map((status, i) => ({
          mutatorName: i === 0 ? 'EqualityOperator' : 'ConditionalExpression',
          replacement: i === 0 ? 'a >= 1' : 'true',
          status,
          location: at(2),
        })),
      },
    },
  };
}

const EXPLAINED: Explained = {
  file: 'lambdas/core/x.ts',
  mutator: 'EqualityOperator',
  line: 'if (a > 1) return a;',
  replacement: 'a >= 1',
  reason: 'a == 1 returns 1 either way',
};

test('rule: a survivor that equivalent.json does not list is news', () => {
  const [s] = summarize(report(['Survived', 'Killed']), []);
  expect(s.news).toEqual([
    {
      file: 'lambdas/core/x.ts',
      mutator: 'EqualityOperator',
      line: 'if (a > 1) return a;',
      replacement: 'a >= 1',
      at: 2,
    },
  ]);
  expect(s).toMatchObject({ score: 50, scoreWithExplained: 50, mutants: 2, explained: 0 });
});

test('rule: a listed survivor is not news, and is taken out of the explained score', () => {
  const [s] = summarize(report(['Survived', 'Killed']), [EXPLAINED]);
  expect(s.news).toEqual([]);
  expect(s).toMatchObject({ score: 50, scoreWithExplained: 100, explained: 1 });
});

test('rule: an explanation for another replacement or another line does not hide a survivor', () => {
  const otherReplacement = { ...EXPLAINED, replacement: 'a < 1' };
  const otherLine = { ...EXPLAINED, line: 'return 0;' };
  expect(summarize(report(['Survived']), [otherReplacement, otherLine])[0].news).toHaveLength(1);
});

test('rule: an uncovered mutant is news too; killed, timed-out and invalid mutants are not', () => {
  const [s] = summarize(report(['NoCoverage', 'Timeout', 'CompileError', 'Killed']), []);
  expect(s.news.map((n) => n.mutator)).toEqual(['EqualityOperator']);
  expect(s).toMatchObject({ mutants: 3, score: 66.7 });
});

test('rule: every explanation in equivalent.json names a safety-core file, a mutator, the line and a reason', () => {
  const list = JSON.parse(fs.readFileSync(path.join(__dirname, 'equivalent.json'), 'utf8')) as Explained[];
  for (const e of list) {
    expect(e.file).toMatch(/^lambdas\/(core|verifier|providers)\//);
    const source = fs.readFileSync(path.join(__dirname, '../..', e.file), 'utf8');
    // Inside a mutation run the mutated files are instrumented: their lines are checked by the plain test run.
    if (!source.includes('stryMutAct_9fa48')) expect(source).toContain(e.line);
    expect(e.mutator).not.toBe('');
    expect(e.reason.length).toBeGreaterThan(10);
  }
});

test('rule: CI mode mutates the new side of each changed hunk, and nothing for a pure deletion', () => {
  const diff = [
    'diff --git a/lambdas/core/x.ts b/lambdas/core/x.ts',
    '@@ -3 +3 @@ one line changed',
    '@@ -10,0 +11,4 @@ four lines added',
    '@@ -20,2 +23,0 @@ two lines deleted',
    '@@ -30,2 +30,2 @@',
  ].join('\n');
  expect(changedLineRanges(diff)).toEqual([
    [3, 3],
    [11, 14],
    [30, 31],
  ]);
});
