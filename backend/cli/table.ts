/** Renders rows as a plain aligned text table (for terminals and logs). */
export function formatTable(rows: Record<string, string | null | undefined>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (row: Record<string, string | null | undefined>, column: string) => row[column] ?? '—';
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row, column).length)));
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((column) => cell(row, column)))),
  ].join('\n');
}
