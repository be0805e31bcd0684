import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Attendance, MeetSpaceState, SessionSummary } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/errors.ts';
import { serveMessages, type Handlers } from '../../lib/messages.ts';
import { aSession } from '../../test-fixtures.ts';
import { SessionCard } from './session-card.tsx';

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const LINK = 'https://meet.google.com/abc-defg-hij';
const NUDGE = 'The customer has not joined yet — resend the SMS?';

const meetSpace = (attendance: Partial<Attendance> = {}, access: Partial<MeetSpaceState['access']> = {}): MeetSpaceState => ({
  access: { state: 'applied', accessType: 'OPEN', problem: null, ...access },
  attendance: { customerJoinedAt: null, customerLeftAt: null, solverJoinedAt: null, callStartedAt: null, callEndedAt: null, ...attendance },
  nudgeResendAt: at(3),
  retired: null,
});

/** A session whose link was stored at T0 and whose SMS was delivered 5 seconds later. */
const withLink = (space: MeetSpaceState | null, overrides: Partial<SessionSummary> = {}) =>
  aSession({
    meetLink: LINK,
    meetLinkSource: 'calendar',
    sms: { status: 'delivered', error: null, errorCode: null, errorClass: null, updatedAt: new Date(T0 + 5_000).toISOString() },
    meetSpace: space,
    ...overrides,
  });

function renderCard(session: SessionSummary, handlers: Partial<Handlers> = {}) {
  serveMessages(handlers as Handlers);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ul>
        <SessionCard session={session} canStart />
      </ul>
    </QueryClientProvider>,
  );
}

const callLine = () => screen.getByTestId('session-call');

describe('SessionCard call status', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows no call line before a link, nor when the backend does not control the room', () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const { unmount } = renderCard(aSession());
    expect(screen.queryByTestId('session-call')).toBeNull();
    unmount();
    renderCard(withLink(null));
    expect(screen.queryByTestId('session-call')).toBeNull();
    expect(screen.getByTestId('session-sms').textContent).toBe('SMS delivered');
  });

  it('tells the SMS state in the call line, instead of an SMS line of its own', () => {
    vi.useFakeTimers({ now: T0 + 2 * 60_000 + 10_000, toFake: ['Date'] });
    renderCard(withLink(meetSpace()));
    expect(callLine().textContent).toBe('Waiting for the customer · SMS delivered 2 min ago');
    expect(screen.queryByTestId('session-sms')).toBeNull();
  });

  it.each([
    ['waiting', meetSpace(), 2 * 60_000 + 10_000, 'Waiting for the customer · SMS delivered 2 min ago', 'Waiting for the customer'],
    [
      'in the call',
      meetSpace({ customerJoinedAt: at(1), callStartedAt: at(1) }),
      7 * 60_000,
      'Customer in the call · 6 min',
      'Customer in the call',
    ],
    [
      'left',
      meetSpace({ customerJoinedAt: at(1), customerLeftAt: at(5), callStartedAt: at(1) }),
      9 * 60_000,
      'Customer left · 4 min ago',
      'Customer left',
    ],
    [
      'ended',
      meetSpace({ customerJoinedAt: at(1), customerLeftAt: at(13), callStartedAt: at(1), callEndedAt: at(13) }),
      20 * 60_000,
      'Call ended · 12 min',
      'Call ended',
    ],
    [
      'opening',
      meetSpace({}, { state: 'pending', accessType: null }),
      10_000,
      'Opening the room to the customer…',
      'Opening the room to the customer…',
    ],
  ])('%s: "%s"', (_, space, elapsed, text, live) => {
    vi.useFakeTimers({ now: T0 + elapsed, toFake: ['Date'] });
    renderCard(withLink(space));
    expect(callLine().textContent).toBe(text);
    // Only the headline is a live region: the minutes tick without being read out.
    expect(screen.getByRole('status').textContent).toBe(live);
    expect(screen.queryByTestId('session-nudge')).toBeNull();
    expect(screen.queryByTestId('session-access-warning')).toBeNull();
  });

  it('redraws the minutes every 30 seconds without asking the background again', () => {
    vi.useFakeTimers({ now: T0 + 7 * 60_000 });
    const list = vi.fn();
    renderCard(withLink(meetSpace({ customerJoinedAt: at(1), callStartedAt: at(1) })), { 'sessions.list': list });
    expect(callLine().textContent).toBe('Customer in the call · 6 min');
    act(() => vi.advanceTimersByTime(30_000));
    expect(callLine().textContent).toBe('Customer in the call · 6 min');
    act(() => vi.advanceTimersByTime(30_000));
    expect(callLine().textContent).toBe('Customer in the call · 7 min');
    expect(list).not.toHaveBeenCalled();
  });

  it('suggests resending the SMS once the customer is late, beside the same Resend SMS action', async () => {
    vi.useFakeTimers({ now: T0 + 2 * 60_000 + 45_000, shouldAdvanceTime: true });
    const resend = vi.fn(async () => ({ resent: true }));
    renderCard(withLink(meetSpace()), { 'meet.resendSms': resend as unknown as Handlers['meet.resendSms'] });
    expect(screen.queryByText(NUDGE)).toBeNull();

    act(() => vi.advanceTimersByTime(30_000));
    const nudge = screen.getByTestId('session-nudge');
    expect(nudge.textContent).toBe(NUDGE);
    expect(callLine().textContent).toBe('Waiting for the customer · SMS delivered 3 min ago');
    const button = screen.getByRole('button', { name: 'Resend SMS to Grace Hopper' });
    expect(button.getAttribute('aria-describedby')).toBe(nudge.id);

    fireEvent.click(button);
    await waitFor(() => expect(resend).toHaveBeenCalledWith({ sessionId: aSession().id }, expect.anything()));
    // The resend answers the prompt.
    await waitFor(() => expect(screen.queryByTestId('session-nudge')).toBeNull());
  });

  it('asks for no resend once the customer joined', () => {
    vi.useFakeTimers({ now: T0 + 10 * 60_000, toFake: ['Date'] });
    renderCard(withLink(meetSpace({ customerJoinedAt: at(4), callStartedAt: at(4) })));
    expect(screen.queryByTestId('session-nudge')).toBeNull();
    expect(screen.getByRole('button', { name: 'Resend SMS to Grace Hopper' })).toBeTruthy();
  });

  it('warns, in plain words, when the customer may have to ask to join', () => {
    vi.useFakeTimers({ now: T0 + 20_000, toFake: ['Date'] });
    const problem = 'your Google Workspace admin has not yet allowed SavvySolve Meet to change Meet settings';
    renderCard(withLink(meetSpace({}, { state: 'failed', accessType: null, problem })));
    expect(screen.getByTestId('session-access-warning').textContent).toBe(`The customer may have to ask to join: ${problem}.`);
    expect(callLine().textContent).toBe('Waiting for the customer · SMS delivered just now');
    expect(callLine().className).toContain('status--warning');
  });
});

