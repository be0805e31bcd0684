import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { mergeSettings } from '../../lib/settings.ts';
import { SettingsForm, type SettingsFormApi } from './settings-form.tsx';

function setup(local = {}, managed = {}, missing: string[] = []) {
  const calls: string[] = [];
  const api = {
    save: vi.fn(async (_values: Record<string, unknown>) => void calls.push('save')),
    requestOrigins: vi.fn(async () => {
      calls.push('request');
      return true;
    }),
    missingOrigins: vi.fn(async () => missing),
  } satisfies SettingsFormApi;
  render(<SettingsForm resolved={mergeSettings(local, managed)} api={api} />);
  return { api, calls };
}

describe('settings form', () => {
  it('shows policy values read-only, marked "Managed by your organization"', async () => {
    setup({ backendUrl: 'https://mine.example.com' }, { backendUrl: 'https://policy.example.com' });
    const backend = screen.getByLabelText('Backend URL') as HTMLInputElement;
    expect(backend.value).toBe('https://policy.example.com');
    expect(backend.readOnly).toBe(true);
    expect(backend.getAttribute('aria-readonly')).toBe('true');
    expect(screen.getByTestId('managed-backendUrl').textContent).toBe('Managed by your organization');
    expect((screen.getByLabelText('Session header selector') as HTMLInputElement).readOnly).toBe(false);
    expect(screen.queryByTestId('managed-sessionHeaderSelector')).toBeNull();
  });

  it('asks for host access first, then saves only what the page may change', async () => {
    const { api, calls } = setup({}, { backendUrl: 'https://policy.example.com' });
    fireEvent.change(screen.getByLabelText('Session page URL patterns'), {
      target: { value: 'https://app.example.com/s/:sessionId\n\nhttp://localhost/sessions/:sessionId' },
    });
    fireEvent.change(screen.getByLabelText('OAuth client ID'), { target: { value: ' client-1.apps.googleusercontent.com ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByTestId('save-outcome')).textContent).toBe('Saved.');
    expect(calls).toEqual(['request', 'save']);
    expect(api.requestOrigins).toHaveBeenCalledWith(['https://policy.example.com/*', 'https://app.example.com/*', 'http://localhost/*']);
    const saved = api.save.mock.calls[0]![0];
    expect(saved).not.toHaveProperty('backendUrl');
    expect(saved.sessionUrlPatterns).toEqual(['https://app.example.com/s/:sessionId', 'http://localhost/sessions/:sessionId']);
    expect(saved.oauthClientId).toBe('client-1.apps.googleusercontent.com');
  });

  it('saves nothing and points at the field when a value is invalid', async () => {
    const { api } = setup();
    fireEvent.change(screen.getByLabelText('Backend URL'), { target: { value: 'meet-api.example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByTestId('save-outcome')).textContent).toBe('Nothing was saved: fix the highlighted fields above.');
    const field = screen.getByLabelText('Backend URL');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    // The keyboard is taken to the field to fix.
    expect(document.activeElement).toBe(field);
    expect(screen.getByRole('alert').textContent).toMatch(/https:\/\//);
    expect(api.save).not.toHaveBeenCalled();
    expect(api.requestOrigins).not.toHaveBeenCalled();
  });

  it('says which sites still need access and asks for them on request', async () => {
    const { api } = setup({}, {}, ['https://app.savvysolve.com/*']);
    expect((await screen.findByTestId('site-access-missing')).textContent).toContain('https://app.savvysolve.com/*');
    fireEvent.click(screen.getByRole('button', { name: 'Allow access' }));
    await waitFor(() => expect(api.requestOrigins).toHaveBeenCalledWith(['https://app.savvysolve.com/*']));
  });

  it('explains an ignored policy value', () => {
    setup({}, { sessionHeaderSelector: '' });
    expect(screen.getByRole('alert').textContent).toBe('Your organization’s value was ignored: The session header selector is required');
  });
});
