import { describe, expect, it, vi } from 'vitest';
import type { RealtimeTokenRequest } from '../../../shared/index.ts';
import { startLiveUpdates, type ConnectRealtime, type LiveMode } from './live-updates.ts';

const SOLVER = '6f1d2c3b-4a59-4e68-8f7a-9b0c1d2e3f40';
const tokenRequest = (nonce: string): RealtimeTokenRequest => ({
  keyName: 'app.key',
  timestamp: 1,
  nonce,
  mac: 'mac',
  clientId: `solver:${SOLVER}`,
});

/** An Ably stand-in: records subscriptions, lets the test push messages and connection states. */
function fakeAbly(options: { subscribeFails?: boolean } = {}) {
  const listeners = new Map<string, () => void>();
  const stateListeners: ((state: string) => void)[] = [];
  let authCallback: (() => Promise<RealtimeTokenRequest>) | undefined;
  const close = vi.fn();
  const connect: ConnectRealtime = (callback) => {
    authCallback = callback;
    return {
      subscribe: async (channel, event, listener) => {
        if (options.subscribeFails) throw new Error('40160: subscribe denied');
        listeners.set(`${channel}/${event}`, listener);
      },
      onStateChange: (listener) => void stateListeners.push(listener),
      close,
    };
  };
  return {
    connect: vi.fn(connect),
    close,
    publish: (channel: string, event: string) => listeners.get(`${channel}/${event}`)?.(),
    setState: (state: string) => stateListeners.forEach((listener) => listener(state)),
    auth: () => authCallback!(),
    subscriptions: () => [...listeners.keys()],
  };
}

async function start(getTokenRequest: () => Promise<RealtimeTokenRequest | null>, ably = fakeAbly()) {
  const onUpdate = vi.fn();
  const modes: LiveMode[] = [];
  const stop = startLiveUpdates({ solverId: SOLVER, getTokenRequest, connect: ably.connect, onUpdate, onMode: (mode) => modes.push(mode) });
  await vi.waitFor(() => expect(modes.length).toBeGreaterThan(0));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { ably, onUpdate, modes, stop };
}

describe('live session updates', () => {
  it("subscribes to session.updated on the solver's own channel and refetches on each message", async () => {
    const { ably, onUpdate, modes } = await start(async () => tokenRequest('n1'));
    expect(ably.subscriptions()).toEqual([`solver:${SOLVER}/session.updated`]);
    ably.setState('connected');
    expect(modes).toEqual(['connecting', 'live']);
    ably.publish(`solver:${SOLVER}`, 'session.updated');
    ably.publish(`solver:${SOLVER}`, 'session.updated');
    expect(onUpdate).toHaveBeenCalledTimes(2);
  });

  it('authenticates Ably with backend-minted token requests only, reusing the first one once', async () => {
    let minted = 0;
    const { ably } = await start(async () => tokenRequest(`n${++minted}`));
    expect(await ably.auth()).toMatchObject({ nonce: 'n1' });
    expect(await ably.auth()).toMatchObject({ nonce: 'n2' });
    expect(minted).toBe(2);
  });

  it('polls when the backend has no realtime configured, without connecting', async () => {
    const { ably, modes } = await start(async () => null);
    await vi.waitFor(() => expect(modes).toEqual(['connecting', 'polling']));
    expect(ably.connect).not.toHaveBeenCalled();
  });

  it('polls while the connection is down and catches up when it is back', async () => {
    const { ably, onUpdate, modes } = await start(async () => tokenRequest('n1'));
    ably.setState('connected');
    ably.setState('disconnected');
    expect(modes.at(-1)).toBe('polling');
    expect(onUpdate).not.toHaveBeenCalled();
    ably.setState('connected');
    expect(modes.at(-1)).toBe('live');
    expect(onUpdate).toHaveBeenCalledTimes(1);
  });

  it('polls when the subscription is refused or the token cannot be had', async () => {
    const refused = await start(async () => tokenRequest('n1'), fakeAbly({ subscribeFails: true }));
    await vi.waitFor(() => expect(refused.modes.at(-1)).toBe('polling'));
    const failing = await start(async () => Promise.reject(new Error('signed out')));
    await vi.waitFor(() => expect(failing.modes.at(-1)).toBe('polling'));
  });

  it('closes the connection and goes quiet when stopped', async () => {
    const { ably, onUpdate, stop } = await start(async () => tokenRequest('n1'));
    stop();
    expect(ably.close).toHaveBeenCalled();
    ably.publish(`solver:${SOLVER}`, 'session.updated');
    expect(onUpdate).not.toHaveBeenCalled();
  });
});
