import {
  REALTIME_EVENTS,
  capabilityChannel,
  solverChannel,
  type RealtimeEndpoint,
  type RealtimeTokenRequest,
} from '../../../shared/index.ts';
import { liveFailure, type LiveStatus } from '../../lib/live-status.ts';

/** The slice of an Ably Realtime client live updates use; `ably-connection.ts` adapts the real SDK. */
export type RealtimeConnection = {
  /** Attaches and subscribes: resolves once the channel is attached, rejects when it is refused. */
  subscribe(channel: string, event: string, listener: () => void): Promise<void>;
  /**
   * Ably connection states (initialized, connecting, connected, disconnected, suspended, closing, closed, failed),
   * with the reason Ably gives for a state it was pushed into.
   */
  onStateChange(listener: (state: string, reason?: string) => void): void;
  close(): void;
};

/** Opens a connection authenticated by `authCallback`, to `endpoint` (undefined: Ably's own). */
export type ConnectRealtime = (
  authCallback: () => Promise<RealtimeTokenRequest>,
  endpoint: RealtimeEndpoint | undefined,
) => RealtimeConnection;

export type LiveUpdatesOptions = {
  solverId: string;
  /** A subscribe-only token request for the solver's channel, `null` when the backend has no Ably. */
  getTokenRequest: () => Promise<RealtimeTokenRequest | null>;
  /** Where the backend says to connect (ABLY_REALTIME_URL); undefined: Ably's own endpoint. */
  getEndpoint: () => Promise<RealtimeEndpoint | undefined>;
  connect: ConnectRealtime;
  /** One of the solver's sessions changed (or we may have missed changes): refetch. */
  onUpdate: () => void;
  onStatus: (status: LiveStatus) => void;
};

const DOWN_STATES = new Set(['disconnected', 'suspended', 'closed', 'failed']);
const same = (a: LiveStatus, b: LiveStatus) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Subscribes to the solver's channel (the one its token grants; `solver:<id>` by default) for `session.updated`
 * with a token the backend mints, and reports whether updates are live — connected and attached — or, when they
 * are not, why (no Ably on the backend, the token, the connection or the subscription failed); the caller polls
 * then. Returns a function that stops everything.
 */
export function startLiveUpdates(options: LiveUpdatesOptions): () => void {
  let stopped = false;
  let connection: RealtimeConnection | undefined;
  let status: LiveStatus = { mode: 'connecting' };
  let connected = false;
  let attached = false;
  const report = (next: LiveStatus) => {
    if (stopped || same(next, status)) return;
    // Back from a gap: fetch once, since updates may have been missed.
    if (next.mode === 'live' && status.mode === 'polling') options.onUpdate();
    status = next;
    options.onStatus(next);
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
      if (!first) return report({ mode: 'polling', reason: { kind: 'not_configured' } });
      const endpoint = await options.getEndpoint();
      if (stopped) return;
      let handedFirst = false;
      connection = options.connect(async () => {
        if (!handedFirst) {
          handedFirst = true;
          return first;
        }
        return authCallback();
      }, endpoint);
      connection.onStateChange((state, reason) => {
        connected = state === 'connected';
        if (connected && attached) report({ mode: 'live' });
        else if (DOWN_STATES.has(state)) report(liveFailure(reason ?? `the connection is ${state}`));
      });
      const channel = capabilityChannel(first) ?? solverChannel(options.solverId);
      await connection.subscribe(channel, REALTIME_EVENTS.sessionUpdated, () => {
        if (!stopped) options.onUpdate();
      });
      attached = true;
      if (connected) report({ mode: 'live' });
    } catch (error) {
      report(liveFailure(error));
    }
  })();

  options.onStatus(status);
  return () => {
    stopped = true;
    connection?.close();
  };
}