describe('SessionCard resend', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const queued = () => ({
    sms: { status: 'queued' as const, error: null, errorCode: null, errorClass: null, updatedAt: new Date().toISOString() },
  });
  const resendButton = () => screen.getByRole('button', { name: 'Resend SMS to Grace Hopper' });

  it('is disabled while a send is in flight', async () => {
    let finish: () => void = () => {};
    const resend = vi.fn(() => new Promise<ReturnType<typeof queued>>((resolve) => (finish = () => resolve(queued()))));
    renderCard(withLink(null), { 'meet.resendSms': resend });
    fireEvent.click(resendButton());
    const sending = await screen.findByRole('button', { name: 'Sending… SMS to Grace Hopper' });
    expect(sending).toHaveProperty('disabled', true);
    fireEvent.click(sending);
    expect(resend).toHaveBeenCalledTimes(1);
    finish();
    await screen.findByRole('button', { name: 'Resend SMS to Grace Hopper' });
  });

  it('asks before a second resend within 60 s ("Texted 40 s ago — send again?"), and not after', async () => {
    vi.useFakeTimers({ now: T0, shouldAdvanceTime: true, toFake: ['Date'] });
    const resend = vi.fn(async () => queued());
    renderCard(withLink(null), { 'meet.resendSms': resend });
    fireEvent.click(resendButton());
    await waitFor(() => expect(resend).toHaveBeenCalledTimes(1));
    await screen.findByRole('button', { name: 'Resend SMS to Grace Hopper' });

    vi.setSystemTime(Date.now() + 40_000);
    fireEvent.click(resendButton());
    const confirm = screen.getByTestId('session-resend-confirm');
    expect(confirm.getAttribute('role')).toBe('group');
    expect(screen.getByRole('group', { name: 'Texted 40 s ago — send again?' })).toBe(confirm);
    expect(resend).toHaveBeenCalledTimes(1);
    // The safe answer has the focus, so a quick Enter does not text the customer again.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('button', { name: 'Resend SMS to Grace Hopper' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('session-resend-confirm')).toBeNull();
    expect(resend).toHaveBeenCalledTimes(1);

    fireEvent.click(resendButton());
    fireEvent.click(screen.getByRole('button', { name: 'Send again' }));
    await waitFor(() => expect(resend).toHaveBeenCalledTimes(2));
    expect(screen.queryByTestId('session-resend-confirm')).toBeNull();
    await screen.findByRole('button', { name: 'Resend SMS to Grace Hopper' });

    // A minute after the last send, no question.
    vi.setSystemTime(Date.now() + 60_000);
    fireEvent.click(resendButton());
    await waitFor(() => expect(resend).toHaveBeenCalledTimes(3));
    expect(screen.queryByTestId('session-resend-confirm')).toBeNull();
  });

  it('does not count a failed resend', async () => {
    const resend = vi.fn(async () => {
      throw new ExtensionError('sms_failed', 'Twilio refused the number');
    });
    renderCard(withLink(null), { 'meet.resendSms': resend as unknown as Handlers['meet.resendSms'] });
    fireEvent.click(resendButton());
    await screen.findByRole('alert');
    fireEvent.click(resendButton());
    await waitFor(() => expect(resend).toHaveBeenCalledTimes(2));
    expect(screen.queryByTestId('session-resend-confirm')).toBeNull();
  });

  it('shows the backend’s rate limit in human time', async () => {
    const resend = vi.fn(async () => {
      throw new ExtensionError('rate_limited', 'Too many SMS resends; try again in 10 minutes.', 429);
    });
    renderCard(withLink(null), { 'meet.resendSms': resend as unknown as Handlers['meet.resendSms'] });
    fireEvent.click(resendButton());
    expect((await screen.findByRole('alert')).textContent).toBe('Couldn’t resend the SMS: Too many SMS resends; try again in 10 minutes.');
  });
});

