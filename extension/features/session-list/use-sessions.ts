import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ListSessionsResponse, SessionSummary } from '../../../shared/index.ts';
import type { LiveStatus } from '../../lib/live-status.ts';
import { onBroadcast, sendMessage } from '../../lib/messages.ts';
import { startLiveUpdates, type ConnectRealtime } from './live-updates.ts';
import { realtimeFromBackground } from './watch-live-updates.ts';

export const SESSIONS_QUERY_KEY = ['sessions'] as const;
export const CAN_USE_QUERY_KEY = ['canUse'] as const;

/** The solver's active sessions, refetched every `pollIntervalMs` (never when `false`). */
export function useSessions(pollIntervalMs: number | false) {
  return useQuery({
    queryKey: SESSIONS_QUERY_KEY,
    queryFn: (): Promise<ListSessionsResponse> => sendMessage('sessions.list'),
    select: (result) => result.sessions,
    refetchInterval: pollIntervalMs,
  });
}

export function useCanUseMeet() {
  return useQuery({ queryKey: CAN_USE_QUERY_KEY, queryFn: () => sendMessage('meet.canUse'), staleTime: 60_000 });
}

/**
 * The list the background fetched after a change, taken as it is: a poll of ours still under way may have read the
 * sessions before the change, so it is dropped. A refetch a live update started is kept and lands after it: it began
 * after a change the backend pushed, and any change after it pushes again, while the background's list may have been
 * read before that push (a "delivered" callback right after the click). Without a list (the background could not
 * fetch it), ask.
 */
function takeSessions(queryClient: QueryClient, sessions: SessionSummary[] | undefined, liveRefetching: boolean): void {
  if (!sessions) return void queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY });
  if (liveRefetching) return void queryClient.setQueryData<ListSessionsResponse>(SESSIONS_QUERY_KEY, { sessions });
  void queryClient
    .cancelQueries({ queryKey: SESSIONS_QUERY_KEY })
    .then(() => queryClient.setQueryData<ListSessionsResponse>(SESSIONS_QUERY_KEY, { sessions }));
}

/**
 * Keeps the list current: Ably pushes when the backend has it, polling otherwise, plus the background's
 * `sessions.changed` broadcasts, with the fresh list, for changes made from this browser.
 */
export function useLiveSessionUpdates(solverId: string, connect: ConnectRealtime): LiveStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>({ mode: 'connecting' });
  useEffect(() => {
    let liveRefetches = 0;
    const refresh = () => {
      liveRefetches += 1;
      void queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY }).finally(() => (liveRefetches -= 1));
    };
    const stopBroadcasts = onBroadcast((message) => {
      if (message.event === 'sessions.changed') takeSessions(queryClient, message.sessions, liveRefetches > 0);
    });
    const stopLive = startLiveUpdates({ solverId, ...realtimeFromBackground, connect, onUpdate: refresh, onStatus: setStatus });
    return () => {
      stopBroadcasts();
      stopLive();
    };
  }, [solverId, connect, queryClient]);
  return status;
}

/**
 * After a success the background fetches the list once and hands it to every page (`sessions.changed`); after a
 * failure it does not, so the panel asks (the session may have ended meanwhile).
 */
export function useStartMeet() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => sendMessage('meet.start', { sessionId }),
    onError: () => queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY }),
  });
}

export function useOpenMeet() {
  return useMutation({
    mutationFn: (sessionId: string) => sendMessage('meet.open', { sessionId }),
  });
}

/** When this panel last resent a session's SMS (epoch ms): kept in the query cache, so a card drawn again still knows. */
const lastResendKey = (sessionId: string) => ['lastResend', sessionId] as const;

/** A resend within this long of the previous one asks first: the customer has most likely just got the text. */
export const RESEND_CONFIRM_MS = 60_000;

export function useResendSms() {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: (sessionId: string) => sendMessage('meet.resendSms', { sessionId }),
    onSuccess: (_result, sessionId) => queryClient.setQueryData(lastResendKey(sessionId), Date.now()),
    // As for a start: the background hands out the fresh list after a success.
    onError: () => queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY }),
  });
  /** How long ago this panel resent the session's SMS, when that is under {@link RESEND_CONFIRM_MS}. */
  const recentlyResent = (sessionId: string, now = Date.now()): number | undefined => {
    const at = queryClient.getQueryData<number>(lastResendKey(sessionId));
    return at !== undefined && now - at < RESEND_CONFIRM_MS ? Math.max(0, now - at) : undefined;
  };
  return { ...mutation, recentlyResent };
}
