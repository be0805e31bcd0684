const escape = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const linkify = (html: string) => html.replace(/(https?:\/\/[^\s<&]+)/g, '<a href="$1">$1</a>');

/** A read-only page listing what an emulator received, newest first, refreshing itself (for demos). */
export function inboxPage(title: string, headings: string[], rows: string[][]): string {
  const body = [...rows]
    .reverse()
    .map((cells) => `<tr>${cells.map((cell) => `<td>${linkify(escape(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>${escape(title)}</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style>
</head><body><h1>${escape(title)} (${rows.length})</h1>
<table><tr>${headings.map((heading) => `<th>${escape(heading)}</th>`).join('')}</tr>
${body || `<tr><td colspan="${headings.length}">Nothing yet.</td></tr>`}
</table></body></html>`;
}
