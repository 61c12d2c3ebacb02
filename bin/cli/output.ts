/** Human output: aligned plain-text tables and short dates. Scripts use --json instead. */

export function formatDate(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')}Z` : '-';
}

/** An aligned table; cells are single-line (newlines flattened) so a hostile value cannot fake rows. */
export function renderTable(headers: string[], rows: string[][]): string {
  const clean = (cell: string) => cell.replace(/[\r\n\t]+/g, ' ');
  const all = [headers, ...rows.map((r) => r.map(clean))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '))
    .join('\n');
}

/** `[critical]` in red and `[notice]` in yellow when colour is allowed (a TTY); plain text otherwise. */
export function severityLabel(severity: string, color: boolean | undefined): string {
  const label = `[${severity}]`;
  if (!color) return label;
  return `${severity === 'critical' ? '\x1b[31m' : '\x1b[33m'}${label}\x1b[0m`;
}
