/** One row of the benchmark table: a figure, how it came out, its goal, and whether the goal is met. */
export interface BenchRow {
  figure: string;
  measured: string;
  goal: string;
  met: boolean | 'n/a';
  notes?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `median (min–max)` with a unit and a number of decimals. */
export function spread(values: number[], unit: string, digits = 1): string {
  const f = (n: number) => n.toFixed(digits);
  return `${f(median(values))} ${unit} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

export function renderMarkdown(rows: BenchRow[]): string {
  const verdict = (m: BenchRow['met']) => (m === 'n/a' ? 'n/a' : m ? 'met' : '**not met**');
  const lines = ['| figure | measured: median (min–max) | goal | verdict |', '|---|---|---|---|'];
  for (const r of rows)
    lines.push(
      `| ${r.figure} | ${r.measured}${r.notes ? ` — ${r.notes}` : ''} | ${r.goal} | ${verdict(r.met)} |`,
    );
  return lines.join('\n');
}
