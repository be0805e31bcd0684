import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FALLBACK_MEET_LINK, type CreateMeetLinkResponse, type SessionSummary } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/messages.ts';
import { MeetButton, type MeetButtonApi } from './meet-button.tsx';

const SESSION = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const LINK = 'https://meet.google.com/abc-defg-hij';

const summary = (meetLink: string | null): SessionSummary => ({
  id: SESSION,
  customerName: 'Grace Hopper',
  customerPhone: '+14155550123',
  status: 'active',
  meetLink,
  meetLinkSource: meetLink ? 'calendar' : null,
  sms: null,
  meetSpace: null,
  createdAt: '2030-01-01T00:00:00.000Z',
});

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
    await waitFor(() => expect(api.open).toHaveBeenCalledWith(SESSION, LINK));
    expect(api.start).toHaveBeenCalledTimes(1);
  });

  it('reads "Open Meet" at once for a session that already has a link', async () => {
    const { api, button } = renderButton({ getSession: vi.fn(async () => summary(LINK)) });
    await waitFor(() => expect(button().textContent).toContain('Open Meet'));
    fireEvent.click(button());
    await waitFor(() => expect(api.open).toHaveBeenCalledWith(SESSION, LINK));
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
});
