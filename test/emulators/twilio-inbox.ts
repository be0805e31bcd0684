import type { EmulatedSms } from './twilio-messages.ts';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** A read-only page listing the SMS received, newest first, refreshing itself (for demos). */
export function inboxPage(messages: EmulatedSms[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (sms) =>
        `<tr><td>${escape(sms.dateCreated.toISOString())}</td><td>${escape(sms.to)}</td><td>${escape(sms.from ?? sms.messagingServiceSid ?? '')}</td>` +
        `<td>${escape(sms.status)}</td><td>${escape(sms.body).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Emulated SMS inbox</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style>
</head><body><h1>Emulated SMS inbox (${messages.length})</h1>
<table><tr><th>Received</th><th>To</th><th>From</th><th>Status</th><th>Body</th></tr>
${rows || '<tr><td colspan="5">No SMS yet.</td></tr>'}
</table></body></html>`;
}
