import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ExtensionError } from '../../lib/errors.ts';
import { SignInPrompt } from './sign-in-prompt.tsx';

describe('SignInPrompt (signed out, on a session page)', () => {
  it('is a real button that says what it leads to', () => {
    render(<SignInPrompt openPanel={vi.fn(async () => undefined)} />);
    const button = screen.getByRole('button', { name: 'Sign in to start a video call' });
    expect(button.getAttribute('type')).toBe('button');
    expect(button.getAttribute('title')).toBe('Opens the SavvySolve Meet side panel, where you sign in');
  });

  it('asks for the side panel synchronously inside the click (the user gesture)', () => {
    const openPanel = vi.fn(async () => undefined);
    render(<SignInPrompt openPanel={openPanel} />);
    fireEvent.click(screen.getByRole('button'));
    expect(openPanel).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says what to do when the panel could not be opened', async () => {
    const openPanel = vi.fn(async () => {
      throw new ExtensionError('internal', '`sidePanel.open()` may only be called in response to a user gesture.');
    });
    render(<SignInPrompt openPanel={openPanel} />);
    fireEvent.click(screen.getByRole('button'));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'Couldn’t open the side panel: `sidePanel.open()` may only be called in response to a user gesture. Click the SavvySolve Meet toolbar button instead.',
      ),
    );
  });
});
