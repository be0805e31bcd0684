import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FALLBACK_MEET_LINK, type CreateMeetLinkResponse, type MeetSpaceState, type SessionSummary } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/errors.ts';
import { MeetButton, type MeetButtonApi } from './meet-button.tsx';

const SESSION = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const LINK = 'https://meet.google.com/abc-defg-hij';

const summary = (meetLink: string | null, more: Partial<SessionSummary> = {}): SessionSummary => ({
  id: SESSION,
  customerName: 'Grace Hopper',
  customerPhone: '+14155550123',
  status: 'active',
  meetLink,
  meetLinkSource: meetLink ? 'calendar' : null,
  sms: null,
  meetSpace: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  ...more,
});

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const space = (attendance: Partial<MeetSpaceState['attendance']> = {}, access: Partial<MeetSpaceState['access']> = {}): MeetSpaceState => ({
  access: { state: 'applied', accessType: 'OPEN', problem: null, ...access },
  attendance: { customerJoinedAt: null, customerLeftAt: null, solverJoinedAt: null, callStartedAt: null, callEndedAt: null, ...attendance },
  nudgeResendAt: at(3),
  retired: null,
});
const delivered = {
  status: 'delivered' as const,
  error: null,
  errorCode: null,
  errorClass: null,
  updatedAt: new Date(T0 + 5_000).toISOString(),
};

const created = (overrides: Partial<CreateMeetLinkResponse> = {}): CreateMeetLinkResponse => ({
  success: true,
  meetLink: LINK,
  isExisting: false,
  usedFallback: false,
  ...overrides,
});

function renderButton(api: Partial<MeetButtonApi> = {}) {
  const full = {
    getSession: vi.fn(async () => summary(null)),
    start: vi.fn(async () => created()),
    open: vi.fn(async () => {}),
    ...api,
  };
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MeetButton sessionId={SESSION} api={full} />
    </QueryClientProvider>,
  );
  return { api: full, button: () => screen.getByRole('button') };
}

