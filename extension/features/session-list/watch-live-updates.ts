import { liveFailure, type LiveUpdatesWatcher } from '../../lib/live-status.ts';
import { onBroadcast, sendMessage } from '../../lib/messages.ts';
import { startLiveUpdates, type ConnectRealtime, type LiveUpdatesOptions } from './live-updates.ts';

/** Token requests and the endpoint, from the backend through the background. */
export const realtimeFromBackground: Pick<LiveUpdatesOptions, 'getTokenRequest' | 'getEndpoint'> = {
  getTokenRequest: () => sendMessage('realtime.tokenRequest'),
  getEndpoint: async () => (await sendMessage('backend.health')).realtime,
};

/**
 * Whether live updates work for the signed-in solver, watched until stopped (the options page's backend status):
 * the same connection and subscription as the side panel's, without a list to refresh; again after a sign-in or
 * sign-out.
 */
export const watchLiveUpdates =
  (connect: ConnectRealtime): LiveUpdatesWatcher =>
  (onStatus) => {
    let generation = 0;
    let stopLive = () => {};
    const start = () => {
      const current = ++generation;
      stopLive();
      stopLive = () => {};
      onStatus({ mode: 'connecting' });
      sendMessage('auth.get').then(
        (auth) => {
          if (current !== generation) return;
          if (auth.status !== 'signed_in') return onStatus({ mode: 'polling', reason: { kind: 'signed_out' } });
          stopLive = startLiveUpdates({ solverId: auth.solver.id, ...realtimeFromBackground, connect, onUpdate: () => {}, onStatus });
        },
        (error: unknown) => current === generation && onStatus(liveFailure(error)),
      );
    };
    const stopBroadcasts = onBroadcast((message) => {
      if (message.event === 'auth.changed') start();
    });
    start();
    return () => {
      generation += 1;
      stopBroadcasts();
      stopLive();
    };
  };
