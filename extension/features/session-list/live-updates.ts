import { REALTIME_EVENTS, capabilityChannel, solverChannel, type RealtimeTokenRequest } from '../../../shared/index.ts';

/** The slice of an Ably Realtime client live updates use; `ably-connection.ts` adapts the real SDK. */
export type RealtimeConnection = {
  subscribe(channel: string, event: string, listener: () => void): Promise<void>;
  /** Ably connection states: initialized, connecting, connected, disconnected, suspended, closing, closed, failed. */
  onStateChange(listener: (state: string) => void): void;
  close(): void;
};

export type ConnectRealtime = (authCallback: () => Promise<RealtimeTokenRequest>) => RealtimeConnection;

/** `live`: Ably pushes updates; `polling`: the list refreshes on a timer; `connecting`: not known yet. */
export type LiveMode = 'connecting' | 'live' | 'polling';

export type LiveUpdatesOptions = {
  solverId: string;
  /** A subscribe-only token request for the solver's channel, `null` when the backend has no Ably. */
  getTokenRequest: () => Promise<RealtimeTokenRequest | null>;
  connect: ConnectRealtime;
  /** One of the solver's sessions changed (or we may have missed changes): refetch. */
  onUpdate: () => void;
  onMode: (mode: LiveMode) => void;
};

const DOWN_STATES = new Set(['disconnected', 'suspended', 'closed', 'failed']);

/**
 * Subscribes to the solver's channel (the one its token grants; `solver:<id>` by default) for `session.updated` with a token the backend mints, and reports whether updates
 * are live; whenever they are not (no Ably on the backend, connection lost, subscription refused) the caller polls.
 * Returns a function that stops everything.
 */
export function startLiveUpdates(options: LiveUpdatesOptions): () => void {
  let stopped = false;
  let connection: RealtimeConnection | undefined;
  let mode: LiveMode = 'connecting';
  const setMode = (next: LiveMode) => {
    if (stopped || next === mode) return;
    // Back from a gap: fetch once, since updates may have been missed.
    if (next === 'live' && mode === 'polling') options.onUpdate();
    mode = next;
    options.onMode(next);
  };

  const authCallback = async () => {
    const tokenRequest = await options.getTokenRequest();
    if (!tokenRequest) throw new Error('Realtime updates are not configured on the backend.');
    return tokenRequest;
  };

  void (async () => {
    try {
      const first = await options.getTokenRequest();
      if (stopped) return;
      if (!first) return setMode('polling');
      let handedFirst = false;
      connection = options.connect(async () => {
        if (!handedFirst) {
          handedFirst = true;
          return first;
        }
        return authCallback();
      });
      connection.onStateChange((state) => {
        if (state === 'connected') setMode('live');
        else if (DOWN_STATES.has(state)) setMode('polling');
      });
      const channel = capabilityChannel(first) ?? solverChannel(options.solverId);
      await connection.subscribe(channel, REALTIME_EVENTS.sessionUpdated, () => {
        if (!stopped) options.onUpdate();
      });
    } catch {
      setMode('polling');
    }
  })();

  options.onMode(mode);
  return () => {
    stopped = true;
    connection?.close();
  };
}
