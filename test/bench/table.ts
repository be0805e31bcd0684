/** One line of the results table. `met` is undefined for figures without a target. */
export type Row = { section: string; figure: string; value: string; target?: string; met?: boolean | 'skipped' };

const verdict = (row: Row) => (row.met === undefined ? '' : row.met === 'skipped' ? 'SKIPPED' : row.met ? 'met' : 'MISSED');

/** The table as aligned plain text, for the terminal. */
export function renderText(rows: Row[]): string {
  const header: Row = { section: 'Measurement', figure: 'Figure', value: 'Value', target: 'Target' };
  const cells = [header, ...rows].map((row, index) => [
    row.section,
    row.figure,
    row.value,
    row.target ?? '',
    index === 0 ? 'Verdict' : verdict(row),
  ]);
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  let previous = '';
  const body = cells.slice(1).map((values) => {
    const shown = values[0] === previous ? ['', ...values.slice(1)] : values;
    previous = values[0]!;
    return line(shown);
  });
  return [line(cells[0]!), rule, ...body].join('\n');
}

/** The same table in Markdown, for the README. */
export function renderMarkdown(rows: Row[]): string {
  const escape = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| Measurement | Figure | Value | Target | Verdict |', '| --- | --- | --- | --- | --- |'];
  let previous = '';
  for (const row of rows) {
    lines.push(
      `| ${row.section === previous ? '' : escape(row.section)} | ${escape(row.figure)} | ${escape(row.value)} | ${escape(row.target ?? '')} | ${verdict(row)} |`,
    );
    previous = row.section;
  }
  return lines.join('\n');
}