describe('MeetButton', () => {
  it('is a real, labelled button reading "Start Google Meet"', async () => {
    const { button } = renderButton();
    expect(button().tagName).toBe('BUTTON');
    expect(button()).toHaveProperty('type', 'button');
    await waitFor(() => expect(button().textContent).toBe('Start Google Meet'));
    expect(screen.getByRole('button', { name: 'Start Google Meet' })).toBeTruthy();
  });

  it('creates the link on the first click, shows it is busy, then becomes "Open Meet"', async () => {
    let finish: (value: CreateMeetLinkResponse) => void = () => {};
    const { api, button } = renderButton({ start: vi.fn(() => new Promise<CreateMeetLinkResponse>((resolve) => (finish = resolve))) });
    await waitFor(() => expect(button().textContent).toBe('Start Google Meet'));
    fireEvent.click(button());
    await waitFor(() => expect(button().getAttribute('aria-busy')).toBe('true'));
    expect(button().textContent).toBe('Starting Google Meet…');
    fireEvent.click(button());
    expect(api.start).toHaveBeenCalledTimes(1);

    finish(created());
    await waitFor(() => expect(button().textContent).toContain('Open Meet'));
    expect(screen.getByRole('button', { name: 'Open Meet (opens in a new tab)' })).toBeTruthy();
    expect(button().getAttribute('aria-busy')).toBeNull();
  });

  it('reopens the same link on later clicks without creating another', async () => {
    const { api, button } = renderButton();
    await waitFor(() => expect(button().textContent).toBe('Start Google Meet'));
    fireEvent.click(button());
    await waitFor(() => expect(button().textContent).toContain('Open Meet'));
    fireEvent.click(button());
    await waitFor(() => expect(api.open).toHaveBeenCalledWith(SESSION));
    expect(api.start).toHaveBeenCalledTimes(1);
  });

  it('reads "Open Meet" at once for a session that already has a link', async () => {
    const { api, button } = renderButton({ getSession: vi.fn(async () => summary(LINK)) });
    await waitFor(() => expect(button().textContent).toContain('Open Meet'));
    fireEvent.click(button());
    await waitFor(() => expect(api.open).toHaveBeenCalledWith(SESSION));
    expect(api.start).not.toHaveBeenCalled();
  });

  it('says plainly when Calendar was unavailable, and lets the solver try again', async () => {
    const { api, button } = renderButton({ start: vi.fn(async () => created({ meetLink: FALLBACK_MEET_LINK, usedFallback: true })) });
    await waitFor(() => expect(button().textContent).toBe('Start Google Meet'));
    fireEvent.click(button());
    const notice = await screen.findByText('Calendar unavailable — a new Meet was opened; the customer was not texted');
    expect(notice.getAttribute('role')).toBe('status');
    expect(button().getAttribute('aria-describedby')).toBe(notice.id);
    expect(button().textContent).toBe('Start Google Meet');
    fireEvent.click(button());
    await waitFor(() => expect(api.start).toHaveBeenCalledTimes(2));
  });

  it('shows nothing for a session that is not the solver’s (the background answers null)', async () => {
    const { api } = renderButton({ getSession: vi.fn(async () => null) });
    await waitFor(() => expect(api.getSession).toHaveBeenCalledWith(SESSION));
    await waitFor(() => expect(screen.queryByRole('button')).toBeNull());
  });

  it('shows errors in words, as an alert', async () => {
    const { button } = renderButton({
      start: vi.fn(async () => {
        throw new ExtensionError('signed_out', 'Sign in to SavvySolve Meet from its side panel (the toolbar button).');
      }),
    });
    await waitFor(() => expect(button().textContent).toBe('Start Google Meet'));
    fireEvent.click(button());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Couldn’t start Google Meet: Sign in to SavvySolve Meet from its side panel (the toolbar button).');
  });

  describe('call status', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    const OPEN_TITLE = 'Open this session’s Google Meet in a new tab';
    const callStatus = () => screen.getByTestId('savvysolve-meet-call-status');

    it('shows the call beside "Open Meet", in its tooltip, and describes the button with it', async () => {
      vi.useFakeTimers({ now: T0 + 7 * 60_000, toFake: ['Date'] });
      const { button } = renderButton({
        getSession: vi.fn(async () =>
          summary(LINK, { sms: delivered, meetSpace: space({ customerJoinedAt: at(1), callStartedAt: at(1) }) }),
        ),
      });
      await waitFor(() => expect(callStatus().textContent).toBe('Customer in the call · 6 min'));
      expect(button().textContent).toContain('Open Meet');
      expect(button().getAttribute('title')).toBe(`${OPEN_TITLE}\nCustomer in the call · 6 min`);
      expect(button().getAttribute('aria-describedby')?.split(' ')).toContain(callStatus().id);
      // Only the headline is live, so the ticking minutes are not read out.
      expect(screen.getAllByRole('status').map((element) => element.textContent)).toContain('Customer in the call');
    });

    it.each([
      ['waiting', space(), 2 * 60_000 + 10_000, 'Waiting for the customer · SMS delivered 2 min ago'],
      ['left', space({ customerJoinedAt: at(1), customerLeftAt: at(5), callStartedAt: at(1) }), 9 * 60_000, 'Customer left · 4 min ago'],
      ['ended', space({ customerJoinedAt: at(1), callStartedAt: at(1), callEndedAt: at(13) }), 20 * 60_000, 'Call ended · 12 min'],
    ])('%s: "%s"', async (_, meetSpace, elapsed, text) => {
      vi.useFakeTimers({ now: T0 + elapsed, toFake: ['Date'] });
      const { button } = renderButton({ getSession: vi.fn(async () => summary(LINK, { sms: delivered, meetSpace })) });
      await waitFor(() => expect(callStatus().textContent).toBe(text));
      expect(button().getAttribute('title')).toBe(`${OPEN_TITLE}\n${text}`);
    });

    it('puts an access problem in the tooltip', async () => {
      vi.useFakeTimers({ now: T0 + 20_000, toFake: ['Date'] });
      const problem = 'your Google Workspace admin has not yet allowed SavvySolve Meet to change Meet settings';
      const { button } = renderButton({
        getSession: vi.fn(async () =>
          summary(LINK, { sms: delivered, meetSpace: space({}, { state: 'failed', accessType: null, problem }) }),
        ),
      });
      await waitFor(() => expect(callStatus().textContent).toBe('Waiting for the customer · SMS delivered just now'));
      expect(button().getAttribute('title')).toBe(
        `${OPEN_TITLE}\nWaiting for the customer · SMS delivered just now\nThe customer may have to ask to join: ${problem}.`,
      );
    });

    it('says nothing of a call without a link, or when the room is not controlled', async () => {
      const first = renderButton();
      await waitFor(() => expect(first.button().textContent).toBe('Start Google Meet'));
      expect(screen.queryByTestId('savvysolve-meet-call-status')).toBeNull();
      cleanup();
      const second = renderButton({ getSession: vi.fn(async () => summary(LINK, { sms: delivered })) });
      await waitFor(() => expect(second.button().textContent).toContain('Open Meet'));
      expect(screen.queryByTestId('savvysolve-meet-call-status')).toBeNull();
      expect(second.button().getAttribute('title')).toBe(OPEN_TITLE);
    });

    it('asks again every 30 seconds while the call may change, and stops once it has ended', async () => {
      vi.useFakeTimers({ now: T0 + 65_000, shouldAdvanceTime: true });
      let meetSpace = space();
      const getSession = vi.fn(async () => summary(LINK, { sms: delivered, meetSpace }));
      renderButton({ getSession });
      await waitFor(() => expect(callStatus().textContent).toBe('Waiting for the customer · SMS delivered 1 min ago'));
      expect(getSession).toHaveBeenCalledTimes(1);

      meetSpace = space({ customerJoinedAt: at(1), callStartedAt: at(1) });
      await act(async () => vi.advanceTimersByTimeAsync(30_000));
      await waitFor(() => expect(callStatus().textContent).toBe('Customer in the call · under 1 min'));
      expect(getSession).toHaveBeenCalledTimes(2);

      meetSpace = space({ customerJoinedAt: at(1), callStartedAt: at(1), callEndedAt: at(2) });
      await act(async () => vi.advanceTimersByTimeAsync(30_000));
      await waitFor(() => expect(callStatus().textContent).toBe('Call ended · 1 min'));
      await act(async () => vi.advanceTimersByTimeAsync(120_000));
      expect(getSession).toHaveBeenCalledTimes(3);
    });
  });
});
