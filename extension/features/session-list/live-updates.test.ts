import { describe, expect, it, vi } from 'vitest';
import type { RealtimeEndpoint, RealtimeTokenRequest } from '../../../shared/index.ts';
import { liveStatusText, type LiveStatus } from '../../lib/live-status.ts';
import { startLiveUpdates, type ConnectRealtime } from './live-updates.ts';

const SOLVER = '6f1d2c3b-4a59-4e68-8f7a-9b0c1d2e3f40';
const EMULATOR: RealtimeEndpoint = { endpoint: '127.0.0.1', port: 4012, tls: false };
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
  const stateListeners: ((state: string, reason?: string) => void)[] = [];
  let authCallback: (() => Promise<RealtimeTokenRequest>) | undefined;
  const close = vi.fn();
  const connect = vi.fn<ConnectRealtime>((callback) => {
    authCallback = callback;
    return {
      subscribe: async (channel, event, listener) => {
        if (options.subscribeFails) throw new Error('Channel denied access based on given capability');
        listeners.set(`${channel}/${event}`, listener);
      },
      onStateChange: (listener) => void stateListeners.push(listener),
      close,
    };
  });
  return {
    connect,
    close,
    publish: (channel: string, event: string) => listeners.get(`${channel}/${event}`)?.(),
    setState: (state: string, reason?: string) => stateListeners.forEach((listener) => listener(state, reason)),
    auth: () => authCallback!(),
    subscriptions: () => [...listeners.keys()],
  };
}

async function start(
  getTokenRequest: () => Promise<RealtimeTokenRequest | null>,
  ably = fakeAbly(),
  getEndpoint: () => Promise<RealtimeEndpoint | undefined> = async () => EMULATOR,
) {
  const onUpdate = vi.fn();
  const statuses: LiveStatus[] = [];
  const stop = startLiveUpdates({
    solverId: SOLVER,
    getTokenRequest,
    getEndpoint,
    connect: ably.connect,
    onUpdate,
    onStatus: (status) => statuses.push(status),
  });
  await vi.waitFor(() => expect(statuses.length).toBeGreaterThan(0));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const texts = () => statuses.map(liveStatusText);
  return { ably, onUpdate, statuses, texts, stop };
}

describe('live session updates', () => {
  it("connects where the backend says, subscribes to session.updated on the solver's own channel, refetches on each message", async () => {
    const { ably, onUpdate, texts } = await start(async () => tokenRequest('n1'));
    expect(ably.connect).toHaveBeenCalledWith(expect.any(Function), EMULATOR);
    expect(ably.subscriptions()).toEqual([`solver:${SOLVER}/session.updated`]);
    ably.setState('connected');
    expect(texts()).toEqual(['Live updates: connecting…', 'Live updates: on']);
    ably.publish(`solver:${SOLVER}`, 'session.updated');
    ably.publish(`solver:${SOLVER}`, 'session.updated');
    expect(onUpdate).toHaveBeenCalledTimes(2);
  });

  it('is on only once connected and attached', async () => {
    let attach: () => void = () => {};
    const ably = fakeAbly();
    const connect = vi.fn<ConnectRealtime>((callback, endpoint) => ({
      ...ably.connect(callback, endpoint),
      subscribe: () => new Promise<void>((resolve) => (attach = resolve)),
    }));
    const { texts } = await start(async () => tokenRequest('n1'), { ...ably, connect });
    ably.setState('connected');
    expect(texts().at(-1)).toBe('Live updates: connecting…');
    attach();
    await vi.waitFor(() => expect(texts().at(-1)).toBe('Live updates: on'));
  });

  it("uses Ably's own endpoint when the backend names none", async () => {
    const { ably } = await start(
      async () => tokenRequest('n1'),
      fakeAbly(),
      async () => undefined,
    );
    expect(ably.connect).toHaveBeenCalledWith(expect.any(Function), undefined);
  });

  it('authenticates Ably with backend-minted token requests only, reusing the first one once', async () => {
    let minted = 0;
    const { ably } = await start(async () => tokenRequest(`n${++minted}`));
    expect(await ably.auth()).toMatchObject({ nonce: 'n1' });
    expect(await ably.auth()).toMatchObject({ nonce: 'n2' });
    expect(minted).toBe(2);
  });

  it('says so and polls when the backend has no realtime configured, without connecting', async () => {
    const { ably, texts } = await start(async () => null);
    await vi.waitFor(() => expect(texts().at(-1)).toBe('Live updates: off — Ably is not configured on the backend'));
    expect(ably.connect).not.toHaveBeenCalled();
  });

  it('polls with the reason while the connection is down, and catches up when it is back', async () => {
    const { ably, onUpdate, statuses, texts } = await start(async () => tokenRequest('n1'));
    ably.setState('connected');
    ably.setState('disconnected', 'Connection dropped by the emulator');
    expect(texts().at(-1)).toBe('Live updates: off — connecting failed: Connection dropped by the emulator');
    ably.setState('connecting');
    expect(statuses.at(-1)?.mode).toBe('polling');
    expect(onUpdate).not.toHaveBeenCalled();
    ably.setState('connected');
    expect(texts().at(-1)).toBe('Live updates: on');
    expect(onUpdate).toHaveBeenCalledTimes(1);
  });

  it('says why when the subscription is refused, the token cannot be had or the endpoint is unknown', async () => {
    const refused = await start(async () => tokenRequest('n1'), fakeAbly({ subscribeFails: true }));
    await vi.waitFor(() =>
      expect(refused.texts().at(-1)).toBe('Live updates: off — connecting failed: Channel denied access based on given capability'),
    );
    const failing = await start(async () => Promise.reject(new Error('signed out')));
    await vi.waitFor(() => expect(failing.texts().at(-1)).toBe('Live updates: off — connecting failed: signed out'));
    const noHealth = await start(
      async () => tokenRequest('n1'),
      fakeAbly(),
      async () => Promise.reject(new Error('backend down')),
    );
    await vi.waitFor(() => expect(noHealth.texts().at(-1)).toBe('Live updates: off — connecting failed: backend down'));
    expect(noHealth.ably.connect).not.toHaveBeenCalled();
  });

  it('closes the connection and goes quiet when stopped', async () => {
    const { ably, onUpdate, stop } = await start(async () => tokenRequest('n1'));
    stop();
    expect(ably.close).toHaveBeenCalled();
    ably.publish(`solver:${SOLVER}`, 'session.updated');
    expect(onUpdate).not.toHaveBeenCalled();
  });
});
