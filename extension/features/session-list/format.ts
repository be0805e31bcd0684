import type { MeetLinkSource, SmsState } from '../../../shared/index.ts';
import { smsProblemText } from '../../lib/sms-words.ts';

/** `+14155550123` → `••• ••• 0123`: enough to tell customers apart, not enough to call them. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 4 ? '••••' : `••• ••• ${digits.slice(-4)}`;
}

export const phoneLabel = (phone: string) => {
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 4 ? 'Phone number hidden' : `Phone number ending ${digits.slice(-4)}`;
};

export type Tone = 'neutral' | 'pending' | 'success' | 'warning' | 'error';

/** Where the link came from, in a solver's words (the chip beside the link, and its tooltip). */
export const SOURCE_LABELS: Record<MeetLinkSource, { text: string; tone: Tone; hint: string }> = {
  calendar: { text: 'Made with Google Calendar', tone: 'success', hint: 'SavvySolve Meet made this room on your Google Calendar' },
  captured: {
    text: 'Room you opened',
    tone: 'success',
    hint: 'Google Calendar was unavailable, so you opened this room yourself; it was texted to the customer',
  },
  fallback: {
    text: 'Opened by hand — not sent to the customer',
    tone: 'warning',
    hint: 'Google Calendar was unavailable: a new Meet was opened, and the customer was not texted',
  },
};

/** The customer SMS in plain words. */
export function smsStateText(sms: SmsState | null, hasLink: boolean): { text: string; tone: Tone } {
  if (!sms) return { text: hasLink ? 'Not sent yet' : 'Not sent (no Meet link yet)', tone: 'neutral' };
  const reason = sms.error ? `: ${sms.error}` : '';
  switch (sms.status) {
    case 'queued':
      return { text: smsProblemText('SMS queued', sms), tone: 'pending' };
    case 'accepted':
      return { text: 'SMS sending', tone: 'pending' };
    case 'sent':
      return { text: 'SMS sent', tone: 'success' };
    case 'delivered':
      return { text: 'SMS delivered', tone: 'success' };
    case 'undelivered':
      return { text: smsProblemText('SMS not delivered', sms), tone: 'error' };
    case 'failed':
      return { text: smsProblemText('SMS failed', sms), tone: 'error' };
    case 'skipped':
      return { text: `SMS not sent${reason || ': SMS is not configured'}`, tone: 'warning' };
  }
}

/** `https://meet.google.com/abc-defg-hij` → `meet.google.com/abc-defg-hij`. */
export function displayLink(link: string): string {
  return link.replace(/^https?:\/\//, '').replace(/\/$/, '');
}
