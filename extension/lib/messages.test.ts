import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ExtensionError } from './errors.ts';
import { broadcast, onBroadcast, sendMessage, serveMessages, toErrorReply, type Handlers } from './messages.ts';
import { MEET_REASONS } from '../../shared/index.ts';
import { aSession } from '../test-fixtures.ts';

const unused = () => Promise.reject(new Error('not used in this test'));
const handlers = (overrides: Partial<Handlers>): Handlers => ({
  'auth.get': unused,
  'auth.signIn': unused,
  'auth.signOut': unused,
  'meet.canUse': unused,
  'meet.start': unused,
  'meet.open': unused,
  'meet.resendSms': unused,
  'sessions.list': unused,
  'sessions.get': unused,
  'panel.open': unused,
  'realtime.tokenRequest': unused,
  'backend.health': unused,
  'page.settings': unused,
  ...overrides,
});

describe('runtime messages', () => {
  it('carries a request to its handler and the answer back', async () => {
    const canUse = vi.fn(async () => ({ canUse: false, reason: MEET_REASONS.notEmployed }));
    const start = vi.fn(async (payload: { sessionId: string }) => ({
      success: true,
      meetLink: `https://meet.google.com/abc-defg-hij?for=${payload.sessionId}`,
      isExisting: false,
      usedFallback: false,
    }));
    serveMessages(handlers({ 'meet.canUse': canUse, 'meet.start': start }));

    expect(await sendMessage('meet.canUse')).toEqual({ canUse: false, reason: 'Google Meet is only available for employed solvers' });
    expect((await sendMessage('meet.start', { sessionId: 's1' })).meetLink).toBe('https://meet.google.com/abc-defg-hij?for=s1');
    expect(start).toHaveBeenCalledWith({ sessionId: 's1' }, expect.anything());
  });

  it('turns a handler error into an ExtensionError with its code and message', async () => {
    serveMessages(
      handlers({
        'meet.start': async () => {
          throw new ExtensionError('not_found', 'Session not found', 404);
        },
      }),
    );
    const error = await sendMessage('meet.start', { sessionId: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExtensionError);
    expect(error).toMatchObject({ code: 'not_found', message: 'Session not found', status: 404 });
  });

  it('carries the backend being down (`network`, status 0) and leaves out a status the error has none of', async () => {
    serveMessages(
      handlers({
        'sessions.list': async () => {
          throw new ExtensionError('network', 'Can’t reach the SavvySolve Meet backend.', 0);
        },
        'meet.canUse': async () => {
          throw new ExtensionError('signed_out', 'Sign in first.');
        },
      }),
    );
    const down = await sendMessage('sessions.list').catch((caught: unknown) => caught);
    expect(down).toBeInstanceOf(ExtensionError);
    expect(down).toMatchObject({ code: 'network', message: 'Can’t reach the SavvySolve Meet backend.', status: 0 });
    const signedOut = await sendMessage('meet.canUse').catch((caught: unknown) => caught);
    expect(signedOut).toMatchObject({ code: 'signed_out', message: 'Sign in first.' });
    expect((signedOut as ExtensionError).status).toBeUndefined();
  });

  it('answers `internal` for a thrown error without a code, and keeps the code of any error that has one', () => {
    expect(toErrorReply(new Error('boom'))).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(toErrorReply('boom')).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(toErrorReply({ code: 'conflict', message: 'Taken', status: 409 })).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'Taken', status: 409 },
    });
  });

  it('runs the handler while the sender’s message is being delivered (a click’s user gesture still holds)', () => {
    let listener: ((message: unknown, sender: unknown, sendResponse: (reply: unknown) => void) => unknown) | undefined;
    const runtime = {
      sendMessage: vi.fn(),
      onMessage: { addListener: (added: typeof listener) => void (listener = added), removeListener: vi.fn() },
    };
    const open = vi.fn(async () => undefined);
    serveMessages(handlers({ 'panel.open': open }), runtime as never);
    const sendResponse = vi.fn();
    expect(listener!({ kind: 'savvysolve.request', type: 'panel.open', payload: undefined }, { tab: { windowId: 1 } }, sendResponse)).toBe(
      true,
    );
    // Called before the listener returned: no microtask in between.
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('answers a handler that throws synchronously with its error', async () => {
    serveMessages(
      handlers({
        'panel.open': () => {
          throw new ExtensionError('bad_request', 'Only a page in a browser tab can open the side panel.');
        },
      }),
    );
    await expect(sendMessage('panel.open')).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('says so in words when nothing answers', async () => {
    await expect(sendMessage('auth.get')).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('leaves messages that are not ours to other listeners', async () => {
    serveMessages(handlers({}));
    const other = vi.fn((_message: unknown, _sender: unknown, sendResponse: (value: unknown) => void) => {
      sendResponse('theirs');
      return true;
    });
    fakeBrowser.runtime.onMessage.addListener(other);
    expect(await fakeBrowser.runtime.sendMessage({ hello: 'world' })).toBe('theirs');
  });

  it('delivers broadcasts to listeners, ignoring requests', async () => {
    const seen = vi.fn();
    onBroadcast(seen);
    serveMessages(handlers({ 'auth.get': async () => ({ status: 'signed_out' }) }));
    await sendMessage('auth.get');
    expect(seen).not.toHaveBeenCalled();

    const tabsSend = vi.fn(async () => undefined);
    await broadcast(
      { event: 'sessions.changed' },
      { runtime: fakeBrowser.runtime, tabs: { query: async () => [{ id: 7 }, { id: 9 }] as never, sendMessage: tabsSend } },
    );
    expect(seen).toHaveBeenCalledWith({ event: 'sessions.changed' });
    expect(tabsSend).toHaveBeenCalledTimes(2);
  });

  it('broadcasts even when no page listens and a tab has no content script', async () => {
    const failing = vi.fn(async () => {
      throw new Error('Could not establish connection. Receiving end does not exist.');
    });
    await expect(
      broadcast(
        { event: 'sessions.changed' },
        { runtime: { sendMessage: failing }, tabs: { query: async () => [{ id: 1 }] as never, sendMessage: failing } },
      ),
    ).resolves.toBeUndefined();
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('sends the fresh session list to extension pages, and to tabs only the news that sessions changed', async () => {
    const runtimeSend = vi.fn(async (_envelope: unknown) => undefined);
    const tabsSend = vi.fn(async (_tabId: number, _envelope: unknown) => undefined);
    const sessions = [aSession()];
    await broadcast(
      { event: 'sessions.changed', sessions },
      { runtime: { sendMessage: runtimeSend }, tabs: { query: async () => [{ id: 7 }] as never, sendMessage: tabsSend } },
    );
    expect(runtimeSend).toHaveBeenCalledWith({ kind: 'savvysolve.broadcast', broadcast: { event: 'sessions.changed', sessions } });
    expect(tabsSend).toHaveBeenCalledWith(7, { kind: 'savvysolve.broadcast', broadcast: { event: 'sessions.changed' }, toTabs: true });
  });

  it('hands an extension page shown in a tab each broadcast once, not the copy sent to the tabs', async () => {
    const page = window as unknown as { location: Location; happyDOM: { setURL(url: string): void } };
    const before = page.location.href;
    page.happyDOM.setURL(fakeBrowser.runtime.getURL('/options.html'));
    try {
      const seen = vi.fn();
      onBroadcast(seen);
      const sessions = [aSession()];
      await broadcast(
        { event: 'sessions.changed', sessions },
        {
          runtime: fakeBrowser.runtime,
          // The options page's tab: Chrome delivers tabs.sendMessage to our own page in it too.
          tabs: {
            query: async () => [{ id: 3 }] as never,
            sendMessage: (_tabId: number, envelope: unknown) => fakeBrowser.runtime.sendMessage(envelope),
          },
        },
      );
      expect(seen).toHaveBeenCalledExactlyOnceWith({ event: 'sessions.changed', sessions });
    } finally {
      page.happyDOM.setURL(before);
    }
  });

  it('ignores a broadcast sent from a web page’s tab (a content script forging a session list)', () => {
    let listener: ((message: unknown, sender: unknown) => unknown) | undefined;
    const runtime = {
      sendMessage: vi.fn(),
      onMessage: { addListener: (added: typeof listener) => void (listener = added), removeListener: vi.fn() },
    };
    const seen = vi.fn();
    onBroadcast(seen, runtime as never);
    const forged = {
      kind: 'savvysolve.broadcast',
      broadcast: { event: 'sessions.changed', sessions: [aSession({ customerName: 'Mallory' })] },
    };
    listener!(forged, { id: fakeBrowser.runtime.id, url: 'https://app.savvysolve.com/sessions/x', tab: { id: 4 } });
    listener!(forged, { id: fakeBrowser.runtime.id, url: 'https://app.savvysolve.com/sessions/x' });
    expect(seen).not.toHaveBeenCalled();
    listener!(forged, { id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL('/background.js') });
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