describe('SessionCard link', () => {
  it.each([
    ['calendar', 'Made with Google Calendar', 'chip--success'],
    ['captured', 'Room you opened', 'chip--success'],
  ] as const)('names a %s link "%s"', (source, text, tone) => {
    renderCard(withLink(null, { meetLinkSource: source }));
    const chip = screen.getByTestId('session-source');
    expect(chip.textContent).toBe(text);
    expect(chip.className).toContain(tone);
  });

  it('says a room opened by hand was not sent to the customer', () => {
    renderCard(aSession({ meetLinkSource: 'fallback' }));
    expect(screen.getByTestId('session-source').textContent).toBe('Opened by hand — not sent to the customer');
  });

  it('shows the whole link (no ellipsis), with the full address in its tooltip', () => {
    const long = 'https://meet.google.com/abc-defg-hij?authuser=someone.with.a.long.name@example.com';
    renderCard(withLink(null, { meetLink: long }));
    const link = screen.getByTestId('session-link').querySelector('.session__link')!;
    expect(link.textContent).toBe('meet.google.com/abc-defg-hij?authuser=someone.with.a.long.name@example.com');
    expect(link.getAttribute('title')).toBe(long);
  });
});

describe('SessionCard names', () => {
  /** What the eye gets: the button's text without the words only screen readers hear. */
  const visibleText = (element: HTMLElement) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const hidden of copy.querySelectorAll('.visually-hidden')) hidden.remove();
    return copy.textContent;
  };

  it('says whose session each button acts on, keeping the short visible words', () => {
    renderCard(withLink(null));
    for (const [name, text] of [
      ['Open Meet for Grace Hopper', 'Open'],
      ['Copy link for Grace Hopper', 'Copy link'],
      ['Resend SMS to Grace Hopper', 'Resend SMS'],
    ]) {
      expect(visibleText(screen.getByRole('button', { name }))).toBe(text);
    }
  });

  it('names Start for the customer too', () => {
    renderCard(aSession());
    expect(visibleText(screen.getByRole('button', { name: 'Start Google Meet for Grace Hopper' }))).toBe('Start Google Meet');
  });

  it('shows the masked phone and reads it as words, with no label on a plain span', () => {
    renderCard(aSession());
    const phone = screen.getByText('••• ••• 0123');
    expect(phone.getAttribute('aria-hidden')).toBe('true');
    expect(phone.parentElement!.getAttribute('aria-label')).toBeNull();
    expect(phone.parentElement!.textContent).toContain('Phone number ending 0123');
  });
});

describe('SessionCard SMS failure', () => {
  const senderProblem = {
    status: 'undelivered' as const,
    error: 'Our texting number is not registered for A2P 10DLC, so US carriers block its texts.',
    errorCode: '30034',
    errorClass: 'sender' as const,
    updatedAt: at(1),
  };
  const ADVICE =
    'SMS not delivered: a problem with our texting setup, not with the customer. Tell your admin: our texting number isn’t registered with US carriers.';

  it('says a sender problem is a configuration problem, and whom to tell, on the SMS line and the call line alike', () => {
    vi.useFakeTimers({ now: T0 + 2 * 60_000, toFake: ['Date'] });
    const { unmount } = renderCard(withLink(null, { sms: senderProblem }));
    expect(screen.getByTestId('session-sms').textContent).toBe(ADVICE);
    expect(screen.getByTestId('session-sms').className).toContain('status--error');
    unmount();
    renderCard(withLink(meetSpace(), { sms: senderProblem }));
    expect(callLine().textContent).toBe(`Waiting for the customer · ${ADVICE}`);
    vi.useRealTimers();
  });
});
